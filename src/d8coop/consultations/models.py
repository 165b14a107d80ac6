"""Consultations by silence procedure: text versions, rounds, dispatches, answers, results and
circulars.

The record is append-only (rule 7): versions, dispatches, answers, results, positions and
circulars refuse to be changed or deleted, here and in the database (triggers, migration 0002);
a round changes once, when it closes; a consultation's settings are frozen at circulation, only
the flag that publishes its result may change. Every write is kept by django-simple-history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from d8coop.cooperation.models import Body, Outcome
from d8coop.core.models import AppendOnly, RecordIsFinal
from d8coop.core.time_zones import validate_time_zone
from d8coop.members.models import MemberState


class AnswerKind(models.TextChoices):
    NO_OBJECTION = "no_objection", _("No objection")
    COMMENT = "comment", _("Comment")
    OBJECTION = "objection", _("Objection")
    AMENDMENT = "amendment", _("Amendment")


class PositionKind(models.TextChoices):
    """What counted for a state when a round closed: its latest answer, or its silence."""

    NO_OBJECTION = "no_objection", _("No objection")
    COMMENT = "comment", _("Comment")
    OBJECTION = "objection", _("Objection")
    AMENDMENT = "amendment", _("Amendment")
    TACIT_ACCEPTANCE = "tacit_acceptance", _("Tacit acceptance (no answer)")


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def delete(self):
        raise RecordIsFinal("Consultations are kept.")


class Consultation(models.Model):
    """A draft put to member states under silence; its settings are frozen at circulation."""

    PUBLICATION_FIELDS = frozenset({"result_is_public", "published_at", "published_by"})

    title = models.CharField(_("title"), max_length=300)
    body = models.ForeignKey(
        Body,
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    outcome = models.ForeignKey(
        Outcome,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        help_text=_("The decision that ordered the consultation, if recorded."),
    )
    comment_breaks_silence = models.BooleanField(_("a comment breaks silence"), default=False)
    objection_breaks_silence = models.BooleanField(_("an objection breaks silence"), default=True)
    amendment_breaks_silence = models.BooleanField(_("an amendment breaks silence"), default=True)
    close_on_break = models.BooleanField(
        _("close at once when silence is broken"),
        default=False,
        help_text=_("As the OSCE does: the round closes as not adopted on the first break."),
    )
    move_off_weekend = models.BooleanField(
        _("move deadlines off the secretariat's weekend"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("circulated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("circulated at"))
    result_is_public = models.BooleanField(_("result published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=Q(comment_breaks_silence=True)
                | Q(objection_breaks_silence=True)
                | Q(amendment_breaks_silence=True),
                name="consultation_some_answer_breaks_silence",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= self.PUBLICATION_FIELDS
        ):
            raise RecordIsFinal("A consultation's settings are frozen at circulation.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise RecordIsFinal("Consultations are kept.")

    @property
    def breaking_kinds(self) -> list[str]:
        flags = {
            AnswerKind.COMMENT: self.comment_breaks_silence,
            AnswerKind.OBJECTION: self.objection_breaks_silence,
            AnswerKind.AMENDMENT: self.amendment_breaks_silence,
        }
        return [str(kind) for kind, breaks in flags.items() if breaks]

    @property
    def breaking_kind_labels(self) -> list[str]:
        return [str(AnswerKind(kind).label) for kind in self.breaking_kinds]

    def breaks_silence(self, kind: str) -> bool:
        return kind in self.breaking_kinds


def _upload_to(instance: models.Model, filename: str) -> str:
    return f"consultations/{filename}"


class Version(AppendOnly):
    """One text of the draft; a new round after a break circulates a new version."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to=_upload_to, blank=True, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("text version")
        verbose_name_plural = _("text versions")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="one_version_per_number"
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(file=""), name="version_has_a_text_or_a_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — v{self.number}"


class RoundQuerySet(models.QuerySet["Round"]):
    def open(self) -> RoundQuerySet:
        return self.filter(closed_at__isnull=True)

    def due(self, now) -> RoundQuerySet:
        return self.open().filter(deadline__lte=now)

    def delete(self):
        raise RecordIsFinal("Rounds are kept.")


