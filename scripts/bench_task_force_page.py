"""Benchmark the task-force page under 20 years of synthetic activity, cached and uncached.

    .venv/bin/python scripts/bench_task_force_page.py        # or: make bench

What it does (see docs/benchmarks.md):

1. builds a throwaway SQLite database in a temporary directory: ``migrate``, the shipped
   reference data, then a deterministic synthetic volume (``bench/volume.py``: seed 42,
   bulk_create) of 600 meetings, 4,000 action items, 3,000 contacts... over 20 bodies;
2. renders ``/bodies/tf-smes/`` in-process once with the Django test client to check it
   (status 200, the task force's name in the HTML) and count its queries, uncached, then
   checks that a second, cached, request makes no query;
3. serves the project twice with gunicorn (2 sync workers, 127.0.0.1, a free port) through
   ``scripts/bench_minimal_app.py``, which adds a minimal ``HttpResponse("ok")`` view to the
   project's own URLconf: first with ``PAGE_CACHE_SECONDS=0`` (the page is rendered on every
   request), then with ``PAGE_CACHE_SECONDS=60`` (the default: anonymous requests after the
   first are served from the page cache);
4. in each gunicorn run, loads the page and the minimal view with the same concurrency, after
   a warm-up, in the order page, minimal, minimal, page, with ``wrk`` if installed, otherwise
   a Python client, and measures requests/s, latency p50/p95 and the workers' CPU per request;
5. prints a summary: for each run, the ratio of the page's requests/s to the minimal view's in
   the same run (the target, reported and not asserted, is 0.5 or more).

Nothing outside the temporary directory is touched; gunicorn is stopped on exit, on Ctrl-C
and on errors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import WRK_SCRIPT, Load, Run
from bench.server import HOST, Server, fetch
from bench.volume import SEED, TASK_FORCE, build_volume, database_totals, task_force_totals

PAGE_PATH = f"/bodies/{TASK_FORCE}/"
MINIMAL_PATH = "/__bench__/minimal"  # defined in bench_minimal_app.py
PAGE, MINIMAL = "task-force page", "minimal view"
CACHE_SETTINGS = (0, 60)  # PAGE_CACHE_SECONDS of the two gunicorn runs: off, the default
TARGET = 0.5


def configure_environment(data_dir: Path) -> None:
    """The environment of both this process and gunicorn: a throwaway SQLite database."""
    os.environ.update(
        {
            "D8COOP_DATA_DIR": str(data_dir),
            "D8COOP_ENV": "development",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "d8coop.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    # Never touch a real database or cache, nor inherit the caller's debug or cache settings.
    for name in ("DEBUG", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_SECONDS"):
        os.environ.pop(name, None)
    (data_dir / "static").mkdir()  # STATIC_ROOT; WhiteNoise warns when it is missing


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per URL (2)")
    parser.add_argument("--concurrency", type=int, default=4, help="connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or the Python one",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if min(args.duration, args.warmup, args.concurrency, args.workers) < 1:
        parser.error("--duration, --warmup, --concurrency and --workers must be 1 or more")
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    elif args.client == "wrk" and not shutil.which("wrk"):
        print("wrk is not installed; using the Python client.")
        args.client = "python"
    return args


def machine() -> str:
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{os.cpu_count()} CPUs, load average {' '.join(load)}"


def print_counts(rows: dict[str, int]) -> None:
    for name, n in rows.items():
        print(f"  {name:<30} {n:>6,}")


def prepare_database() -> str:
    """Migrate, load the reference data and the synthetic volume; the task force's name."""
    from django.core.management import call_command

    from d8coop.cooperation.models import Body
    from d8coop.reference_data.loader import load_reference_data

    t0 = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    load_reference_data()
    created = build_volume()
    print(f"Built in {time.monotonic() - t0:.1f} s. Synthetic volume (bulk_create, seed {SEED}):")
    print_counts(created)
    print("Totals in the database (reference data + synthetic):")
    print_counts(database_totals())
    name = Body.objects.get(slug=TASK_FORCE).name
    print(f"Task force under test: {name}, {PAGE_PATH}; its page covers its family:")
    print_counts(task_force_totals())
    return name


@dataclass
class PageCheck:
    size: int  # bytes of HTML
    queries: int  # of one uncached render
    cpu_ms: float  # in-process CPU of one uncached render, best of 3 x 10
    cached_queries: int  # of a request served from the page cache


def _render(client, path: str, expected: str):
    """GET ``path``; refuses anything but a 200 holding ``expected``."""
    response = client.get(path)
    if response.status_code != 200 or expected.encode() not in response.content:
        raise SystemExit(
            f"{path}: status {response.status_code}, expected text {expected!r} missing: "
            f"refusing to benchmark an error page"
        )
    return response


