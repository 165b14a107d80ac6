"""Investors who registered themselves, their expressions of interest in published
opportunities, and the leads the host focal point follows from them.

A lead moves new → contacted → meeting → negotiation → signed or dropped; every move is an
append-only `LeadStep` with the day it happened, so outcome statistics count real dates.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.models import AppendOnly
from d8coop.opportunities.models import Opportunity


class Investor(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        FUND = "fund", _("Investment fund")
        BANK = "bank", _("Bank")
        DEVELOPMENT = "development", _("Development finance institution")
        INDIVIDUAL = "individual", _("Individual investor")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="investor",
    )  # fmt: skip
    organization = models.CharField(_("organization"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country (ISO code)"), max_length=2,
                               help_text=_("Two letters, e.g. MY."))  # fmt: skip
    sectors = models.JSONField(_("sectors of interest (ISIC sections)"), default=list, blank=True)
    instruments = models.JSONField(_("instruments of interest"), default=list, blank=True)
    ticket_min_usd = models.DecimalField(_("smallest ticket (US$)"), max_digits=18,
                                         decimal_places=2, null=True, blank=True)  # fmt: skip
    ticket_max_usd = models.DecimalField(_("largest ticket (US$)"), max_digits=18,
                                         decimal_places=2, null=True, blank=True)  # fmt: skip
    description = models.TextField(_("what we invest in"), blank=True)
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization"]
        verbose_name = _("investor")
        verbose_name_plural = _("investors")

    def __str__(self) -> str:
        return self.organization


class Interest(models.Model):
    """An investor's expression of interest in an opportunity: the lead the host follows."""

    class Stage(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        MEETING = "meeting", _("Meeting held")
        NEGOTIATION = "negotiation", _("Negotiation")
        SIGNED = "signed", _("Agreement signed")
        DROPPED = "dropped", _("Dropped")

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.PROTECT,
        related_name="interests",
    )  # fmt: skip
    investor = models.ForeignKey(
        Investor, verbose_name=_("investor"), on_delete=models.PROTECT, related_name="interests"
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("expressed"), default=timezone.now)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.NEW)
    stage_on = models.DateField(_("stage reached on"), default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "investor"], name="one_interest_per_investor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.investor} → {self.opportunity}"


class LeadStep(AppendOnly):
    """One move of a lead, with the day it happened and who recorded it."""

    interest = models.ForeignKey(Interest, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(_("stage"), max_length=20, choices=Interest.Stage.choices)
    on = models.DateField(_("on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["on", "recorded_at", "pk"]
        verbose_name = _("lead step")
        verbose_name_plural = _("lead steps")

    def __str__(self) -> str:
        return f"{self.interest}: {self.get_stage_display()} ({self.on})"
