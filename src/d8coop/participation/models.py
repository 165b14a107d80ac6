"""Participation of member states' SMEs in exhibitions and workshops.

An event (a meeting of kind exhibition or workshop) opens registration for a window; each member
state has a quota of places; a state's focal point nominates its own SMEs only; the organizer
(the secretariat) accepts nominations or puts them on the waiting list; the SME's contact
confirms; after the event the organizer records no-shows and participants answer a short survey.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState


class Event(models.Model):
    """The participation settings of one exhibition or workshop."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="participation"
    )
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    default_quota = models.PositiveSmallIntegerField(
        _("places per member state"), help_text=_("Unless a member state is given its own quota.")
    )
    capacity = models.PositiveIntegerField(
        _("places in all"), null=True, blank=True,
        help_text=_("Accepted participants beyond this go to the waiting list. Empty: no limit."),
    )  # fmt: skip
    notes = models.TextField(_("notes for participants"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-registration_opens"]
        verbose_name = _("event participation")
        verbose_name_plural = _("event participation")

    def __str__(self) -> str:
        return str(self.meeting)


class Quota(models.Model):
    """A member state's own number of places at an event (else the event's default)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    places = models.PositiveSmallIntegerField(_("places"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["member_state__name"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["event", "member_state"], name="one_quota_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.places}"


class Nomination(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("On the waiting list")
        DECLINED = "declined", _("Not accepted")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="nominations")
    member_state = models.ForeignKey(
        MemberState, verbose_name=_("member state"), on_delete=models.PROTECT, related_name="+"
    )
    sme = models.ForeignKey(
        SmeProfile, verbose_name=_("SME"), on_delete=models.PROTECT, related_name="nominations"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NOMINATED, db_index=True)  # fmt: skip
    waitlist_position = models.PositiveIntegerField(_("place on the waiting list"), null=True,
                                                    blank=True)  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nominated by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    nominated_at = models.DateTimeField(_("nominated"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reason = models.TextField(_("reason for the decision"), blank=True)
    survey_invited_at = models.DateTimeField(_("survey invitation sent"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["member_state__name", "nominated_at", "pk"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["event", "sme"], name="one_nomination_per_sme")
        ]

    def __str__(self) -> str:
        return f"{self.sme} ({self.event})"


class SurveyAnswer(models.Model):
    """A participant's answers to the short survey after the event."""

    nomination = models.OneToOneField(
        Nomination, on_delete=models.PROTECT, related_name="survey_answer"
    )
    contacts_made = models.PositiveIntegerField(_("business contacts made"))
    deals_expected = models.PositiveIntegerField(_("deals expected"))
    comments = models.TextField(_("comments"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")

    def __str__(self) -> str:
        return str(self.nomination)
