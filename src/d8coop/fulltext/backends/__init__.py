"""One module per database: the same functions, each engine's own SQL.

create_table_sql(entry) / drop_table_sql(entry): the index table's DDL (idempotent)
reindex(entry, model, pks, using) / rebuild(entry, model, using): keep the index in step
scores(entry, terms, using): {pk: rank} of every indexed row matching, higher is better
matching_sql(entry, terms): (sql, params) selecting the primary keys of those rows
excerpts(entry, model, pks, terms, using): {pk: {field: SafeString}} for the rows shown
"""

from __future__ import annotations

from types import ModuleType

from django.db import connections


def for_database(using: str) -> ModuleType:
    vendor = connections[using].vendor
    if vendor == "postgresql":
        from d8coop.fulltext.backends import postgres

        return postgres
    if vendor == "sqlite":
        from d8coop.fulltext.backends import sqlite

        return sqlite
    raise NotImplementedError(f"Full-text search does not support {vendor}.")