def check_page(path: str, expected: str) -> PageCheck:
    """Render ``path`` in-process: uncached (its queries and CPU), then cached.

    Queries are counted as soon as each request is done: the next request resets the log.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)  # ALLOWED_HOSTS is the real one, not the test runner's
    with override_settings(PAGE_CACHE_SECONDS=0):
        _render(client, path, expected)  # warms the template and URL caches
        with CaptureQueriesContext(connection) as uncached:
            response = _render(client, path, expected)
        queries = len(uncached)
        best = float("inf")
        for _ in range(3):  # CPU time, not wall time: immune to other load on the machine
            t0 = time.process_time()
            for _ in range(10):
                client.get(path)
            best = min(best, (time.process_time() - t0) / 10)
    with override_settings(PAGE_CACHE_SECONDS=60):
        cache.clear()
        _render(client, path, expected)
        with CaptureQueriesContext(connection) as cached:
            _render(client, path, expected)
        cached_queries = len(cached)
    return PageCheck(len(response.content), queries, 1000 * best, cached_queries)


def print_run(run: Run) -> None:
    print(
        f"  {run.label:<16} {run.rps:8.1f} req/s  p50 {run.p50_ms:7.1f} ms  "
        f"p95 {run.p95_ms:7.1f} ms  server CPU {run.cpu_ms_per_request:6.2f} ms/req  "
        f"({run.requests} requests, {run.errors} errors)"
    )


def check_served(server: Server, expected: dict[str, str], when: str) -> None:
    for path, text in expected.items():
        status, body = fetch(server.port, path)
        if status != 200 or text.encode() not in body:
            raise SystemExit(f"gunicorn {path} {when}: status {status}, {text!r} missing")


def measure(
    cache_seconds: int, args: argparse.Namespace, load: Load, tmp: Path, name: str
) -> list[Run]:
    """One gunicorn run with PAGE_CACHE_SECONDS=``cache_seconds``: page and minimal view."""
    expected = {PAGE_PATH: name, MINIMAL_PATH: "ok"}
    env = {"PAGE_CACHE_SECONDS": str(cache_seconds)}
    log = tmp / f"gunicorn-cache-{cache_seconds}.log"
    with Server(args.workers, log, env, MINIMAL_PATH) as server:
        print(
            f"\nPAGE_CACHE_SECONDS={cache_seconds}: gunicorn, {args.workers} sync workers on "
            f"{HOST}:{server.port}; {machine()}"
        )
        check_served(server, expected, "before the load")
        for path in expected:
            load.run(server, path, "warm-up", args.warmup, expected[path])
        runs = []
        page, minimal = (PAGE_PATH, PAGE), (MINIMAL_PATH, MINIMAL)
        for path, label in [page, minimal, minimal, page]:
            runs.append(load.run(server, path, label, args.duration, expected[path]))
            print_run(runs[-1])
        check_served(server, expected, "after the load")
        if sum(r.errors for r in runs):
            raise SystemExit(
                f"{sum(r.errors for r in runs)} failed or wrong responses: the figures are "
                f"not valid.\ngunicorn log:\n{server.log()}"
            )
    return runs


@dataclass
class Result:
    """The runs of one gunicorn run, averaged per URL."""

    cache_seconds: int
    runs: list[Run]

    def mean(self, label: str, attr: str) -> float:
        return statistics.mean(getattr(r, attr) for r in self.runs if r.label == label)

    @property
    def ratio(self) -> float:
        return self.mean(PAGE, "rps") / self.mean(MINIMAL, "rps")

    @property
    def cpu_ratio(self) -> float:
        return self.mean(MINIMAL, "cpu_ms_per_request") / self.mean(PAGE, "cpu_ms_per_request")


def print_summary(results: list[Result], page: PageCheck, args: argparse.Namespace) -> None:
    print(
        f"\nSummary ({args.client}, {args.concurrency} connections, {args.duration} s per run, "
        f"mean of the two runs of each URL; {machine()}):"
    )
    print(f"  {'':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/req':>11}")
    for result in results:
        mode = "cached" if result.cache_seconds else "uncached"
        for label in (PAGE, MINIMAL):
            name = f"{label}, {mode}" if label == PAGE else f"  {label}, same gunicorn"
            cells = [result.mean(label, a) for a in ("rps", "p50_ms", "p95_ms")]
            cpu = result.mean(label, "cpu_ms_per_request")
            print(f"  {name:<34} {cells[0]:8.1f} {cells[1]:8.1f} {cells[2]:8.1f} {cpu:11.2f}")
    for result in results:
        mode = "cached" if result.cache_seconds else "uncached"
        verdict = "met" if result.ratio >= TARGET else "MISSED"
        print(
            f"  ratio page/minimal, {mode + ':':<9} {result.ratio:.4f} req/s (target {TARGET}: "
            f"{verdict}); CPU per request minimal/page {result.cpu_ratio:.4f}"
        )
    print(
        f"  one uncached render in-process: {page.queries} queries, {page.cpu_ms:.1f} ms CPU, "
        f"{page.size:,} bytes; a cached hit: {page.cached_queries} queries"
    )


def run(args: argparse.Namespace, tmp: Path) -> None:
    configure_environment(tmp)
    import django

    django.setup()
    print(f"D-8 task-force page benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"Throwaway database: {tmp / 'd8coop.sqlite3'}")
    name = prepare_database()
    page = check_page(PAGE_PATH, name)
    print(
        f"\nIn-process render of {PAGE_PATH}: {page.size:,} bytes; uncached {page.queries} "
        f"queries, {page.cpu_ms:.1f} ms CPU; cached hit {page.cached_queries} queries"
    )
    lua = tmp / "report.lua"
    lua.write_text(WRK_SCRIPT)
    load = Load(args.client, args.concurrency, lua)
    print(
        f"Load: client {args.client}, {args.concurrency} connections; {args.warmup} s warm-up "
        f"per URL, then {args.duration} s per run, order page, minimal, minimal, page."
    )
    results = [Result(s, measure(s, args, load, tmp, name)) for s in CACHE_SETTINGS]
    print_summary(results, page, args)


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="d8coop-bench-"))

    def on_sigterm(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        run(args, tmp)
        print(f"\nDone in {time.monotonic() - started:.0f} s.")
        return 0
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
