"""SQLite: one FTS5 table per indexed model, its rowid the row's primary key.

The tables are created and filled by this app's migration, kept in step with the rows by
`signals.py` and refilled by `d8coop fulltext rebuild`. Ranking is bm25() with the registry's
weights (negated, so that higher is better); excerpts come from snippet().
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, models

from d8coop.fulltext.registry import BM25_WEIGHTS, IndexedModel
from d8coop.fulltext.snippets import has_match, to_html
from d8coop.fulltext.terms import MARK_END, MARK_START, Terms

# unicode61 folds case and, with remove_diacritics 2, Latin diacritics (İzmir = Izmir = izmir,
# Türkiye = Turkiye); prefix indexes make "tex*" cheap.
TOKENIZE = "unicode61 remove_diacritics 2"
SNIPPET_TOKENS = 24
CHUNK = 500


def create_table_sql(entry: IndexedModel) -> list[str]:
    columns = ", ".join(entry.fields)
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{entry.fts_table}" USING fts5('
        f"{columns}, tokenize = '{TOKENIZE}', prefix = '2 3')"
    ]


def drop_table_sql(entry: IndexedModel) -> list[str]:
    return [f'DROP TABLE IF EXISTS "{entry.fts_table}"']


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _insert_sql(entry: IndexedModel) -> str:
    return (
        f'INSERT INTO "{entry.fts_table}" (rowid, {", ".join(entry.fields)}) '
        f"VALUES (%s{', %s' * len(entry.fields)})"
    )


def _insert(entry: IndexedModel, queryset: models.QuerySet, cursor) -> int:
    count = 0
    batch: list[list] = []
    for pk, texts in entry.documents(queryset):
        batch.append([pk, *(texts[name] for name in entry.fields)])
        if len(batch) >= CHUNK:
            cursor.executemany(_insert_sql(entry), batch)
            count, batch = count + len(batch), []
    if batch:
        cursor.executemany(_insert_sql(entry), batch)
    return count + len(batch)


def reindex(entry: IndexedModel, model: type[models.Model], pks: Iterable, using: str) -> None:
    """Make the index hold exactly the current text of rows `pks` (removing deleted ones)."""
    pks = [pk for pk in set(pks) if pk is not None]
    with connections[using].cursor() as cursor:
        for chunk in _chunks(pks):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f'DELETE FROM "{entry.fts_table}" WHERE rowid IN ({marks})', chunk)
            _insert(entry, model._base_manager.using(using).filter(pk__in=chunk), cursor)


def rebuild(entry: IndexedModel, model: type[models.Model], using: str) -> int:
    """Empty the table and index every row; returns the number of rows indexed."""
    table = entry.fts_table
    with connections[using].cursor() as cursor:
        # Dropped and created again: the columns follow the registry's fields.
        for statement in [*drop_table_sql(entry), *create_table_sql(entry)]:
            cursor.execute(statement)
        count = _insert(entry, model._base_manager.using(using).all(), cursor)
        cursor.execute(f'INSERT INTO "{table}" ("{table}") VALUES (\'optimize\')')
    return count


def scores(entry: IndexedModel, terms: Terms, using: str) -> dict[int, float]:
    """Every matching row's rank, higher is better (bm25 with the registry's weights)."""
    table = entry.fts_table
    weights = ", ".join(str(BM25_WEIGHTS[entry.weights[name]]) for name in entry.fields)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'SELECT rowid, -bm25("{table}", {weights}) FROM "{table}" WHERE "{table}" MATCH %s',
            [terms.fts5()],
        )
        return {pk: float(rank) for pk, rank in cursor.fetchall()}


def matching_sql(entry: IndexedModel, terms: Terms) -> tuple[str, list]:
    table = entry.fts_table
    return f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s', [terms.fts5()]


def excerpts(
    entry: IndexedModel, model: type[models.Model], pks: list, terms: Terms, using: str
) -> dict[int, dict]:
    """snippet() for rows `pks`: per field that matched, escaped, matches in <mark>."""
    table = entry.fts_table
    columns = ", ".join(
        f"snippet(\"{table}\", {index}, %s, %s, '…', {SNIPPET_TOKENS})"
        for index, _name in enumerate(entry.fields)
    )
    marker_params = [MARK_START, MARK_END] * len(entry.fields)
    result: dict[int, dict] = {}
    with connections[using].cursor() as cursor:
        for chunk in _chunks(pks):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f'SELECT rowid, {columns} FROM "{table}" '
                f'WHERE "{table}" MATCH %s AND rowid IN ({marks})',
                [*marker_params, terms.fts5(), *chunk],
            )
            for pk, *texts in cursor.fetchall():
                result[pk] = {
                    name: to_html(text)
                    for name, text in zip(entry.fields, texts, strict=True)
                    if has_match(text)
                }
    return result
