"""The one list of what is searchable: models, their fields, and each field's weight.

Weights follow PostgreSQL's letters (A most important … D least). A field is either a text
column of the model or a text assembled from related rows (an SME's products and
certifications); each entry says how to build its texts in Python (for the SQLite FTS5 index)
and as SQL expressions (for PostgreSQL's stored `tsvector`).

Changing the fields or weights of an entry needs a new migration in this app, depending on
the latest migration of the model's app, that runs `index.rebuild_all` (as 0001 does): the
index tables are filled with the documents the registry describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat

from d8coop.fulltext.terms import MARK_END, MARK_START

# bm25() column weights for SQLite, in the same proportions as ts_rank's defaults
# ({D: 0.1, C: 0.2, B: 0.4, A: 1.0}).
BM25_WEIGHTS = {"A": 10.0, "B": 4.0, "C": 2.0, "D": 1.0}


def clean_text(value: Any) -> str:
    """Indexed text: a string without the private-use characters that mark matches."""
    if value is None:
        return ""
    return str(value).replace(MARK_START, "").replace(MARK_END, "")


@dataclass(frozen=True)
class IndexedModel:
    label: str  # app_label.ModelName
    fts_table: str  # the FTS5 table on SQLite; its rowid is the row's primary key
    weights: dict[str, str]  # field name → weight letter, in column order
    # Python: (pk, {field: text}) for each row of a queryset of the model (a historical model in
    # migrations, so only fields and reverse relations are used).
    documents: Callable[[models.QuerySet], Iterator[tuple[int, dict[str, str]]]]
    # PostgreSQL: {field: text expression} over the model's table.
    expressions: Callable[[type[models.Model]], dict[str, Any]]
    # Related models whose changes change this model's documents: label → attribute holding the
    # primary key of the row to re-index.
    dependents: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.weights)


def _plain_documents(fields: Iterable[str]) -> Callable:
    names = tuple(fields)

    def documents(queryset: models.QuerySet) -> Iterator[tuple[int, dict[str, str]]]:
        for row in queryset.values("pk", *names).iterator(chunk_size=500):
            yield row["pk"], {name: clean_text(row[name]) for name in names}

    return documents


def _plain_expressions(fields: Iterable[str]) -> Callable:
    names = tuple(fields)

    def expressions(model: type[models.Model]) -> dict[str, Any]:
        return {
            name: Coalesce(F(name), Value(""), output_field=models.TextField()) for name in names
        }

    return expressions


OPPORTUNITY_WEIGHTS = {"title": "A", "description": "B", "incentives": "C", "region": "C"}

SME_WEIGHTS = {
    "name": "A",
    "description": "B",
    "capabilities": "B",
    "products": "B",  # each product's HS code and description
    "certifications": "B",
    "city": "C",
}
_SME_COLUMNS = ("name", "description", "capabilities", "city")


def _certification_text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(clean_text(item) for item in value if item is not None)
    return clean_text(value) if value else ""


def _sme_documents(queryset: models.QuerySet) -> Iterator[tuple[int, dict[str, str]]]:
    for profile in queryset.prefetch_related("products").iterator(chunk_size=500):
        products = sorted(profile.products.all(), key=lambda product: (product.hs_code, product.pk))
        yield (
            profile.pk,
            {
                **{name: clean_text(getattr(profile, name)) for name in _SME_COLUMNS},
                "products": " ".join(clean_text(f"{p.hs_code} {p.description}") for p in products),
                "certifications": _certification_text(profile.certifications),
            },
        )


def _sme_expressions(model: type[models.Model]) -> dict[str, Any]:
    from django.contrib.postgres.aggregates import StringAgg

    product_model = model._meta.get_field("products").related_model
    products = (
        product_model._base_manager.filter(profile=models.OuterRef("pk"))
        .order_by()
        .values("profile")
        .annotate(
            text=StringAgg(
                Concat("hs_code", Value(" "), "description", output_field=models.TextField()),
                delimiter=" ",
                order_by=("hs_code", "pk"),
                output_field=models.TextField(),
            )
        )
        .values("text")
    )
    table = model._meta.db_table
    certifications = RawSQL(
        f"""CASE WHEN jsonb_typeof("{table}"."certifications") = 'array' THEN
              (SELECT string_agg(item, ' ')
                 FROM jsonb_array_elements_text("{table}"."certifications") AS item)
            ELSE '' END""",
        (),
        output_field=models.TextField(),
    )
    text = models.TextField()
    return {
        **{name: Coalesce(F(name), Value(""), output_field=text) for name in _SME_COLUMNS},
        "products": Coalesce(
            models.Subquery(products, output_field=text), Value(""), output_field=text
        ),
        "certifications": Coalesce(certifications, Value(""), output_field=text),
    }


INDEXED_MODELS: tuple[IndexedModel, ...] = (
    IndexedModel(
        label="opportunities.Opportunity",
        fts_table="fulltext_opportunity",
        weights=OPPORTUNITY_WEIGHTS,
        documents=_plain_documents(OPPORTUNITY_WEIGHTS),
        expressions=_plain_expressions(OPPORTUNITY_WEIGHTS),
    ),
    IndexedModel(
        label="directory.SmeProfile",
        fts_table="fulltext_smeprofile",
        weights=SME_WEIGHTS,
        documents=_sme_documents,
        expressions=_sme_expressions,
        dependents={"directory.Product": "profile_id"},
    ),
)


def entry_for(model: type[models.Model]) -> IndexedModel:
    label = model._meta.label
    for entry in INDEXED_MODELS:
        if entry.label == label:
            return entry
    raise ValueError(f"{label} is not indexed for full-text search (see fulltext/registry.py).")
