"""Shared primitives: sources (provenance), fuzzy-period fields, visibility."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.periods import Period, PeriodError, parse_period


class Source(models.Model):
    """Where a fact comes from: the seed page, a public record, or a person's entry."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("address"), blank=True)
    published_text = models.CharField(
        _("published"), max_length=60, blank=True, help_text=_("As stated, e.g. 'c. 2015'.")
    )
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title


class Sourced(models.Model):
    """A record that says where its facts come from, and records disagreements between sources."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )
    source_note = models.TextField(
        _("note on sources"),
        blank=True,
        help_text=_("Where sources disagree, both statements are kept here."),
    )

    class Meta:
        abstract = True


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class PeriodFields(models.Model):
    """A fuzzy period stored as written plus its bounds, so lists sort and filter by date."""

    period_text = models.CharField(_("period as written"), max_length=200, blank=True)
    period_earliest = models.DateField(_("earliest date"), null=True, blank=True, db_index=True)
    period_latest = models.DateField(_("latest date"), null=True, blank=True, db_index=True)
    period_tentative = models.BooleanField(_("tentative"), default=False)

    class Meta:
        abstract = True

    @property
    def period(self) -> Period | None:
        if self.period_earliest is None or self.period_latest is None:
            return None
        return Period(
            text=self.period_text,
            earliest=self.period_earliest,
            latest=self.period_latest,
            tentative=self.period_tentative,
        )

    @staticmethod
    def values_from_text(text: str | None, *, relative_to: date | None = None) -> dict:
        """The four period fields for a text as written (all empty for no text)."""
        if not text:
            return {"period_text": "", "period_earliest": None, "period_latest": None,
                    "period_tentative": False}  # fmt: skip
        period = parse_period(text, relative_to=relative_to)
        return {
            "period_text": period.text,
            "period_earliest": period.earliest,
            "period_latest": period.latest,
            "period_tentative": period.tentative,
        }

    def period_reference(self) -> date | None:
        """The date that relative periods ("within one month") count from."""
        return None

    def clean(self) -> None:
        """Read the period as written into its bounds; an unreadable text is refused."""
        super().clean()
        try:
            values = self.values_from_text(
                self.period_text.strip(), relative_to=self.period_reference()
            )
        except PeriodError as exc:
            raise ValidationError({"period_text": str(exc)}) from exc
        for field, value in values.items():
            setattr(self, field, value)


class RecordIsFinal(Exception):
    """An append-only record was asked to change or disappear."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RecordIsFinal(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise RecordIsFinal(f"{self.model.__name__} records are append-only.")


class AppendOnly(models.Model):
    """Written once: saving an existing row or deleting one raises `RecordIsFinal`."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RecordIsFinal(f"{type(self).__name__} {self.pk} is final and cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RecordIsFinal(f"{type(self).__name__} {self.pk} is final and cannot be deleted.")
