"""B2B meetings at an event: participants ask each other for a meeting, and the organizer turns
the accepted requests into a schedule of time slots and tables.

Participants are the accepted or confirmed nominations of a `participation.Event`. The sessions
are declared as local days and times in the event's zone; slots are stored as UTC instants.
A table holds one meeting per slot (unique event, slot, table) and a participant sits at one
meeting per slot (unique nomination, slot on `Seat`, one row per participant of a meeting).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.time_zones import validate_time_zone
from d8coop.participation.models import Event, Nomination


class B2bSettings(models.Model):
    """How the B2B sessions of one event run (set by the secretariat)."""

    event = models.OneToOneField(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="b2b"
    )
    time_zone = models.CharField(
        _("time zone of the sessions"), max_length=60, validators=[validate_time_zone],
        help_text=_("Default: the main time zone of the country where the event is held."),
    )  # fmt: skip
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per meeting"))
    tables = models.PositiveSmallIntegerField(_("number of tables"))
    request_lifetime_hours = models.PositiveSmallIntegerField(
        _("hours a request stays open"),
        help_text=_("A request not answered in this time expires."),
    )
    frozen_at = models.DateTimeField(
        _("schedule frozen"), null=True, blank=True,
        help_text=_("Once frozen, no request is sent or answered and the schedule stays."),
    )  # fmt: skip
    built_at = models.DateTimeField(_("schedule last built"), null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("schedule built by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("configured by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    configured_at = models.DateTimeField(_("configured"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("B2B settings")
        verbose_name_plural = _("B2B settings")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="b2b_slot_5_minutes"),
            models.CheckConstraint(condition=Q(tables__gte=1), name="b2b_at_least_one_table"),
            models.CheckConstraint(
                condition=Q(request_lifetime_hours__gte=1), name="b2b_lifetime_1_hour"
            ),
        ]

    def __str__(self) -> str:
        return str(self.event)


class Session(models.Model):
    """One block of B2B meetings: a local day, from a local time to another."""

    settings = models.ForeignKey(B2bSettings, on_delete=models.CASCADE, related_name="sessions")
    day = models.DateField(_("day"))
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["day", "starts"]
        verbose_name = _("B2B session")
        verbose_name_plural = _("B2B sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="b2b_session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.starts:%H:%M}-{self.ends:%H:%M}"


class UnscheduledReason(models.TextChoices):
    NO_SLOTS = "no_slots", _("No B2B session is set for this event.")
    SENDER_FULL = "sender_full", _("The requester already has a meeting in every slot.")
    RECIPIENT_FULL = (
        "recipient_full",
        _("The participant asked already has a meeting in every slot."),
    )
    NO_COMMON_SLOT = "no_common_slot", _("There is no slot in which both participants are free.")
    NO_TABLE = (
        "no_table",
        _("Every table is taken in the slots in which both participants are free."),
    )


class MeetingRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.PENDING, Status.ACCEPTED)

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT,
                              related_name="b2b_requests")  # fmt: skip
    sender = models.ForeignKey(
        Nomination, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        Nomination, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    unscheduled_reason = models.CharField(
        _("why it is not scheduled"), max_length=30, blank=True,
        choices=UnscheduledReason.choices,
        help_text=_("Set by the last schedule build for an accepted request it could not place."),
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("B2B meeting request")
        verbose_name_plural = _("B2B meeting requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="b2b_request_not_to_oneself"
            ),
            # One open request per pair, whoever asked.
            models.UniqueConstraint(
                Least("sender", "recipient"),
                Greatest("sender", "recipient"),
                condition=Q(status__in=["pending", "accepted"]),
                name="b2b_one_open_request_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender.sme} → {self.recipient.sme}"

    @property
    def unscheduled_text(self) -> str:
        """Why the last build could not place it, naming the side that is full."""
        if self.unscheduled_reason in (
            UnscheduledReason.SENDER_FULL,
            UnscheduledReason.RECIPIENT_FULL,
        ):
            full = (
                self.sender
                if self.unscheduled_reason == UnscheduledReason.SENDER_FULL
                else self.recipient
            )
            return _("%(sme)s already has a meeting in every slot.") % {"sme": full.sme.name}
        return (
            str(UnscheduledReason(self.unscheduled_reason).label) if self.unscheduled_reason else ""
        )

    def other(self, nomination_id: int) -> Nomination:
        return self.recipient if nomination_id == self.sender_id else self.sender


class ScheduledMeeting(models.Model):
    request = models.OneToOneField(
        MeetingRequest, verbose_name=_("request"), on_delete=models.PROTECT,
        related_name="scheduled",
    )  # fmt: skip
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="b2b_meetings")
    slot_start = models.DateTimeField(_("starts"))
    slot_end = models.DateTimeField(_("ends"))
    table = models.PositiveSmallIntegerField(_("table"))
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    scheduled_at = models.DateTimeField(_("scheduled"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slot_start", "table"]
        verbose_name = _("scheduled B2B meeting")
        verbose_name_plural = _("scheduled B2B meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "slot_start", "table"], name="b2b_one_meeting_per_table_and_slot"
            ),
            models.CheckConstraint(condition=Q(table__gte=1), name="b2b_table_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.request} ({self.slot_start:%Y-%m-%d %H:%M} UTC, {self.table})"


class Seat(models.Model):
    """A participant's place at a scheduled meeting: one per participant and slot."""

    meeting = models.ForeignKey(ScheduledMeeting, on_delete=models.CASCADE, related_name="seats")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    slot_start = models.DateTimeField(_("starts"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "slot_start"], name="b2b_one_meeting_per_participant_and_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nomination} @ {self.slot_start:%Y-%m-%d %H:%M}"
