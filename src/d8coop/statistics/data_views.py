"""The SME database page, the open data page and the downloads: each table as CSV and XLSX,
and all of them as a Frictionless Data Package. The public gets the suppressed figures; members
(`can_see_members_data`) get every figure, in a response no shared cache may keep."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from d8coop.accounts.permissions import can_see_members_data
from d8coop.core.models import Source
from d8coop.members.models import MemberState
from d8coop.statistics import charts, tables
from d8coop.statistics.comparison import ComparisonCaveat
from d8coop.statistics.engine.microdata import FIELD_NAMES, QUALITY_FLAGS
from d8coop.statistics.models import SmeDefinition, Upload

PACKAGE_NAME = "d8-sme-statistics"
FORMATS = ("csv", "xlsx")
# The licence of the compilation; each source's own terms still apply to its figures.
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
MICRODATA_SOURCE = gettext_lazy(
    "National enterprise microdata uploaded by the member states' focal points"
)
SIZE_LABELS = {
    "nano": gettext_lazy("Nano"),
    "cottage": gettext_lazy("Cottage"),
    "micro": gettext_lazy("Micro"),
    "small": gettext_lazy("Small"),
    "medium": gettext_lazy("Medium"),
    "large": gettext_lazy("Large"),
    "unclassified": gettext_lazy("Unclassified"),
    tables.TOTAL: gettext_lazy("All sizes"),
}
FLAG_LABELS = {
    "exporter": gettext_lazy("Exporting"),
    "women_owned": gettext_lazy("Women-owned"),
    "registered": gettext_lazy("Registered"),
    "bank_credit": gettext_lazy("Bank credit"),
    "uses_ict": gettext_lazy("Using ICT"),
}


# -- writers ----------------------------------------------------------------------------------
def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_csv(table: tables.Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.field_names)
    writer.writerows([_csv_value(v) for v in row] for row in table.rows)
    return out.getvalue()


def table_xlsx(table: tables.Table) -> bytes:
    """One sheet, a header row, numbers as numbers; a suppressed figure is the text 'c'."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    sheet.append(table.field_names)
    for row in table.rows:
        sheet.append([tables.SUPPRESSED if v is tables.HIDDEN else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _schema(table: tables.Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [
            {"name": c.name, "type": c.type, "title": str(c.title)}
            | ({"description": c.description} if c.description else {})
            for c in table.columns
        ],
        "missingValues": ["", tables.SUPPRESSED],
    }
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    return schema


def _package_sources(built: list[tables.Table]) -> list[dict[str, str]]:
    keys = {
        row[t.field_names.index("source")]
        for t in built
        if "source" in t.field_names
        for row in t.rows
    }
    sources = [{"title": str(MICRODATA_SOURCE)}]
    for source in Source.objects.filter(key__in=keys).order_by("title"):
        sources.append({"title": source.title} | ({"path": source.url} if source.url else {}))
    return sources


def data_package(built: list[tables.Table]) -> dict[str, Any]:
    return {
        "name": PACKAGE_NAME,
        "title": "D-8 SME statistics",
        "description": (
            "SME aggregates from national microdata (figures of fewer than "
            f"{tables.min_cell()} enterprises suppressed as 'c' for the public), their data "
            "quality, the published national figures, the SME definitions, the exchange rates "
            "and the indicator series of the D-8 Industrial Cooperation Platform. National "
            "SME definitions differ: compare across member states with care."
        ),
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "licenses": [LICENSE],
        "sources": _package_sources(built),
        "resources": [
            {
                "name": t.name,
                "title": str(t.title),
                "description": str(t.description),
                "path": f"{t.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(t),
            }
            for t in built
        ],
    }


def package_zip(built: list[tables.Table]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        descriptor = json.dumps(data_package(built), ensure_ascii=False, indent=2)
        archive.writestr("datapackage.json", descriptor)
        for table in built:
            archive.writestr(f"{table.name}.csv", table_csv(table))
    return out.getvalue()


def _attachment(request: HttpRequest, body: str | bytes, filename: str, mediatype: str):
    response = HttpResponse(body, content_type=mediatype)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_vary_headers(response, ["Cookie"])
    if can_see_members_data(request.user):
        patch_cache_control(response, private=True, no_store=True)
    return response


# -- views ------------------------------------------------------------------------------------
def download(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table as CSV or XLSX; an unknown table or format is a 404."""
    if table not in tables.BUILDERS or fmt not in FORMATS:
        raise Http404(_("No such download."))
    built = tables.build_table(table, disclose=can_see_members_data(request.user))
    filename = f"d8-{table}.{fmt}"
    if fmt == "csv":
        return _attachment(request, table_csv(built), filename, "text/csv; charset=utf-8")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _attachment(request, table_xlsx(built), filename, xlsx)


def package_download(request: HttpRequest) -> HttpResponse:
    """Every table as CSV, described by datapackage.json (Frictionless Data Package)."""
    disclose = can_see_members_data(request.user)
    built = [tables.build_table(name, disclose=disclose) for name in tables.BUILDERS]
    return _attachment(request, package_zip(built), f"{PACKAGE_NAME}.zip", "application/zip")


def open_data(request: HttpRequest) -> HttpResponse:
    """Every download with its row count, the licence and the sources."""
    built = [tables.build_table(name, disclose=False) for name in tables.BUILDERS]
    context = {
        "tables": built,
        "license": LICENSE,
        "sources": _package_sources(built),
        "package_name": PACKAGE_NAME,
        "min_cell": tables.min_cell(),
        "members": can_see_members_data(request.user),
    }
    return render(request, "statistics/open_data.html", context)


class DatabaseFilter(forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Member state"), required=False)
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"), required=False, coerce=int, empty_value=None
    )
    definition = forms.ChoiceField(label=gettext_lazy("Definition"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = Upload.objects.filter(is_current=True)
        states = MemberState.objects.filter(pk__in=current.values("country_id"))
        years = sorted(set(current.values_list("year", flat=True)), reverse=True)
        harmonized = SmeDefinition.objects.filter(kind=SmeDefinition.Kind.HARMONIZED)
        self.fields["country"].choices = [("", _("All member states"))] + [
            (s.code, s.name) for s in states
        ]
        self.fields["year"].choices = [("", _("All years"))] + [(y, y) for y in years]
        self.fields["definition"].choices = [
            (tables.NATIONAL, _("National definition of each member state"))
        ] + [(d.code, f"{d.code} — {d.name}") for d in harmonized.order_by("code")]


@dataclass
class CountryChart:
    name: str
    year: int
    definition: str
    chart: charts.Chart
    rows: list[tables.AggregateRow]  # the size-class margins, all sizes last


def _country_charts(rows: list[tables.AggregateRow]) -> list[CountryChart]:
    groups: dict[tuple[str, int, str], list[tables.AggregateRow]] = {}
    for row in rows:
        if row.isic_section == tables.TOTAL:
            groups.setdefault((row.country_name, row.year, row.definition_code), []).append(row)
    result = []
    for (name, year, code), margins in groups.items():
        points = [
            (str(SIZE_LABELS.get(r.size_class, r.size_class)), float(r.enterprises or 0),
             tables.SUPPRESSED if r.suppressed else f"{r.enterprises:,}")
            for r in margins if r.size_class != tables.TOTAL
        ]  # fmt: skip
        result.append(CountryChart(name, year, code, charts.layout(points, kind="bar"), margins))
    return result


def database_caveat(rows: list[tables.AggregateRow], definition: str) -> ComparisonCaveat | None:
    """What to keep in mind when the shown figures span member states: national definitions
    that differ and are not verified, and different years. None for one member state."""
    totals = [r for r in rows if r.is_total]
    if len({r.country_code for r in totals}) < 2:
        return None
    uncertain = []
    if definition == tables.NATIONAL:
        for r in totals:
            if r.definition_certainty != SmeDefinition.Certainty.VERIFIED:
                label = SmeDefinition.Certainty(r.definition_certainty).label
                uncertain.append((f"{r.country_name} ({r.definition_code})", str(label)))
    years = {r.year for r in totals}
    return ComparisonCaveat(
        uncertain=list(dict.fromkeys(uncertain)),
        units=[],
        years=(min(years), max(years)) if len(years) > 1 else None,
    )


def database(request: HttpRequest) -> HttpResponse:
    """The aggregates of the current microdata uploads under a chosen definition, with a chart
    by size class per member state, the comparison caveat and the data quality of each upload.
    A filter value that is not offered is refused (400) with the page unfiltered."""
    form = DatabaseFilter(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    chosen = form.cleaned_data if form.is_bound and valid else {}
    definition = chosen.get("definition") or tables.NATIONAL
    rows = tables.aggregate_rows(
        disclose=can_see_members_data(request.user),
        country=chosen.get("country") or "",
        year=chosen.get("year"),
        definition=definition,
    )
    context = {
        "form": form,
        "rows": rows,
        "charts": _country_charts(rows),
        "caveat": database_caveat(rows, definition),
        "national": definition == tables.NATIONAL,
        "uploads": tables.quality_rows(),
        "size_labels": SIZE_LABELS,
        "flags": [FLAG_LABELS[f] for f in QUALITY_FLAGS],
        "fields": FIELD_NAMES,
        "min_cell": tables.min_cell(),
        "any_suppressed": any(r.suppressed for r in rows),
        "downloads": [name for name in tables.BUILDERS],
    }
    return render(request, "statistics/database.html", context, status=200 if valid else 400)
