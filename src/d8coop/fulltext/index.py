"""Keeping the index tables in step with the rows (the same calls on both databases)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.apps import apps

from d8coop.fulltext.backends import for_database
from d8coop.fulltext.registry import INDEXED_MODELS, IndexedModel


def reindex(entry: IndexedModel, pks: Iterable, using: str) -> None:
    for_database(using).reindex(entry, apps.get_model(entry.label), pks, using)


def rebuild_all(using: str, get_model: Callable = apps.get_model) -> dict[str, int]:
    """Re-create and refill every index table; `get_model` is `apps.get_model` (the historical
    one in a migration). Returns the rows indexed per model label."""
    backend = for_database(using)
    return {
        entry.label: backend.rebuild(entry, get_model(entry.label), using)
        for entry in INDEXED_MODELS
    }


def ensure_tables(using: str) -> None:
    """Create any missing index table (empty: `rebuild_all` fills it)."""
    from django.db import connections

    backend = for_database(using)
    with connections[using].cursor() as cursor:
        for entry in INDEXED_MODELS:
            for statement in backend.create_table_sql(entry):
                cursor.execute(statement)


def drop_tables(using: str) -> None:
    from django.db import connections

    backend = for_database(using)
    with connections[using].cursor() as cursor:
        for entry in INDEXED_MODELS:
            for statement in backend.drop_table_sql(entry):
                cursor.execute(statement)
