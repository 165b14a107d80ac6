"""Realistic synthetic enterprise microdata for ``scripts/bench_sme_import.py``, as one CSV.

DuckDB writes it in one ``COPY (SELECT ... FROM range(n)) TO ...``: every value is drawn from
``hash(row, draw, SEED)``, so the file is the same on every run of the same DuckDB version and
takes seconds to write. The shape follows an enterprise survey of Türkiye for 2025 in TRY:

- size: 90 % micro (1-9 employees, most of them 1-3), 8 % small (10-49), 1.7 % medium
  (50-249), the rest large (250-10,000, log-uniform);
- sector: skewed ISIC Rev.4 sections (G retail and trade 30 %, C manufacturing 13 %,
  A agriculture 10 %, I, H, F...), written as 4-digit classes, 2 % of them after their
  section letter ("G4711");
- turnover: employees x TRY 800,000 x a log-normal factor, 8 % missing, 1 % written with
  thousands separators ("1,234,567.89"); assets 30 % missing, capital 50 % missing;
- year 2025 (3 % blank), NUTS-1 region, legal form, five yes/no flags (1/0 or yes/no, 6 %
  unanswered);
- about 0.5 % bad rows, one fault each (see BAD_KINDS): unparseable or negative numbers,
  unknown ISIC codes, a wrong year, a flag that is not yes/no, a missing or impossible
  headcount, an identifier already used on an earlier line.
"""

from __future__ import annotations

from pathlib import Path

SEED = 42
YEAR = 2025
CURRENCY = "TRY"
COUNTRY = "TR"
BAD_SHARE = 0.005
BAD_KINDS = (
    "employees not a number",
    "employees negative",
    "turnover with a decimal comma",
    "turnover negative",
    "unknown ISIC code",
    "wrong year",
    "duplicate identifier",
    "flag not yes/no",
    "employees missing",
    "employees impossible",
)
# ISIC Rev.4 sections and their share of enterprises (normalised); divisions per section as
# in the engine's table.
SECTION_SHARES = {
    "G": 0.30, "C": 0.13, "A": 0.10, "I": 0.09, "H": 0.08, "F": 0.07, "M": 0.05,
    "S": 0.045, "N": 0.03, "J": 0.02, "Q": 0.02, "P": 0.015, "R": 0.01, "K": 0.01,
    "L": 0.01, "E": 0.005, "B": 0.005, "D": 0.002,
}  # fmt: skip
REGIONS = {
    "İstanbul": 0.22, "Batı Marmara": 0.05, "Ege": 0.13, "Doğu Marmara": 0.10,
    "Batı Anadolu": 0.10, "Akdeniz": 0.13, "Orta Anadolu": 0.04, "Batı Karadeniz": 0.05,
    "Doğu Karadeniz": 0.03, "Kuzeydoğu Anadolu": 0.02, "Ortadoğu Anadolu": 0.04,
    "Güneydoğu Anadolu": 0.09,
}  # fmt: skip
LEGAL_FORMS = {
    "sole proprietorship": 0.70, "limited company": 0.22, "joint-stock company": 0.05,
    "ordinary partnership": 0.02, "cooperative": 0.01,
}  # fmt: skip
# Flag: (share answering yes among micro, small, medium, large firms).
FLAGS = {
    "exporter": (0.04, 0.15, 0.30, 0.50),
    "women_owned": (0.12, 0.10, 0.08, 0.05),
    "registered": (0.88, 0.97, 0.99, 1.0),
    "bank_credit": (0.30, 0.50, 0.60, 0.65),
    "uses_ict": (0.50, 0.80, 0.95, 1.0),
}
COLUMNS = (
    "enterprise_id", "isic", "employees", "turnover", "assets", "capital", "year", "region",
    "legal_form", *FLAGS,
)  # fmt: skip


def _pick(draw: str, shares: dict[str, float]) -> str:
    """A CASE giving each key with its (normalised) share, from the uniform `draw`."""
    total = sum(shares.values())
    arms, cumulative = [], 0.0
    for key, share in list(shares.items())[:-1]:
        cumulative += share / total
        arms.append(f"WHEN {draw} < {cumulative!r} THEN '{key}'")
    return f"(CASE {' '.join(arms)} ELSE '{list(shares)[-1]}' END)"


def _divisions() -> dict[str, tuple[int, int]]:
    from d8coop.statistics.engine.microdata import ISIC_DIVISIONS

    return {section: (low, high) for section, low, high in ISIC_DIVISIONS}


def _amount(value: str, grouped: str) -> str:
    """A DECIMAL(18, 2) as text, with thousands separators when `grouped` is true."""
    return (
        f"(CASE WHEN {grouped} THEN format('{{:,.2f}}', CAST({value} AS DOUBLE)) "
        f"ELSE CAST({value} AS VARCHAR) END)"
    )


