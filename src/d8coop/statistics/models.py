"""SME size definitions (national versions and harmonized references) and exchange rates.

A definition's thresholds are data (`bands`, JSON) read and checked by the framework-free
engine (`engine.definitions`); `clean()` refuses a definition the engine cannot use.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.models import Sourced
from d8coop.members.models import MemberState
from d8coop.statistics.engine.definitions import Definition, DefinitionError, parse_definition


class SmeDefinition(Sourced):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National")
        HARMONIZED = "harmonized", _("Harmonized (for comparison)")

    class Certainty(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        PARTIALLY_VERIFIED = "partially_verified", _("Partially verified")
        UNVERIFIED = "unverified", _("Unverified")
        NOT_FOUND = "not_found", _("Not found")

    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("E.g. TR-2023, EU-2003.")
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sme_definitions",
        help_text=_("Empty for a harmonized definition."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=400, blank=True)
    effective_from = models.DateField(
        _("in force from"), null=True, blank=True, help_text=_("Empty when not known.")
    )
    effective_to = models.DateField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_("The day before the next version comes into force; empty for the current one."),
    )
    currency = models.CharField(
        _("currency (ISO 4217)"),
        max_length=3,
        blank=True,
        help_text=_("Of the monetary thresholds; empty when there are none."),
    )
    rule = models.CharField(
        _("rule"),
        max_length=200,
        blank=True,
        help_text=_(
            "How the criteria combine: all_of, larger_wins, smaller_wins, two_of_three, a "
            "single criterion (e.g. 'turnover'), or an expression such as "
            "'employees and (turnover or assets)' or 'turnover else capital'."
        ),
    )
    bands = models.JSONField(
        _("thresholds"),
        default=list,
        blank=True,
        help_text=_(
            'A list of sector bands: {"sector": ..., "isic_sections": ["C"], "classes": '
            '{"micro": {"employees": "< 10", "turnover": "<= 2000000"}, ...}}. '
            "Empty when the thresholds are not known."
        ),
    )
    certainty = models.CharField(_("certainty"), max_length=20, choices=Certainty.choices)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        # Undated versions first, on SQLite and PostgreSQL alike.
        ordering = [
            "kind",
            "country__name",
            models.F("effective_from").asc(nulls_first=True),
            "code",
        ]
        verbose_name = _("SME definition")
        verbose_name_plural = _("SME definitions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="national") & Q(country__isnull=False))
                | (Q(kind="harmonized") & Q(country__isnull=True)),
                name="sme_definition_national_has_a_country",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="sme_definition_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        super().clean()
        self.currency = self.currency.upper()
        if self.kind == self.Kind.NATIONAL and self.country_id is None:
            raise ValidationError({"country": _("A national definition names its member state.")})
        if self.kind == self.Kind.HARMONIZED and self.country_id is not None:
            raise ValidationError({"country": _("A harmonized definition has no member state.")})
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError(
                {"effective_to": _("A version cannot end before it comes into force.")}
            )
        try:
            definition = self.engine_definition()
        except DefinitionError as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        if definition.rule is None and self.certainty != self.Certainty.NOT_FOUND:
            raise ValidationError(
                {"bands": _("Give the thresholds, or set the certainty to “not found”.")}
            )
        self._check_no_overlap()

    def _check_no_overlap(self) -> None:
        if self.country_id is None:
            return
        start, end = self.effective_from or date.min, self.effective_to or date.max
        others = SmeDefinition.objects.filter(country_id=self.country_id).exclude(pk=self.pk)
        for other in others:
            other_start = other.effective_from or date.min
            other_end = other.effective_to or date.max
            if start <= other_end and other_start <= end:
                raise ValidationError(
                    {
                        "effective_from": _(
                            "The dates overlap with %(code)s; a version ends the day before "
                            "the next comes into force."
                        )
                        % {"code": other.code}
                    }
                )

    def engine_definition(self) -> Definition:
        """The definition as the engine reads it (raises DefinitionError when unusable)."""
        return parse_definition(
            code=self.code, currency=self.currency, rule=self.rule, bands=self.bands
        )

    def in_force_on(self, day: date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


class ExchangeRate(Sourced):
    """An annual average rate: local currency units per US dollar."""

    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year"))
    lcu_per_usd = models.DecimalField(
        _("local currency units per US dollar"), max_digits=20, decimal_places=6
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "year"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "year"], name="one_rate_per_currency_year"),
            models.CheckConstraint(condition=Q(lcu_per_usd__gt=0), name="rate_is_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.year}: {self.lcu_per_usd}"

    def clean(self) -> None:
        super().clean()
        self.currency = self.currency.upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": _("Use the ISO 4217 code, e.g. TRY.")})


class PublishedAggregate(Sourced):
    """One figure from a member state's official publication (a census, a survey, a yearbook):
    a count or a share for one size class and year, stored as published with its source."""

    class SizeClass(models.TextChoices):
        TOTAL = "total", _("All sizes")
        MSME = "msme", _("MSMEs")
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")

    class Measure(models.TextChoices):
        ENTERPRISES = "enterprises", _("enterprises")
        ESTABLISHMENTS = "establishments", _("establishments")
        ECONOMIC_UNITS = "economic_units", _("economic units")
        SHARE_OF_ENTERPRISES = "share_of_enterprises", _("share of all enterprises (%)")
        SHARE_OF_MSMES = "share_of_msmes", _("share of MSMEs (%)")
        SHARE_OF_EMPLOYMENT = "share_of_employment", _("share of employment (%)")

    COUNTS = (Measure.ENTERPRISES, Measure.ESTABLISHMENTS, Measure.ECONOMIC_UNITS)

    country = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="published_aggregates",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), help_text=_("The first calendar year the figure refers to.")
    )
    period_text = models.CharField(
        _("period as published"),
        max_length=40,
        blank=True,
        help_text=_("E.g. 2017/18 for a fiscal year; empty when it is the calendar year."),
    )
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices)
    measure = models.CharField(_("measure"), max_length=24, choices=Measure.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    published_as = models.CharField(
        _("as published"),
        max_length=60,
        blank=True,
        help_text=_("The figure as the source writes it when rounded, e.g. 64.2 million."),
    )
    unit = models.CharField(_("unit"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country__name", "-year", "measure", "size_class"]
        verbose_name = _("published aggregate")
        verbose_name_plural = _("published aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year", "size_class", "measure"],
                name="one_published_figure_per_country_year_class_measure",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="published_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(measure__startswith="share_") | Q(value__lte=100),
                name="published_share_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.period} {self.size_class} {self.measure}: {self.value}"

    @property
    def period(self) -> str:
        return self.period_text or str(self.year)

    @property
    def is_count(self) -> bool:
        return self.measure in self.COUNTS


class IndicatorSeries(models.Model):
    """A run of figures on one indicator (e.g. industrial production) for one member state or
    for D-8 as a whole, stored as its sources publish it: levels, growth rates or an
    annualized pace. Growth is derived from levels by the engine, never stored."""

    class Frequency(models.TextChoices):
        ANNUAL = "annual", _("Annual")
        QUARTERLY = "quarterly", _("Quarterly")

    class Measure(models.TextChoices):
        LEVEL = "level", _("Level (e.g. an index)")
        GROWTH_RATE = "growth_rate", _("Growth rate, as published")
        ANNUALIZED_PACE = "annualized_pace", _("Annualized pace, as published")

    code = models.SlugField(
        _("code"), max_length=80, unique=True, help_text=_("E.g. d8-industrial-production.")
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(
        _("unit"), max_length=60, help_text=_("E.g. index, 2005=100; or % growth.")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    country = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_series",
        help_text=_("Empty for D-8 as a whole."),
    )
    measure = models.CharField(_("what it measures"), max_length=20, choices=Measure.choices)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("country__name").asc(nulls_first=True), "name"]
        verbose_name = _("indicator series")
        verbose_name_plural = _("indicator series")

    def __str__(self) -> str:
        return self.name

    @property
    def is_quarterly(self) -> bool:
        return self.frequency == self.Frequency.QUARTERLY


class IndicatorObservation(Sourced):
    """One figure of a series, as published, for a year or a quarter of a year."""

    series = models.ForeignKey(
        IndicatorSeries,
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        related_name="observations",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        choices=[(q, f"Q{q}") for q in range(1, 5)],
        help_text=_("1 to 4 for a quarterly series; empty for an annual one."),
    )
    period_text = models.CharField(
        _("period as published"),
        max_length=60,
        blank=True,
        help_text=_("E.g. “the end of 2010”; empty when the year or quarter says it all."),
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["series", "year", "quarter"]
        verbose_name = _("indicator observation")
        verbose_name_plural = _("indicator observations")
        constraints = [
            # A NULL quarter never collides in a plain unique constraint: annual figures get
            # their own.
            models.UniqueConstraint(
                fields=["series", "year", "quarter"], name="one_observation_per_series_quarter"
            ),
            models.UniqueConstraint(
                fields=["series", "year"],
                condition=Q(quarter__isnull=True),
                name="one_observation_per_series_year",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="observation_quarter_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series.code} {self.period}: {self.value}"

    def clean(self) -> None:
        super().clean()
        if self.series_id is None:
            return
        if self.series.is_quarterly and self.quarter is None:
            raise ValidationError({"quarter": _("A quarterly series needs the quarter.")})
        if not self.series.is_quarterly and self.quarter is not None:
            raise ValidationError({"quarter": _("An annual series has no quarter.")})

    @property
    def period(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)


class DataKind(models.TextChoices):
    MICRODATA = "microdata", _("Enterprise microdata (one row per enterprise)")
    AGGREGATES = "aggregates", _("Published table (one row per size class and sector)")


class ColumnMapping(models.Model):
    """How a national source's column names map to the canonical fields, saved by name per
    member state so that the next upload from the same source needs no mapping step."""

    country = models.ForeignKey(
        MemberState, verbose_name=_("member state"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("E.g. the survey or register it comes from.")
    )
    kind = models.CharField(
        _("kind of data"), max_length=12, choices=DataKind.choices, default=DataKind.MICRODATA
    )
    columns = models.JSONField(
        _("columns"), default=dict, help_text=_("Canonical field → the file's column name.")
    )
    decimal_comma = models.BooleanField(
        _("decimal comma"), default=False, help_text=_("Numbers are written 1.234,56.")
    )
    encoding = models.CharField(
        _("text encoding"), max_length=20, blank=True, help_text=_("Empty: detected.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="one_mapping_name_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.country.code}: {self.name}"


def _upload_to(instance: Upload, filename: str) -> str:
    return f"statistics/uploads/{instance.country.code}/{instance.year}/{filename}"


class Upload(models.Model):
    """One national microdata file and what its import made of it.

    The original is kept with its SHA-256. The aggregates of the current upload of a country
    and year are the ones shown; a new upload replaces it in one transaction (`is_current`
    moves), so readers see the old figures or the new ones, never half of each."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")

    class Via(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        COMMAND = "command", _("Command line")

    country = models.ForeignKey(
        MemberState, verbose_name=_("member state"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("reference year"))
    kind = models.CharField(
        _("kind of data"), max_length=12, choices=DataKind.choices, default=DataKind.MICRODATA
    )
    source = models.ForeignKey(
        "core.Source",
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The publication or register the figures come from."),
    )
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    original = models.FileField(_("original file"), upload_to=_upload_to, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("text encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=2, blank=True)
    mapping = models.ForeignKey(
        ColumnMapping,
        verbose_name=_("saved mapping"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploads",
    )
    columns = models.JSONField(_("columns used"), default=dict, blank=True)
    decimal_comma = models.BooleanField(_("decimal comma"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.TextField(_("message"), blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), null=True, blank=True)
    rows_accepted = models.PositiveBigIntegerField(_("rows accepted"), null=True, blank=True)
    rows_rejected = models.PositiveBigIntegerField(_("rows rejected"), null=True, blank=True)
    reasons = models.JSONField(_("rows rejected by reason"), default=dict, blank=True)
    class_counts = models.JSONField(_("enterprises by size class"), default=dict, blank=True)
    unclassified = models.JSONField(_("unclassified, by reason"), default=dict, blank=True)
    quality = models.JSONField(_("data quality"), default=dict, blank=True)
    rejects = models.FileField(_("rejects file"), blank=True, max_length=300)
    microdata = models.CharField(_("microdata (Parquet)"), max_length=300, blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(_("received through"), max_length=10, choices=Via.choices)
    uploaded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["progress", "phase"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("statistics upload")
        verbose_name_plural = _("statistics uploads")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year"],
                condition=Q(is_current=True),
                name="one_current_upload_per_country_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.year}: {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED)


class SmeAggregate(models.Model):
    """Enterprises, employment and turnover of one ISIC section and size class under one
    definition, from an upload of a country and year: computed from microdata, or as a
    published table gives them (any figure may then be missing; the section is empty for all
    sections together, the definition empty when the state has none on record)."""

    upload = models.ForeignKey(
        Upload, verbose_name=_("upload"), on_delete=models.PROTECT, related_name="aggregates"
    )
    definition = models.ForeignKey(
        SmeDefinition,
        verbose_name=_("definition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    isic_section = models.CharField(_("ISIC section"), max_length=1, blank=True)
    size_class = models.CharField(_("size class"), max_length=12)
    enterprises = models.PositiveBigIntegerField(_("enterprises"), null=True, blank=True)
    employment = models.PositiveBigIntegerField(_("employment"), null=True, blank=True)
    turnover = models.DecimalField(
        _("turnover (local currency)"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    turnover_reported = models.PositiveBigIntegerField(
        _("enterprises reporting turnover"), null=True, blank=True
    )
    flags = models.JSONField(
        _("quality indicators"),
        default=dict,
        help_text=_("Per indicator: [enterprises answering yes, enterprises answering]."),
    )

    class Meta:
        ordering = ["upload", "definition", "isic_section", "size_class"]
        verbose_name = _("SME aggregate")
        verbose_name_plural = _("SME aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["upload", "definition", "isic_section", "size_class"],
                name="one_aggregate_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition_id} {self.isic_section} {self.size_class}: {self.enterprises}"
