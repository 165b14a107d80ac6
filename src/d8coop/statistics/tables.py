"""The tables of the SME database, built once for the page, the downloads and the API.

`aggregate_rows` gives the aggregates of the current microdata uploads with their margins
(`_T`, the SDMX code for a total, over ISIC sections, size classes or both), shares within the
country-year-definition, the quality indicators and turnover in US dollars. Statistical
disclosure control for the public: a figure counting fewer than `STATISTICS_MIN_CELL`
enterprises (and more than none) is suppressed, the cell's other figures with it, since its
shares would give it away. Members see every figure.

`build_table` gives every downloadable table as typed columns (Frictionless Table Schema types)
and plain rows, so the CSV, the XLSX and the Data Package are written from the same values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from d8coop.statistics.engine.microdata import FIELD_NAMES, QUALITY_FLAGS
from d8coop.statistics.imports import AS_PUBLISHED
from d8coop.statistics.models import (
    DataKind,
    ExchangeRate,
    IndicatorObservation,
    PublishedAggregate,
    SmeAggregate,
    SmeDefinition,
    Upload,
)

TOTAL = "_T"
SUPPRESSED = "c"  # the mark of a suppressed figure in every table and download
NATIONAL = "national"  # the definition filter for each country's own definition
SIZE_ORDER = ["nano", "cottage", "micro", "small", "medium", "large", "unclassified", TOTAL]
CENT = Decimal("0.01")


class Suppressed:
    """A figure withheld from the public (fewer enterprises than the minimum cell size)."""

    def __repr__(self) -> str:
        return SUPPRESSED

    def __str__(self) -> str:
        return SUPPRESSED


HIDDEN = Suppressed()


@dataclass
class AggregateRow:
    country_code: str
    country_name: str
    year: int
    definition_code: str
    definition_kind: str
    definition_certainty: str
    isic_section: str
    size_class: str
    currency: str
    enterprises: int | None
    employment: int | None
    turnover: Decimal | None
    turnover_reported: int | None
    turnover_usd: Decimal | None
    turnover_usd_note: str
    enterprise_share: float | None
    employment_share: float | None
    quality: dict[str, tuple[float | None, int | None]]  # flag -> (share yes, answered)
    received_on: date  # the day the member state's microdata file was received
    suppressed: bool = False

    @property
    def is_total(self) -> bool:
        return self.isic_section == TOTAL and self.size_class == TOTAL

    @property
    def enterprise_percent(self) -> float | None:
        return _percent(self.enterprise_share)

    @property
    def employment_percent(self) -> float | None:
        return _percent(self.employment_share)

    @property
    def quality_percents(self) -> list[float | None]:
        """Share answering yes (%) per quality indicator, in QUALITY_FLAGS order."""
        return [_percent(self.quality[flag][0]) for flag in QUALITY_FLAGS]


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


@dataclass
class _Sum:
    """Figures of one cell or of a margin, before shares and suppression.

    From microdata every count is known and a missing turnover means no enterprise reported
    one. From a published table a missing figure is unknown (`strict`): a margin over it is
    unknown too, never a sum of the figures that happen to be there."""

    strict: bool = False
    enterprises: int | None = 0
    employment: int | None = 0
    turnover: Decimal | None = None
    turnover_reported: int | None = 0
    flags: dict[str, list[int]] = field(default_factory=dict)
    cells: int = 0

    def add(self, cell: SmeAggregate | _Sum) -> None:
        first = self.cells == 0
        self.cells += 1
        self.enterprises = _plus(self.enterprises, cell.enterprises)
        self.employment = _plus(self.employment, cell.employment)
        self.turnover_reported = _plus(self.turnover_reported, cell.turnover_reported)
        if self.strict:
            self.turnover = cell.turnover if first else _plus(self.turnover, cell.turnover)
        elif cell.turnover is not None:
            self.turnover = (self.turnover or Decimal(0)) + cell.turnover
        for flag, (yes, answered) in cell.flags.items():
            total = self.flags.setdefault(flag, [0, 0])
            total[0] += yes
            total[1] += answered


def _plus(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a + b


def min_cell() -> int:
    return settings.STATISTICS_MIN_CELL


def is_disclosive(enterprises: int | None) -> bool:
    return enterprises is not None and 0 < enterprises < min_cell()


def current_aggregates(*, country: str = "", year: int | None = None, definition: str = ""):
    """The stored cells of the current uploads, filtered by country code, year and
    definition ("national" for each country's own, else a definition code)."""
    cells = SmeAggregate.objects.filter(upload__is_current=True).select_related(
        "upload__country", "definition"
    )
    if country:
        cells = cells.filter(upload__country__code__iexact=country)
    if year:
        cells = cells.filter(upload__year=year)
    if definition == NATIONAL:  # a published table with no definition on record is national
        cells = cells.filter(
            Q(definition__kind=SmeDefinition.Kind.NATIONAL) | Q(definition__isnull=True)
        )
    elif definition:
        cells = cells.filter(definition__code__iexact=definition)
    return cells


def aggregate_rows(
    *,
    disclose: bool,
    country: str = "",
    year: int | None = None,
    definition: str = "",
    isic_section: str = "",
    size_class: str = "",
) -> list[AggregateRow]:
    """The aggregates with their margins, shares and quality shares, ordered by country, year,
    definition (national first), section and size class; suppressed for the public unless
    `disclose`. Sections and classes filter after the margins are made, so `_T` selects them."""
    groups: dict[tuple[int, int], list[SmeAggregate]] = {}
    for cell in current_aggregates(country=country, year=year, definition=definition):
        groups.setdefault((cell.upload_id, cell.definition_id), []).append(cell)
    rates = _rates({(cells[0].upload.currency, cells[0].upload.year) for cells in groups.values()})
    rows = []
    for cells in groups.values():
        rows += _group_rows(cells, rates, disclose=disclose)
    if isic_section:
        rows = [r for r in rows if r.isic_section.upper() == isic_section.upper()]
    if size_class:
        rows = [r for r in rows if r.size_class == size_class.lower() or r.size_class == size_class]
    rows.sort(key=_row_order)
    return rows


def _row_order(row: AggregateRow) -> tuple:
    size = SIZE_ORDER.index(row.size_class) if row.size_class in SIZE_ORDER else len(SIZE_ORDER)
    return (
        row.country_name,
        row.year,
        row.definition_kind != SmeDefinition.Kind.NATIONAL,
        row.definition_code,
        row.isic_section == TOTAL,
        row.isic_section,
        size,
        row.size_class,
    )


def _rates(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Decimal]:
    keys = set(keys)
    if not keys:
        return {}
    query = Q()
    for currency, year in keys:
        query |= Q(currency=currency, year=year)
    return {
        (rate.currency, rate.year): rate.lcu_per_usd for rate in ExchangeRate.objects.filter(query)
    }


def _group_rows(
    cells: list[SmeAggregate], rates: dict[tuple[str, int], Decimal], *, disclose: bool
) -> list[AggregateRow]:
    """The cells of one upload under one definition, with their three margins.

    A published table gives its cells as published (its "all sections" row is the `_T`
    section) and only the margin over size classes within each section: adding sections up
    would count its total rows twice."""
    upload, definition = cells[0].upload, cells[0].definition
    published = upload.kind == DataKind.AGGREGATES
    sums: dict[tuple[str, str], _Sum] = {}
    for cell in cells:
        section = cell.isic_section or TOTAL
        keys = [(section, cell.size_class), (section, TOTAL)]
        if not published:
            keys += [(TOTAL, cell.size_class), (TOTAL, TOTAL)]
        for key in keys:
            sums.setdefault(key, _Sum(strict=published)).add(cell)
    total = sums.get((TOTAL, TOTAL)) or _Sum(strict=True, enterprises=None, employment=None)
    rate = rates.get((upload.currency, upload.year))
    return [
        _row(upload, definition, section, size, figures, total, rate, disclose=disclose)
        for (section, size), figures in sums.items()
    ]


def _row(
    upload: Upload,
    definition: SmeDefinition | None,
    section: str,
    size: str,
    figures: _Sum,
    total: _Sum,
    rate: Decimal | None,
    *,
    disclose: bool,
) -> AggregateRow:
    usd, note = _in_usd(figures.turnover, rate, upload)
    row = AggregateRow(
        country_code=upload.country.code,
        country_name=upload.country.name,
        year=upload.year,
        definition_code=definition.code if definition else AS_PUBLISHED,
        definition_kind=definition.kind if definition else SmeDefinition.Kind.NATIONAL,
        definition_certainty=(
            definition.certainty if definition else SmeDefinition.Certainty.NOT_FOUND
        ),
        isic_section=section,
        size_class=size,
        currency=upload.currency,
        enterprises=figures.enterprises,
        employment=figures.employment,
        turnover=figures.turnover,
        turnover_reported=figures.turnover_reported,
        turnover_usd=usd,
        turnover_usd_note=note,
        enterprise_share=_share(figures.enterprises, total.enterprises),
        employment_share=_share(figures.employment, total.employment),
        quality={
            flag: (_share(*figures.flags[flag]), figures.flags[flag][1])
            if figures.flags.get(flag, [0, 0])[1] > 0
            else (None, None)
            for flag in QUALITY_FLAGS
        },
        received_on=timezone.localdate(upload.created_at),
    )
    if not disclose and is_disclosive(figures.enterprises):
        _suppress(row)
    return row


def _suppress(row: AggregateRow) -> None:
    row.suppressed = True
    row.enterprises = row.employment = row.turnover_reported = None
    row.turnover = row.turnover_usd = None
    row.turnover_usd_note = ""
    row.enterprise_share = row.employment_share = None
    row.quality = {flag: (None, None) for flag in row.quality}


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _in_usd(
    turnover: Decimal | None, rate: Decimal | None, upload: Upload
) -> tuple[Decimal | None, str]:
    if turnover is None:
        return None, _("No turnover reported.")
    if rate is None:
        return None, _("No exchange rate for %(currency)s in %(year)s.") % {
            "currency": upload.currency,
            "year": upload.year,
        }
    return (turnover / rate).quantize(CENT), ""


def quality_rows() -> list[Upload]:
    """The current uploads, whose `quality` holds their data-quality scores."""
    return list(
        Upload.objects.filter(is_current=True)
        .select_related("country")
        .order_by("country__name", "-year")
    )


# -- downloadable tables ----------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless Table Schema type: string, integer, number, date, boolean
    title: str | Promise
    description: str = ""


@dataclass
class Table:
    name: str  # also the file name, without extension
    title: str | Promise
    description: str | Promise
    columns: list[Column]
    rows: list[list[Any]]
    primary_key: list[str] = field(default_factory=list)
    suppressed: int = 0  # rows with a suppressed figure

    @property
    def field_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _flag_columns() -> list[Column]:
    columns = []
    for flag in QUALITY_FLAGS:
        columns += [
            Column(f"{flag}_share", "number", flag, "Share answering yes, of those answering."),
            Column(f"{flag}_answered", "integer", flag, "Enterprises answering the question."),
        ]
    return columns


AGGREGATE_COLUMNS = [
    Column("country", "string", gettext_lazy("Member state"), "ISO 3166 alpha-2 code."),
    Column("year", "integer", gettext_lazy("Year")),
    Column("definition", "string", gettext_lazy("Definition"), "SME definition code."),
    Column("definition_kind", "string", gettext_lazy("Kind"), "national or harmonized."),
    Column("definition_certainty", "string", gettext_lazy("Certainty")),
    Column("isic_section", "string", gettext_lazy("ISIC section"), "ISIC Rev.4; _T: all."),
    Column("size_class", "string", gettext_lazy("Size class"), "_T: all classes."),
    Column("enterprises", "integer", gettext_lazy("Enterprises")),
    Column("employment", "integer", gettext_lazy("Employment")),
    Column("turnover", "number", gettext_lazy("Turnover"), "Local currency, reporting ones."),
    Column("currency", "string", gettext_lazy("Currency"), "ISO 4217."),
    Column("turnover_reported", "integer", gettext_lazy("Enterprises reporting turnover")),
    Column("turnover_usd", "number", gettext_lazy("Turnover (US$)"), "At the annual rate."),
    Column("turnover_usd_note", "string", gettext_lazy("Note on US$")),
    Column("enterprise_share", "number", gettext_lazy("Share of enterprises")),
    Column("employment_share", "number", gettext_lazy("Share of employment")),
    *_flag_columns(),
    Column("suppressed", "boolean", gettext_lazy("Suppressed"), "Too few enterprises to show."),
    Column("received_on", "date", gettext_lazy("Received"), "Day the microdata was received."),
]


def _aggregates_table(*, disclose: bool) -> Table:
    rows = aggregate_rows(disclose=disclose)
    values = []
    for r in rows:
        figure: Callable[[Any], Any] = (lambda v: HIDDEN) if r.suppressed else (lambda v: v)
        flags = []
        for flag in QUALITY_FLAGS:
            share, answered = r.quality[flag]
            flags += [figure(share), figure(answered)]
        values.append(
            [r.country_code, r.year, r.definition_code, r.definition_kind,
             r.definition_certainty, r.isic_section, r.size_class, figure(r.enterprises),
             figure(r.employment), figure(r.turnover), r.currency, figure(r.turnover_reported),
             figure(r.turnover_usd), r.turnover_usd_note, figure(r.enterprise_share),
             figure(r.employment_share), *flags, r.suppressed, r.received_on]
        )  # fmt: skip
    return Table(
        name="sme-aggregates",
        title=gettext_lazy("SME aggregates from national microdata"),
        description=gettext_lazy(
            "Enterprises, employment and turnover by member state, year, SME definition, ISIC "
            "section and size class, from the current microdata upload of each member state "
            "and year. 'c': suppressed, fewer than %(min)s enterprises."
        )
        % {"min": min_cell()},
        columns=AGGREGATE_COLUMNS,
        rows=values,
        primary_key=["country", "year", "definition", "isic_section", "size_class"],
        suppressed=sum(r.suppressed for r in rows),
    )


def _quality_table(**_kwargs: Any) -> Table:
    columns = [
        Column("country", "string", gettext_lazy("Member state")),
        Column("year", "integer", gettext_lazy("Year")),
        Column("received_on", "date", gettext_lazy("Received")),
        Column("rows_read", "integer", gettext_lazy("Rows read")),
        Column("rows_accepted", "integer", gettext_lazy("Rows accepted")),
        Column("rows_rejected", "integer", gettext_lazy("Rows rejected")),
        Column("validity", "number", gettext_lazy("Validity rate")),
        Column("duplicates", "integer", gettext_lazy("Duplicates")),
        Column("duplicate_rate", "number", gettext_lazy("Duplicate rate")),
        Column("timeliness_days", "integer", gettext_lazy("Timeliness (days)")),
        *[
            Column(f"completeness_{name}", "number", name, "Empty: not in the file.")
            for name in FIELD_NAMES
        ],
    ]
    rows = []
    for upload in quality_rows():
        q, completeness = upload.quality, upload.quality.get("completeness", {})
        received = timezone.localdate(upload.created_at)
        rows.append(
            [upload.country.code, upload.year, received, upload.rows_read,
             upload.rows_accepted, upload.rows_rejected, q.get("validity"), q.get("duplicates"),
             q.get("duplicate_rate"), q.get("timeliness_days"),
             *[completeness.get(name) for name in FIELD_NAMES]]
        )  # fmt: skip
    return Table(
        name="data-quality",
        title=gettext_lazy("Data quality of the microdata uploads"),
        description=gettext_lazy(
            "Per current upload: completeness per field, the share of rows valid, duplicated "
            "identifiers and the days from the end of the reference year to the upload."
        ),
        columns=columns,
        rows=rows,
        primary_key=["country", "year"],
    )


def _source_columns() -> list[Column]:
    return [
        Column("source", "string", gettext_lazy("Source"), "Key of the source."),
        Column("source_title", "string", gettext_lazy("Source title")),
        Column("source_publisher", "string", gettext_lazy("Publisher")),
        Column("source_url", "string", gettext_lazy("Address")),
        Column("source_note", "string", gettext_lazy("Note on sources")),
    ]


def _source_values(record: Any) -> list[str]:
    s = record.source
    return [s.key, s.title, s.publisher, s.url, record.source_note]


def _published_table(**_kwargs: Any) -> Table:
    figures = PublishedAggregate.objects.select_related("country", "source").order_by(
        "country__code", "-year", "measure", "size_class"
    )
    return Table(
        name="published-aggregates",
        title=gettext_lazy("Published national SME figures"),
        description=gettext_lazy(
            "Official SME counts and shares as each member state published them."
        ),
        columns=[
            Column("country", "string", gettext_lazy("Member state")),
            Column("year", "integer", gettext_lazy("Year")),
            Column("period_text", "string", gettext_lazy("Period as published")),
            Column("size_class", "string", gettext_lazy("Size class")),
            Column("measure", "string", gettext_lazy("Measure")),
            Column("value", "number", gettext_lazy("Value")),
            Column("published_as", "string", gettext_lazy("As published")),
            Column("unit", "string", gettext_lazy("Unit")),
            Column("note", "string", gettext_lazy("Note")),
            *_source_columns(),
        ],
        rows=[
            [
                f.country.code,
                f.year,
                f.period_text,
                f.size_class,
                f.measure,
                f.value,
                f.published_as,
                f.unit,
                f.note,
                *_source_values(f),
            ]
            for f in figures
        ],
        primary_key=["country", "year", "size_class", "measure"],
    )


def _definitions_table(**_kwargs: Any) -> Table:
    definitions = SmeDefinition.objects.select_related("country", "source").order_by("code")
    return Table(
        name="sme-definitions",
        title=gettext_lazy("SME definitions"),
        description=gettext_lazy(
            "National SME size definitions, every version, and the harmonized ones."
        ),
        columns=[
            Column("code", "string", gettext_lazy("Code")),
            Column("name", "string", gettext_lazy("Name")),
            Column("country", "string", gettext_lazy("Member state"), "Empty: harmonized."),
            Column("kind", "string", gettext_lazy("Kind")),
            Column("agency", "string", gettext_lazy("Agency")),
            Column("legal_basis", "string", gettext_lazy("Legal basis")),
            Column("effective_from", "date", gettext_lazy("In force from")),
            Column("effective_to", "date", gettext_lazy("In force until")),
            Column("currency", "string", gettext_lazy("Currency")),
            Column("rule", "string", gettext_lazy("Rule")),
            Column("bands", "string", gettext_lazy("Thresholds"), "JSON."),
            Column("certainty", "string", gettext_lazy("Certainty")),
            Column("notes", "string", gettext_lazy("Notes")),
            *_source_columns(),
        ],
        rows=[
            [
                d.code,
                d.name,
                d.country.code if d.country else "",
                d.kind,
                d.agency,
                d.legal_basis,
                d.effective_from,
                d.effective_to,
                d.currency,
                d.rule,
                json.dumps(d.bands, ensure_ascii=False),
                d.certainty,
                d.notes,
                *_source_values(d),
            ]
            for d in definitions
        ],
        primary_key=["code"],
    )


def _rates_table(**_kwargs: Any) -> Table:
    rates = ExchangeRate.objects.select_related("source").order_by("currency", "year")
    return Table(
        name="exchange-rates",
        title=gettext_lazy("Exchange rates"),
        description=gettext_lazy("Annual average rates, local currency units per US dollar."),
        columns=[
            Column("currency", "string", gettext_lazy("Currency")),
            Column("year", "integer", gettext_lazy("Year")),
            Column("lcu_per_usd", "number", gettext_lazy("Local currency units per US dollar")),
            Column("note", "string", gettext_lazy("Note")),
            *_source_columns(),
        ],
        rows=[[r.currency, r.year, r.lcu_per_usd, r.note, *_source_values(r)] for r in rates],
        primary_key=["currency", "year"],
    )


def _observations_table(**_kwargs: Any) -> Table:
    observations = IndicatorObservation.objects.select_related(
        "series__country", "source"
    ).order_by("series__code", "year", "quarter")
    return Table(
        name="indicator-observations",
        title=gettext_lazy("Indicator observations"),
        description=gettext_lazy("Indicator series figures as published, with their sources."),
        columns=[
            Column("series", "string", gettext_lazy("Series"), "Series code."),
            Column("series_name", "string", gettext_lazy("Name")),
            Column("country", "string", gettext_lazy("Member state"), "Empty: D-8 as a whole."),
            Column("unit", "string", gettext_lazy("Unit")),
            Column("frequency", "string", gettext_lazy("Frequency")),
            Column("measure", "string", gettext_lazy("Measure")),
            Column("year", "integer", gettext_lazy("Year")),
            Column("quarter", "integer", gettext_lazy("Quarter"), "Empty: annual."),
            Column("period_text", "string", gettext_lazy("Period as published")),
            Column("value", "number", gettext_lazy("Value")),
            Column("note", "string", gettext_lazy("Note")),
            *_source_columns(),
        ],
        rows=[
            [
                o.series.code,
                o.series.name,
                o.series.country.code if o.series.country else "",
                o.series.unit,
                o.series.frequency,
                o.series.measure,
                o.year,
                o.quarter,
                o.period_text,
                o.value,
                o.note,
                *_source_values(o),
            ]
            for o in observations
        ],
    )


BUILDERS: dict[str, Callable[..., Table]] = {
    "sme-aggregates": _aggregates_table,
    "data-quality": _quality_table,
    "published-aggregates": _published_table,
    "sme-definitions": _definitions_table,
    "exchange-rates": _rates_table,
    "indicator-observations": _observations_table,
}


def build_table(name: str, *, disclose: bool) -> Table:
    """One downloadable table by name (KeyError when there is none by that name)."""
    return BUILDERS[name](disclose=disclose)
