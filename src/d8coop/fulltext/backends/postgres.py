"""PostgreSQL: one table per indexed model holding each row's weighted `tsvector`, GIN-indexed.

The models belong to other apps, so the vector cannot be a column of theirs, and an SME's
document includes its products (another table), so it cannot be an expression index either.
Computing documents on the fly was measured at 1.3-2.9 s per search over 5,000 opportunities
(docs/decisions/0020); with the stored vectors a search reads the GIN index. The table is kept
in step by `signals.py`, as the FTS5 tables are on SQLite, and filled by the migration and by
`d8coop fulltext rebuild`. Headlines (the costly part of PostgreSQL text search) are computed
only for the rows returned.

The 'simple' configuration: the content is in the members' eight languages (and English,
French, Arabic), often mixed in one record; one language's stemmer and stop words would be
wrong for most of it. 'simple' only lower-cases.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.db import connections, models
from django.db.models import Value
from django.db.models.functions import Replace

from d8coop.fulltext.registry import IndexedModel
from d8coop.fulltext.snippets import has_match, to_html
from d8coop.fulltext.terms import MARK_END, MARK_START, Terms

CONFIG = "simple"
HEADLINE_OPTIONS = {"max_words": 24, "min_words": 8, "short_word": 2}
# PostgreSQL's parser reads `<...>` as an HTML tag: not indexed, and dropped from headlines.
# Text is text here (a description showing "<script>" must show it, escaped), so "<" is
# hidden from the parser: a space in the document, a private-use stand-in in headlines.
TAG_OPEN = "\ue002"
CHUNK = 500


def create_table_sql(entry: IndexedModel) -> list[str]:
    table = entry.fts_table
    return [
        f'CREATE TABLE IF NOT EXISTS "{table}" (id bigint PRIMARY KEY, document tsvector NOT NULL)',
        f'CREATE INDEX IF NOT EXISTS "{table}_document" ON "{table}" USING gin (document)',
    ]


def drop_table_sql(entry: IndexedModel) -> list[str]:
    return [f'DROP TABLE IF EXISTS "{entry.fts_table}"']


def _replace(expression, old: str, new: str = "") -> Replace:
    return Replace(expression, Value(old), Value(new), output_field=models.TextField())


def _vector(entry: IndexedModel, model: type[models.Model]) -> SearchVector:
    expressions = entry.expressions(model)
    vectors = [
        SearchVector(
            _replace(expressions[name], "<", " "), weight=entry.weights[name], config=CONFIG
        )
        for name in entry.fields
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _insert(entry: IndexedModel, queryset: models.QuerySet, cursor) -> None:
    rows = queryset.order_by().annotate(_fulltext_document=_vector(entry, queryset.model))
    sql, params = rows.values_list("pk", "_fulltext_document").query.sql_with_params()
    # ON CONFLICT: two transactions re-indexing one profile (each saving another of its
    # products) do not lock a common row; the later one overwrites rather than fails.
    cursor.execute(
        f'INSERT INTO "{entry.fts_table}" (id, document) {sql} '
        "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
        params,
    )


def reindex(entry: IndexedModel, model: type[models.Model], pks: Iterable, using: str) -> None:
    """Make the table hold exactly the current document of rows `pks` (removing deleted ones)."""
    pks = [pk for pk in set(pks) if pk is not None]
    with connections[using].cursor() as cursor:
        for chunk in _chunks(pks):
            cursor.execute(f'DELETE FROM "{entry.fts_table}" WHERE id = ANY(%s)', [chunk])
            _insert(entry, model._base_manager.using(using).filter(pk__in=chunk), cursor)


def rebuild(entry: IndexedModel, model: type[models.Model], using: str) -> int:
    """Empty the table and index every row; returns the number of rows indexed."""
    with connections[using].cursor() as cursor:
        for statement in create_table_sql(entry):
            cursor.execute(statement)
        cursor.execute(f'DELETE FROM "{entry.fts_table}"')
        _insert(entry, model._base_manager.using(using).all(), cursor)
        cursor.execute(f'SELECT count(*) FROM "{entry.fts_table}"')
        return cursor.fetchone()[0]


def _tsquery(terms: Terms) -> tuple[str, list]:
    return "to_tsquery(%s::regconfig, %s)", [CONFIG, terms.tsquery()]


def scores(entry: IndexedModel, terms: Terms, using: str) -> dict[int, float]:
    """Every matching row's rank, higher is better (ts_rank, default weights D..A 0.1..1)."""
    query, params = _tsquery(terms)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'SELECT id, ts_rank(document, {query}) FROM "{entry.fts_table}" '
            f"WHERE document @@ {query}",
            [*params, *params],
        )
        return {pk: float(rank) for pk, rank in cursor.fetchall()}


def matching_sql(entry: IndexedModel, terms: Terms) -> tuple[str, list]:
    query, params = _tsquery(terms)
    return f'SELECT id FROM "{entry.fts_table}" WHERE document @@ {query}', params


def excerpts(
    entry: IndexedModel, model: type[models.Model], pks: list, terms: Terms, using: str
) -> dict[int, dict]:
    """Headlines for rows `pks`: per field that matched, escaped, matches in <mark>."""
    query = SearchQuery(terms.tsquery(), search_type="raw", config=CONFIG)
    expressions = entry.expressions(model)
    headlines = {
        f"_fulltext_{name}": SearchHeadline(
            # Only the engine may place the markers: strip any the text holds.
            _replace(_replace(_replace(expressions[name], MARK_START), MARK_END), "<", TAG_OPEN),
            query,
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            **HEADLINE_OPTIONS,
        )
        for name in entry.fields
    }
    result: dict[int, dict] = {}
    for chunk in _chunks(pks):
        rows = model._base_manager.using(using).filter(pk__in=chunk).order_by()
        for row in rows.annotate(**headlines).values("pk", *headlines):
            texts = {name: (row[f"_fulltext_{name}"] or "") for name in entry.fields}
            result[row["pk"]] = {
                name: to_html(text.replace(TAG_OPEN, "<"))
                for name, text in texts.items()
                if has_match(text)
            }
    return result
