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
