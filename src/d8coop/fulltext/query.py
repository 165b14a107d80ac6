"""`search(queryset, q)`: the one entry point, whatever the database."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import RawSQL

from d8coop.fulltext.backends import for_database
from d8coop.fulltext.registry import entry_for
from d8coop.fulltext.terms import parse
from d8coop.fulltext.types import Hit


def search(queryset: models.QuerySet, q: str | None, *, limit: int | None = None) -> list[Hit]:
    """The rows of `queryset` matching the text `q`, best first (ties by primary key).

    `queryset` is an unsliced queryset of an indexed model (see `registry.py`) that the caller
    has already restricted to what the user may see: nothing outside it is ever returned. `q`
    is whatever a person typed; it never raises, and text without any word gives no hits.
    Every term must match (AND); the last also matches as a prefix. `limit` caps the hits (and
    the excerpts computed). Three queries (four with a limit of more than 500 hits)."""
    model = queryset.model._meta.concrete_model
    entry = entry_for(model)
    terms = parse(q)
    if not terms or (limit is not None and limit <= 0):
        return []
    using = queryset.db
    backend = for_database(using)
    scores = backend.scores(entry, terms, using)
    if not scores:
        return []
    # Only the caller's rows: the queryset decides who may see what.
    sql, params = backend.matching_sql(entry, terms)
    allowed = queryset.filter(pk__in=RawSQL(sql, params)).order_by().values_list("pk", flat=True)
    ranked = sorted((pk for pk in set(allowed) if pk in scores), key=lambda pk: (-scores[pk], pk))
    if limit is not None:
        ranked = ranked[:limit]
    excerpts = backend.excerpts(entry, model, ranked, terms, using)
    return [Hit(pk=pk, rank=scores[pk], snippets=excerpts.get(pk, {})) for pk in ranked]
