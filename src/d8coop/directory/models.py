"""The SME directory: small industries introduced by their country's SME organization.

A profile is created or validated by a focal point of its own member state; the SME itself may
be invited to keep it current (`maintainer`); it is shown to the public only when the SME opted
in and the focal point validated it. Products are HS codes (Harmonized System, 2, 4 or 6 digits).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.classifications import IsicSection
from d8coop.members.models import MemberState, Organization


class SmeProfileQuerySet(models.QuerySet["SmeProfile"]):
    def public(self) -> "SmeProfileQuerySet":
        return self.filter(public=True, status=SmeProfile.Status.VALIDATED)


class SmeProfile(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Awaiting validation")
        VALIDATED = "validated", _("Validated")
        ARCHIVED = "archived", _("Archived")

    class SizeClass(models.TextChoices):
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")

    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    name = models.CharField(_("name"), max_length=200)
    member_state = models.ForeignKey(
        MemberState, verbose_name=_("member state"), on_delete=models.PROTECT,
        related_name="sme_profiles",
    )  # fmt: skip
    introduced_by = models.ForeignKey(
        Organization, verbose_name=_("introduced by (national SME organization)"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="sme_profiles",
    )  # fmt: skip
    city = models.CharField(_("city"), max_length=100, blank=True)
    description = models.TextField(_("what the company does"))
    capabilities = models.TextField(_("capabilities"), blank=True)
    isic_section = models.CharField(_("sector (ISIC section)"), max_length=1,
                                    choices=IsicSection.choices)  # fmt: skip
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices)
    size_definition = models.ForeignKey(
        "statistics.SmeDefinition", verbose_name=_("national SME definition"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The definition the size class follows (see the SME definitions)."),
    )  # fmt: skip
    size_class_basis = models.CharField(
        _("size class under"), max_length=200, blank=True,
        help_text=_("The national SME definition the size class follows."),
    )  # fmt: skip
    employees = models.PositiveIntegerField(_("persons employed"), null=True, blank=True)
    certifications = models.JSONField(_("certifications"), default=list, blank=True,
                                      help_text=_("E.g. ISO 9001, halal."))  # fmt: skip
    export_markets = models.JSONField(_("export markets (ISO country codes)"), default=list,
                                      blank=True)  # fmt: skip
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=40, blank=True)
    public = models.BooleanField(
        _("public"), default=False,
        help_text=_("The SME agreed to be listed on the public portal."),
    )  # fmt: skip
    consent_note = models.CharField(
        _("how the SME agreed to be listed"), max_length=300, blank=True,
        help_text=_("Recorded by a focal point publishing on the SME's behalf."),
    )  # fmt: skip
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("publication decided by"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )  # fmt: skip
    consent_recorded_at = models.DateTimeField(_("publication decided"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)  # fmt: skip
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("validated by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("kept current by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="sme_profiles",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = SmeProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SME profile")
        verbose_name_plural = _("SME profiles")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:detail", args=[self.slug])


class Product(models.Model):
    """One product line of an SME, by its Harmonized System code."""

    profile = models.ForeignKey(SmeProfile, on_delete=models.CASCADE, related_name="products")
    hs_code = models.CharField(_("HS code"), max_length=6, db_index=True,
                               help_text=_("2, 4 or 6 digits."))  # fmt: skip
    description = models.CharField(_("description"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["hs_code", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["profile", "hs_code"], name="one_product_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.hs_code} {self.description}"


class MaintainerInvitation(models.Model):
    """A focal point's invitation to an SME's contact to keep its profile current.

    The e-mailed link is signed (Django's signing, with a timestamp) and holds a random nonce
    of which only the SHA-256 is stored: a tampered link fails the signature, a link is good
    once, and the status follows from the dates as for the accounts' invitations.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Replaced by a newer invitation")

    profile = models.ForeignKey(
        SmeProfile, verbose_name=_("SME profile"), on_delete=models.CASCADE,
        related_name="invitations",
    )  # fmt: skip
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language of the e-mail"), max_length=10,
                                choices=settings.LANGUAGES, default="en")  # fmt: skip
    nonce_hash = models.CharField(_("SHA-256 of the nonce"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation to keep an SME profile current")
        verbose_name_plural = _("invitations to keep SME profiles current")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="sme_invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.profile})"

    def status_at(self, now) -> "MaintainerInvitation.Status":
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if now >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> "MaintainerInvitation.Status":
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)
