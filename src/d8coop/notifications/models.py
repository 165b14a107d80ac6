"""Notices to users: what happened, once per person, by e-mail (at once or in a daily digest)
and in the in-app list."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Kind(models.TextChoices):
    CONSULTATION_CIRCULATED = "consultation_circulated", _("Consultation circulated")
    CONSULTATION_REMINDER = "consultation_reminder", _("Consultation deadline approaching")
    CONSULTATION_RESULT = "consultation_result", _("Consultation result")
    ACTION_DUE_SOON = "action_due_soon", _("Action item due soon")
    ACTION_OVERDUE = "action_overdue", _("Action item overdue")
    OPPORTUNITY_SUBMITTED = "opportunity_submitted", _("Opportunity submitted for vetting")
    OPPORTUNITY_VETTED = "opportunity_vetted", _("Opportunity published or returned")
    OPPORTUNITY_EXPIRING = "opportunity_expiring", _("Opportunity about to expire")
    INTEREST_RECEIVED = "interest_received", _("Expression of interest received")
    LEAD_UPDATED = "lead_updated", _("Your expression of interest moved on")
    SME_PROFILE = "sme_profile", _("SME profile to check")
    NOMINATION = "nomination", _("Nomination for an exhibition or workshop")
    EVENT_SURVEY = "event_survey", _("Survey after an exhibition or workshop")
    B2B_REQUEST = "b2b_request", _("B2B meeting request")
    B2B_SCHEDULE = "b2b_schedule", _("B2B meeting schedule")


class Notification(models.Model):
    """One notice to one user. `key` names the event: the same key never reaches a user twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    key = models.CharField(_("event key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_user")
        ]
        indexes = [
            # The clock's jobs ask every minute which events were already notified.
            models.Index(fields=["key"], name="notification_key_idx"),
            # The unread count in every signed-in page's header.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def safe_url(self) -> str:
        """The link if it is a path on this site or an http(s) address, else "" (never a
        `javascript:` link in a page or an e-mail, whoever wrote the notice)."""
        url = self.url.strip()
        if url.startswith(("http://", "https://")) or (url.startswith("/") and url[1:2] != "/"):
            return url
        return ""


class Preference(models.Model):
    """How a user receives one kind of notice; no row means immediately."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("E-mail at once")
        DIGEST = "digest", _("Daily digest")
        NONE = "none", _("In the platform only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery.choices)

    # The audit trail of preference changes and one-click unsubscribes (who, when, why).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} — {self.get_delivery_display()}"


class Digest(models.Model):
    """The daily digest e-mail of one user for one day (in the user's zone).

    Written before the e-mail goes out, so a second clock finds it and sends nothing; removed
    again if sending fails, so a later run that day can try once more.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_digests",
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent"))
    notice_count = models.PositiveIntegerField(_("notices"), default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%Y-%m-%d}"
