"""Keep the index tables (FTS5 on SQLite, tsvector on PostgreSQL) in step with the rows.

Handlers run inside the saving transaction, so the index changes commit or roll back with the
row. Bulk `QuerySet.update()`/`bulk_create()` send no signals: code that changes indexed text
that way must call `index.reindex()` itself, or run `d8coop fulltext rebuild`.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

from d8coop.fulltext import index
from d8coop.fulltext.registry import INDEXED_MODELS, IndexedModel


def _reindex(entry: IndexedModel, pk, using: str) -> None:
    index.reindex(entry, [pk], using)


def _row_handler(entry: IndexedModel):
    def handler(sender, instance, using, **kwargs) -> None:
        _reindex(entry, instance.pk, using)

    return handler


def _dependent_handler(entry: IndexedModel, attribute: str):
    def handler(sender, instance, using, **kwargs) -> None:
        _reindex(entry, getattr(instance, attribute), using)
        # A product moved to another profile leaves its old profile too.
        previous = instance.__dict__.pop(f"_fulltext_previous_{attribute}", None)
        if previous is not None and previous != getattr(instance, attribute):
            _reindex(entry, previous, using)

    return handler


def _remember_previous(attribute: str):
    def handler(sender, instance, using, raw=False, **kwargs) -> None:
        if raw or instance.pk is None:
            return
        previous = (
            sender._base_manager.using(using)
            .filter(pk=instance.pk)
            .values_list(attribute, flat=True)
            .first()
        )
        instance.__dict__[f"_fulltext_previous_{attribute}"] = previous

    return handler


def create_missing_tables(sender, using, **kwargs) -> None:
    """After `migrate` (also one that builds tables straight from the models, as pytest's
    --no-migrations does): the index tables exist, so saving an indexed row never fails."""
    index.ensure_tables(using)


def connect() -> None:
    for entry in INDEXED_MODELS:
        handler = _row_handler(entry)
        model = apps.get_model(entry.label)
        uid = f"fulltext:{entry.label}"
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid)
        for label, attribute in entry.dependents.items():
            dependent = _dependent_handler(entry, attribute)
            uid = f"fulltext:{entry.label}:{label}"
            related = apps.get_model(label)
            post_save.connect(dependent, sender=related, weak=False, dispatch_uid=uid)
            post_delete.connect(dependent, sender=related, weak=False, dispatch_uid=uid)
            pre_save.connect(
                _remember_previous(attribute), sender=related, weak=False, dispatch_uid=uid
            )
    post_migrate.connect(create_missing_tables, dispatch_uid="fulltext:ensure_tables")
