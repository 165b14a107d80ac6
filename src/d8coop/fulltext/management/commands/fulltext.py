"""`d8coop fulltext rebuild [--database ALIAS]`: re-index every searchable row.

Empties and refills the index tables (FTS5 on SQLite, tsvector on PostgreSQL) in one
transaction: searches see the old index until it commits. Safe to run at any time."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, transaction

from d8coop.fulltext import index


class Command(BaseCommand):
    help = "Full-text search: rebuild (re-index every searchable row)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rebuild}")
        rebuild = sub.add_parser("rebuild", help="Re-index every searchable row.")
        rebuild.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options) -> None:
        using = options["database"]
        with transaction.atomic(using=using):
            counts = index.rebuild_all(using)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows indexed.")