def query(rows: int) -> str:
    """The SELECT writing `rows` records, in COLUMNS order, all as text."""
    divisions = _divisions()
    low = " ".join(f"WHEN '{s}' THEN {divisions[s][0]}" for s in SECTION_SHARES)
    span = " ".join(
        f"WHEN '{s}' THEN {divisions[s][1] - divisions[s][0] + 1}" for s in SECTION_SHARES
    )
    flags = []
    for name, shares in FLAGS.items():
        yes = f"[{', '.join(repr(s) for s in shares)}][size_rank]"
        k = 30 + 3 * len(flags)
        flags.append(
            f"CASE WHEN kind = 7 AND '{name}' = 'exporter' THEN 'maybe' "
            f"WHEN u(i, {k}) < 0.06 THEN NULL "
            f"WHEN u(i, {k + 1}) < {yes} "
            f"THEN (CASE WHEN u(i, {k + 2}) < 0.3 THEN 'yes' ELSE '1' END) "
            f"ELSE (CASE WHEN u(i, {k + 2}) < 0.3 THEN 'no' ELSE '0' END) END AS {name}"
        )
    normal = "((u(i, 6) + u(i, 7) + u(i, 8) + u(i, 9) - 2) * sqrt(3))"
    normal2 = "((u(i, 10) + u(i, 11) + u(i, 12) + u(i, 13) - 2) * sqrt(3))"
    return f"""
        WITH drawn AS (
            SELECT i, u(i, 1) AS size_draw,
                CASE WHEN u(i, 20) < {BAD_SHARE} THEN CAST(floor(u(i, 21) * {len(BAD_KINDS)}) AS INTEGER)
                     ELSE -1 END AS kind,
                {_pick("u(i, 3)", SECTION_SHARES)} AS section
            FROM range({rows}) AS t(i)
        ), sized AS (
            SELECT *,
                CAST(CASE WHEN size_draw < 0.90 THEN 1 + floor(9 * pow(u(i, 2), 2))
                          WHEN size_draw < 0.98 THEN 10 + floor(40 * pow(u(i, 2), 1.5))
                          WHEN size_draw < 0.997 THEN 50 + floor(200 * pow(u(i, 2), 1.5))
                          ELSE floor(250 * exp(u(i, 2) * ln(40))) END AS BIGINT) AS emp,
                CASE WHEN size_draw < 0.90 THEN 1 WHEN size_draw < 0.98 THEN 2
                     WHEN size_draw < 0.997 THEN 3 ELSE 4 END AS size_rank,
                (CASE section {low} END) + CAST(floor(u(i, 4) * (CASE section {span} END)) AS INTEGER)
                    AS division
            FROM drawn
        ), valued AS (
            SELECT *,
                CAST(round(emp * 800000 * exp({normal}), CASE WHEN u(i, 14) < 0.2 THEN 0 ELSE 2 END)
                     AS DECIMAL(18, 2)) AS turn,
                CAST(round(emp * 800000 * exp({normal}) * 0.6 * exp(0.7 * {normal2}), 2)
                     AS DECIMAL(18, 2)) AS asset,
                CAST(round(emp * 50000 * exp({normal2}), 0) AS DECIMAL(18, 2)) AS cap,
                lpad(CAST(division AS VARCHAR), 2, '0')
                    || CAST(1 + floor(u(i, 5) * 9) AS INTEGER)
                    || CAST(floor(u(i, 15) * 10) AS INTEGER) AS code
            FROM sized
        )
        SELECT
            'TR' || lpad(CAST(CASE WHEN kind = 6 AND i > 1000
                                   THEN i - 1 - CAST(floor(u(i, 22) * 1000) AS BIGINT)
                                   ELSE i END AS VARCHAR), 10, '0') AS enterprise_id,
            CASE WHEN kind = 4 THEN ['0412', '3499', 'X123', '99999', 'G1071'][
                     1 + CAST(floor(u(i, 23) * 5) AS INTEGER)]
                 WHEN u(i, 16) < 0.02 THEN section || code ELSE code END AS isic,
            CASE WHEN kind = 0 THEN ['n/a', '12a', 'ten', '?'][1 + CAST(floor(u(i, 23) * 4) AS INTEGER)]
                 WHEN kind = 1 THEN '-' || CAST(emp AS VARCHAR)
                 WHEN kind = 8 THEN NULL
                 WHEN kind = 9 THEN '5000000'
                 ELSE CAST(emp AS VARCHAR) END AS employees,
            CASE WHEN kind = 2 THEN CAST(CAST(floor(turn / 1000) AS BIGINT) AS VARCHAR) || '.'
                     || lpad(CAST(CAST(floor(turn) AS BIGINT) % 1000 AS VARCHAR), 3, '0') || ',50'
                 WHEN kind = 3 THEN '-' || CAST(turn AS VARCHAR)
                 WHEN u(i, 17) < 0.08 THEN NULL
                 ELSE {_amount("turn", "u(i, 18) < 0.01")} END AS turnover,
            CASE WHEN u(i, 19) < 0.30 THEN NULL ELSE {_amount("asset", "u(i, 18) < 0.01")} END AS assets,
            CASE WHEN u(i, 24) < 0.50 THEN NULL ELSE CAST(cap AS VARCHAR) END AS capital,
            CASE WHEN kind = 5 THEN '{YEAR - 1}' WHEN u(i, 25) < 0.03 THEN NULL ELSE '{YEAR}' END
                AS year,
            {_pick("u(i, 26)", REGIONS)} AS region,
            {_pick("u(i, 27)", LEGAL_FORMS)} AS legal_form,
            {", ".join(flags)}
        FROM valued
    """  # noqa: E501


def write_csv(path: Path, rows: int) -> int:
    """Write `rows` records (and a header) to `path`; its size in bytes."""
    import duckdb

    with duckdb.connect() as con:
        con.execute(f"CREATE MACRO u(i, k) AS hash(i, k, {SEED}) / 18446744073709551616.0")
        con.execute(f"COPY ({query(rows)}) TO '{path}' (HEADER, DELIMITER ',', QUOTE '\"')")
    return path.stat().st_size