class Round(models.Model):
    """One circulation of a version with its deadline; closes exactly once (see services)."""

    class Adjustment(models.TextChoices):
        NONE = "", _("none")
        GAP = "gap", _("moved forward past a change of the clocks")
        FOLD = "fold", _("the later of two instants")

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="rounds")
    circulated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    circulated_at = models.DateTimeField(_("circulated at"))
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    time_zone = models.CharField(
        _("declared time zone"), max_length=60, validators=[validate_time_zone]
    )
    deadline_text = models.CharField(
        _("deadline as declared"), max_length=100, help_text=_("E.g. 'one (1) month'.")
    )
    deadline_computed_local = models.CharField(
        _("deadline before adjustment"),
        max_length=16,
        help_text=_("The local wall time the rule gave, YYYY-MM-DD HH:MM in the declared zone."),
    )
    deadline_adjustment = models.CharField(
        _("adjustment"), max_length=10, choices=Adjustment.choices, blank=True, default=""
    )
    deadline_moved_off_weekend = models.BooleanField(_("moved off the weekend"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="one_round_per_number"),
            models.UniqueConstraint(
                fields=["consultation"],
                condition=Q(closed_at__isnull=True),
                name="one_open_round_per_consultation",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("circulated_at")),
                name="round_deadline_after_circulation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — round {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RecordIsFinal("A round is written once; it closes through the services.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return (
            reverse("consultations:detail", args=[self.consultation_id]) + f"#round-{self.number}"
        )

    def delete(self, *args, **kwargs):
        raise RecordIsFinal("Rounds are kept.")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def accepts_answers(self, now) -> bool:
        return self.closed_at is None and now < self.deadline


# Deleting a user, a state or a round is refused by PROTECT: the record keeps its actors.


class Dispatch(AppendOnly):
    """The draft sent to one member state, and when."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="dispatches")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "member_state__name"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        constraints = [
            models.UniqueConstraint(fields=["round", "member_state"], name="one_dispatch_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.round} → {self.member_state}"


class Answer(AppendOnly):
    """A state's answer, given by its focal point; the latest before the deadline counts."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="answers")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("answer"), max_length=20, choices=AnswerKind.choices)
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to=_upload_to, blank=True, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    breaks_silence = models.BooleanField(_("breaks silence"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "member_state__name", "answered_at", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["round", "member_state", "answered_at"], name="answer_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_kind_display()}"


class ResultOutcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class Result(AppendOnly):
    """The outcome of a round, computed once; the unique round is the database's guarantee."""

    class Reason(models.TextChoices):
        DEADLINE = "deadline", _("The deadline passed")
        SILENCE_BROKEN = "silence_broken", _("Silence was broken (closed at once)")

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="result")
    outcome = models.CharField(_("result"), max_length=20, choices=ResultOutcome.choices)
    reason = models.CharField(_("closed because"), max_length=20, choices=Reason.choices)
    decided_at = models.DateTimeField(_("decided at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the platform closed it at the deadline."),
    )
    closed_via = models.CharField(_("closed through"), max_length=40)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return f"{self.round}: {self.get_outcome_display()}"

    @property
    def adopted(self) -> bool:
        return self.outcome == ResultOutcome.ADOPTED


class StatePosition(AppendOnly):
    """What counted for one recipient state in a result: its latest answer or tacit acceptance."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="positions")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        pgettext_lazy("a member state's stance on a text", "position"),
        max_length=20,
        choices=PositionKind.choices,
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["result", "member_state__name"]
        verbose_name = _("position of a state")
        verbose_name_plural = _("positions of states")
        constraints = [
            models.UniqueConstraint(
                fields=["result", "member_state"], name="one_position_per_state"
            ),
            models.CheckConstraint(
                condition=Q(kind=PositionKind.TACIT_ACCEPTANCE, answer__isnull=True)
                | (~Q(kind=PositionKind.TACIT_ACCEPTANCE) & Q(answer__isnull=False)),
                name="position_tacit_or_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_kind_display()}"


class Circular(AppendOnly):
    """The letter announcing a result to all participants, kept as sent."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="circular")
    reference = models.CharField(_("reference"), max_length=60, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    issued_at = models.DateTimeField(_("issued at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("circular")
        verbose_name_plural = _("circulars")

    def __str__(self) -> str:
        return self.reference
