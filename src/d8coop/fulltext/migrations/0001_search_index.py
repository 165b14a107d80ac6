"""The index tables (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL), filled with the rows
that already exist. See docs/decisions/0020-full-text-search.md."""

from django.db import migrations


def create_and_fill(apps, schema_editor):
    from d8coop.fulltext import index

    index.rebuild_all(schema_editor.connection.alias, apps.get_model)


def drop(apps, schema_editor):
    from d8coop.fulltext import index

    index.drop_tables(schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("opportunities", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_and_fill, drop)]
