"""Benchmark the SME microdata import against DuckDB's plain scan and a pandas implementation.

    .venv/bin/python scripts/bench_sme_import.py                  # or: make bench-import
    .venv/bin/python scripts/bench_sme_import.py --rows 1000000
    .venv/bin/python scripts/bench_sme_import.py --also-double    # 5 and 10 million rows

What it does (see docs/benchmarks/sme-import.md):

1. writes a synthetic survey of Türkiye for 2025 to a CSV file with DuckDB
   (``bench/sme_microdata.py``: seeded, hash-based; 90 % micro firms, skewed sectors, about
   0.5 % bad rows);
2. runs four steps on that same file, each in a fresh Python process so that its peak
   resident memory (``ru_maxrss``, reported by the process itself) is its own:
   - **scan**: DuckDB's plain ``SELECT count(*) FROM read_csv(...)``;
   - **copy**, a floor for reference, not a target: DuckDB reading every column as text and
     writing it straight to Parquet, nothing checked;
   - **import**: the platform's import, ``engine.files.prepare`` then
     ``engine.microdata.run_import`` (validation, duplicates, classification under the current
     national definition of Türkiye and the D8-STAT, EU-2003 and IFC definitions, microdata
     Parquet, rejects file, aggregates), with the plan's default memory limit;
   - **pandas**: the same work done the straightforward pandas way (``bench/sme_pandas.py``);
3. checks that the import and pandas accept and reject the same rows, for the same reasons,
   and give the same class counts under every definition (a mismatch is printed loudly and
   the script exits with status 1);
4. prints, for each size, seconds, rows per second and peak memory of each step, the import's
   phases (from its progress callback), and PASS/MISS against the targets of issue 4.

Seconds (wall clock) and CPU seconds (every thread of the process) are measured inside each
process around the work, after its imports. On a shared machine compare the CPU seconds too.
Nothing outside the work directory is touched; it is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.sme_microdata import COUNTRY, CURRENCY, YEAR, write_csv

HARMONIZED = ("D8-STAT", "EU-2003", "IFC")
STEPS = ("scan", "copy", "import", "pandas")
# Targets of issue 4, at 5 million rows on a 2-core machine.
MAX_IMPORT_PER_SCAN = 3.0
MIN_PANDAS_PER_IMPORT = 4.0
MAX_IMPORT_RSS_MB = 1024
MAX_RSS_GROWTH = 1.2  # "flat": peak memory at 2N within 20 % of that at N
BYTES_PER_ROW = 100  # of the CSV; the steps write about as much again each


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows (5,000,000)")
    parser.add_argument("--also-double", action="store_true", help="run N, then 2N rows")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()),
        help="where to make the work directory (the system's temporary directory)",
    )  # fmt: skip
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # in a child process
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be 1 or more")
    return args


# -- the definitions ---------------------------------------------------------------------------
def load_definitions():
    """The current national definition of Türkiye and the harmonized ones; the 2025 rates."""
    import yaml

    import d8coop
    from d8coop.statistics.engine.definitions import parse_definition
    from d8coop.statistics.engine.money import ExchangeRates

    data = Path(d8coop.__file__).parent / "reference_data" / "data"
    records = yaml.safe_load((data / "09_sme_definitions.yaml").read_text("utf-8"))
    records = records["sme_definitions"]
    national = max(
        (
            r for r in records
            if r.get("country") == COUNTRY and r["kind"] == "national"
            and r.get("effective_from") and r["effective_from"] <= date.today()
        ),
        key=lambda r: r["effective_from"],
    )  # fmt: skip
    chosen = [national, *(r for code in HARMONIZED for r in records if r["code"] == code)]
    definitions = [
        parse_definition(code=r["code"], currency=r["currency"], rule=r["rule"], bands=r["bands"])
        for r in chosen
    ]
    rates = yaml.safe_load((data / "10_exchange_rates.yaml").read_text("utf-8"))
    rates = ExchangeRates.from_rows(
        (r["currency"], r["year"], r["lcu_per_usd"]) for r in rates["exchange_rates"]
    )
    return definitions, rates


# -- the steps, each in its own process --------------------------------------------------------
# Each takes (csv, out, definitions, rates) and returns what it found. `child` imports what the
# steps need and reads the definitions before the clock starts, so start-up is not counted.
def step_scan(csv: Path, out: Path, *_: object) -> dict:
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute(f"SELECT count(*) FROM read_csv({_text(csv)})").fetchone()[0]
    return {"rows": rows}


def step_copy(csv: Path, out: Path, *_: object) -> dict:
    """A floor, not a target: every column as text straight to Parquet, nothing checked."""
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute(
            f"COPY (SELECT * FROM read_csv({_text(csv)}, all_varchar = true)) "
            f"TO {_text(out / 'copy.parquet')} (FORMAT parquet)"
        ).fetchone()[0]
    return {"rows": rows}


IMPORT_PHASES = {  # the progress callback's phase -> what ran since the previous one
    "prepared": "prepare (encoding, blank lines)",
    "classifying": "read, validate, stage; duplicates",
    "aggregating": "classify, write microdata Parquet",
    "done": "rejects file, counts, aggregates",
}


def step_import(csv: Path, out: Path, definitions, rates) -> dict:
    from d8coop.statistics.engine.files import prepare
    from d8coop.statistics.engine.microdata import ImportPlan, guess_mapping, run_import

    started = time.perf_counter()
    marks: list[tuple[str, float]] = []

    def progress(phase: str, fraction: float) -> None:
        if not marks or marks[-1][0] != phase:
            marks.append((phase, time.perf_counter()))
            print(f"    import: {phase} at {marks[-1][1] - started:6.1f} s", file=sys.stderr)

    source = prepare(csv, out, max_bytes=1 << 40, country=COUNTRY)
    progress("prepared", 1.0)
    plan = ImportPlan(
        source=source,
        mapping=guess_mapping(source.columns),
        year=YEAR,
        currency=CURRENCY,
        definitions=definitions,
        rates=rates,
        work_dir=out,
        microdata_path=out / "microdata.parquet",
        rejects_path=out / "rejects.csv",
    )
    result = run_import(plan, progress)
    phases, previous = {}, started
    for phase, at in marks:
        if phase in IMPORT_PHASES:
            phases[IMPORT_PHASES[phase]] = at - previous
            previous = at
    return {
        "rows": result.rows_read,
        "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected,
        "reasons": result.reasons,
        "class_counts": result.class_counts,
        "phases": phases,
        "memory_limit": plan.memory_limit,
    }


def step_pandas(csv: Path, out: Path, definitions, rates) -> dict:
    from bench import sme_pandas

    result = sme_pandas.run(
        csv, out, year=YEAR, currency=CURRENCY, definitions=definitions, rates=rates
    )
    return {**result, "rows": result["rows_read"]}


STEP_FUNCTIONS = {"scan": step_scan, "copy": step_copy, "import": step_import,
                  "pandas": step_pandas}  # fmt: skip


def child(args: argparse.Namespace) -> int:
    import duckdb  # noqa: F401 - loaded before the clock starts

    if args.step == "import":
        import d8coop.statistics.engine.microdata  # noqa: F401
    elif args.step == "pandas":
        import bench.sme_pandas  # noqa: F401
    definitions, rates = load_definitions()
    wall, cpu = time.perf_counter(), time.process_time()
    result = STEP_FUNCTIONS[args.step](args.csv, args.out, definitions, rates)
    result["seconds"] = time.perf_counter() - wall
    result["cpu_seconds"] = time.process_time() - cpu  # every thread of the process
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB
    print(json.dumps(result))
    return 0


def _text(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def run_step(name: str, csv: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--step", name,
               "--csv", str(csv), "--out", str(out)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"The {name} step failed (status {done.returncode}).")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


# -- the report --------------------------------------------------------------------------------
@dataclass
class Size:
    rows: int
    csv_bytes: int
    steps: dict[str, dict]

    def ratio(self, numerator: str, denominator: str, clock: str = "seconds") -> float:
        return self.steps[numerator][clock] / self.steps[denominator][clock]


def versions() -> str:
    import duckdb
    import numpy
    import pandas
    import pyarrow

    return (
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, numpy {numpy.__version__}"
    )


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, load average {load}"


def compare(size: Size) -> list[str]:
    """What the import and pandas disagree on; empty when they agree."""
    engine, baseline = size.steps["import"], size.steps["pandas"]
    problems = []
    for key in ("rows_accepted", "rows_rejected", "reasons", "class_counts"):
        if engine[key] != baseline[key]:
            problems.append(f"{key}: import {engine[key]} != pandas {baseline[key]}")
    if size.steps["scan"]["rows"] != engine["rows"]:
        problems.append(f"rows read: scan {size.steps['scan']['rows']} != import {engine['rows']}")
    return problems


def print_size(size: Size) -> None:
    engine = size.steps["import"]
    print(f"  import phases ({engine['memory_limit']} memory limit):")
    for phase, seconds in engine["phases"].items():
        print(f"    {phase:<36} {seconds:7.2f} s")
    print(
        f"  accepted {engine['rows_accepted']:,}, rejected {engine['rows_rejected']:,}: "
        + ", ".join(f"{code} {n:,}" for code, n in engine["reasons"].items())
    )
    for code, counts in engine["class_counts"].items():
        shares = ", ".join(
            f"{k} {100 * v / engine['rows_accepted']:.2f} %" for k, v in sorted(counts.items())
        )
        print(f"    {code:<8} {shares}")
    problems = compare(size)
    if problems:
        print("  !!! MISMATCH between the import and pandas !!!")
        for problem in problems:
            print(f"  !!! {problem}")
    else:
        print("  import and pandas agree: accepted, rejected, reasons and class counts")


LABELS = {
    "scan": "DuckDB scan count(*)",
    "copy": "(DuckDB CSV to Parquet, floor)",
    "import": "import (prepare + run_import)",
    "pandas": "pandas implementation",
}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_summary(sizes: list[Size]) -> None:
    print(f"\nSummary; {machine()}")
    print(f"  {versions()}")
    print(
        f"  {'rows':>11}  {'step':<30} {'seconds':>8} {'rows/s':>11} {'CPU s':>8} "
        f"{'peak RSS MB':>12}"
    )
    for size in sizes:
        for name in STEPS:
            step = size.steps[name]
            print(
                f"  {size.rows:>11,}  {LABELS[name]:<30} {step['seconds']:8.2f} "
                f"{size.rows / step['seconds']:>11,.0f} {step['cpu_seconds']:8.2f} "
                f"{step['peak_rss_mb']:12.0f}"
            )
    print("Targets (issue 4), on wall-clock seconds; the same ratios in CPU seconds after them:")
    for size in sizes:
        per_scan = size.ratio("import", "scan")
        per_import = size.ratio("pandas", "import")
        rss = size.steps["import"]["peak_rss_mb"]
        print(
            f"  {size.rows:>11,} rows: import/scan {per_scan:5.2f}x (<= {MAX_IMPORT_PER_SCAN:g}x: "
            f"{verdict(per_scan <= MAX_IMPORT_PER_SCAN)}); pandas/import {per_import:5.2f}x "
            f"(>= {MIN_PANDAS_PER_IMPORT:g}x: {verdict(per_import >= MIN_PANDAS_PER_IMPORT)}); "
            f"import peak RSS {rss:.0f} MB (< {MAX_IMPORT_RSS_MB} MB: "
            f"{verdict(rss < MAX_IMPORT_RSS_MB)}); in CPU seconds: import/scan "
            f"{size.ratio('import', 'scan', 'cpu_seconds'):.2f}x, pandas/import "
            f"{size.ratio('pandas', 'import', 'cpu_seconds'):.2f}x, "
            f"import/floor {size.ratio('import', 'copy', 'cpu_seconds'):.2f}x"
        )
    for smaller, larger in itertools.pairwise(sizes):
        before = smaller.steps["import"]["peak_rss_mb"]
        after = larger.steps["import"]["peak_rss_mb"]
        print(
            f"  import peak RSS from {smaller.rows:,} to {larger.rows:,} rows: {before:.0f} -> "
            f"{after:.0f} MB, x{after / before:.2f} (flat: <= x{MAX_RSS_GROWTH}: "
            f"{verdict(after / before <= MAX_RSS_GROWTH)})"
        )


# -- the run -----------------------------------------------------------------------------------
def check_disk(work: Path, rows: list[int]) -> None:
    need = sum(rows) * BYTES_PER_ROW * 4  # the CSV, the stage, the microdata, pandas' output
    free = shutil.disk_usage(work).free
    print(f"Disk: {free / 2**30:.1f} GiB free in {work}, about {need / 2**30:.1f} GiB needed")
    if free < need:
        raise SystemExit("Not enough free disk space: choose another --work directory.")


def measure(rows: int, work: Path, keep: bool) -> Size:
    folder = work / f"rows-{rows}"
    folder.mkdir()
    csv = folder / "microdata.csv"
    started = time.perf_counter()
    csv_bytes = write_csv(csv, rows)
    print(
        f"\n{rows:,} rows: wrote {csv} ({csv_bytes / 2**20:,.0f} MiB) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    steps = {}
    for name in STEPS:
        steps[name] = run_step(name, csv, folder / name)
        step = steps[name]
        print(
            f"  {LABELS[name]:<30} {step['seconds']:7.2f} s, {rows / step['seconds']:>10,.0f} "
            f"rows/s, CPU {step['cpu_seconds']:7.2f} s, peak RSS {step['peak_rss_mb']:6.0f} MB "
            f"(process {step['process_seconds']:.2f} s with start-up)"
        )
    size = Size(rows, csv_bytes, steps)
    print_size(size)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return size


def main() -> int:
    args = parse_args()
    if args.step:
        return child(args)
    started = time.monotonic()
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="d8coop-bench-import-", dir=args.work))

    def on_sigterm(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rows = [args.rows, 2 * args.rows] if args.also_double else [args.rows]
    try:
        print(f"SME import benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
        print(f"  {versions()}")
        print(f"Work directory: {work}")
        check_disk(args.work, rows)
        sizes = [measure(n, work, args.keep) for n in rows]
        print_summary(sizes)
        print(f"\nDone in {time.monotonic() - started:.0f} s.")
        mismatches = [size.rows for size in sizes if compare(size)]
        if mismatches:
            print(f"!!! The import and pandas disagree at {mismatches} rows: see above. !!!")
            return 1
        return 0
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    finally:
        if args.keep:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
