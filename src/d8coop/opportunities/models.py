"""Investment opportunities a member state offers to investors, and their life cycle.

draft → submitted (by the host state's focal point) → published (vetted by the secretariat) or
returned (with reasons, back to the focal point) → expired (past its validity), renewed (a new
validity date, published again) or closed. The rules live in `services.py`; every change is in
the record's history.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.classifications import IsicSection
from d8coop.members.models import MemberState, Position


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def published(self) -> "OpportunityQuerySet":
        return self.filter(status=Opportunity.Status.PUBLISHED)


class Opportunity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for vetting")
        RETURNED = "returned", _("Returned with reasons")
        PUBLISHED = "published", _("Published")
        EXPIRED = "expired", _("Expired")
        CLOSED = "closed", _("Closed")

    class Instrument(models.TextChoices):
        EQUITY = "equity", _("Equity")
        JOINT_VENTURE = "joint_venture", _("Joint venture")
        LOAN = "loan", _("Loan")
        PPP = "ppp", _("Public-private partnership")
        OFFTAKE = "offtake", _("Offtake agreement")

    class Stage(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        FEASIBILITY = "feasibility", _("Feasibility study done")
        READY = "ready", _("Ready to start")
        EXPANSION = "expansion", _("Operating, seeking expansion")

    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    host_state = models.ForeignKey(
        MemberState,
        verbose_name=_("host member state"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    region = models.CharField(_("region"), max_length=120, blank=True)
    isic_section = models.CharField(_("sector (ISIC section)"), max_length=1,
                                    choices=IsicSection.choices)  # fmt: skip
    isic_division = models.CharField(
        _("ISIC division"), max_length=2, blank=True, help_text=_("Two digits, e.g. 10.")
    )
    size_amount = models.DecimalField(
        _("project size"), max_digits=18, decimal_places=2, null=True, blank=True,
        help_text=_("Empty when the size is not known yet."),
    )  # fmt: skip
    currency = models.CharField(_("currency"), max_length=3, blank=True,
                                help_text=_("ISO 4217 code, e.g. USD, TRY."))  # fmt: skip
    size_usd = models.DecimalField(
        _("project size in US dollars"), max_digits=18, decimal_places=2, null=True, blank=True,
        help_text=_("Converted at the World Bank's annual rate of the year it was submitted; "
                    "empty when no rate is known."),
    )  # fmt: skip
    size_usd_rate_year = models.PositiveSmallIntegerField(
        _("year of the exchange rate"), null=True, blank=True
    )
    instrument = models.CharField(_("instrument"), max_length=20, choices=Instrument.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    incentives = models.TextField(_("incentives"), blank=True)
    valid_until = models.DateField(_("valid until"))
    contact = models.ForeignKey(
        Position,
        verbose_name=_("contact (host focal point)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)  # fmt: skip
    return_reasons = models.TextField(_("reasons for returning"), blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("vetted by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    vetted_at = models.DateTimeField(_("vetted"), null=True, blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True,
                                        db_index=True)  # fmt: skip
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("times renewed"), default=0)
    history = HistoricalRecords()

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("investment opportunity")
        verbose_name_plural = _("investment opportunities")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.slug])


class OpportunityDocument(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="opportunities/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("opportunity document")
        verbose_name_plural = _("opportunity documents")

    def __str__(self) -> str:
        return self.title
