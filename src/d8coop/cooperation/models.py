"""Bodies, their coordinators and chairs, meetings, documents, outcomes and action items."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from d8coop.core.models import AppendOnly, PeriodFields, Sourced
from d8coop.core.uploads import validate_attachment
from d8coop.members.models import MemberState, Organization, Position


class Body(Sourced):
    """A standing body of the cooperation: a ministerial meeting, the WGIC, a task force."""

    class Kind(models.TextChoices):
        MINISTERIAL = "ministerial", _("Ministerial meeting")
        WORKING_GROUP = "working_group", _("Working group")
        TASK_FORCE = "task_force", _("Task force")
        GOVERNMENTAL_BODIES = "governmental_bodies", _("Governmental bodies meeting")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=250)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    other_names = models.CharField(
        _("also called"), max_length=300, blank=True, help_text=_("Names used in other sources.")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    number = models.PositiveSmallIntegerField(
        _("number in the list"), null=True, blank=True, help_text=_("As numbered when created.")
    )
    description = models.TextField(_("description"), blank=True)
    established_at = models.ForeignKey(
        "Meeting",
        verbose_name=_("established at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="established_bodies",
    )
    established_text = models.CharField(_("established"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "number", "name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:body", args=[self.slug])

    def member_states_in_role(self, role: str) -> list[MemberState]:
        """From prefetched terms: the states coordinating (or chairing) this body."""
        return [term.member_state for term in self.terms.all() if term.role == role]

    @property
    def coordinators(self) -> list[MemberState]:
        return self.member_states_in_role(Term.Role.COORDINATOR)

    @property
    def chairs(self) -> list[MemberState]:
        return self.member_states_in_role(Term.Role.CHAIR)


class Term(Sourced, PeriodFields):
    """A member state coordinating or chairing a body, for a (possibly unknown) period."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        CHAIR = "chair", _("Chair")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="terms")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="terms")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    decided_at = models.ForeignKey(
        "Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="decided_terms"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["body", "role", "pk"]
        verbose_name = _("coordinator or chair term")
        verbose_name_plural = _("coordinator and chair terms")

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_role_display()} of {self.body}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def upcoming(self, today: date) -> "MeetingQuerySet":
        """Still to happen: not yet over, and neither held nor cancelled."""
        return self.filter(period_latest__gte=today).exclude(
            status__in=[Meeting.Status.HELD, Meeting.Status.CANCELLED]
        )

    def held(self) -> "MeetingQuerySet":
        return self.filter(status=Meeting.Status.HELD)


class Meeting(Sourced, PeriodFields):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        WORKSHOP = "workshop", _("Workshop")
        TRAINING = "training", _("Training")
        EXHIBITION = "exhibition", _("Exhibition")
        CONFERENCE = "conference", _("Conference")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        TO_BE_CONFIRMED = "tbc", _("To be confirmed")
        HELD = "held", _("Held")
        POSTPONED = "postponed", _("Postponed")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING)
    ordinal = models.PositiveSmallIntegerField(_("number in the series"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    host = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    back_to_back = models.ManyToManyField(
        "self", verbose_name=_("held back to back with"), blank=True, symmetrical=True
    )
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    summary = models.TextField(_("summary"), blank=True)
    history = HistoricalRecords()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        # Undated last, on SQLite as on PostgreSQL.
        ordering = [models.F("period_earliest").desc(nulls_last=True), "title"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "kind", "ordinal"],
                condition=Q(ordinal__isnull=False),
                name="one_meeting_per_number_in_a_series",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:meeting", args=[self.slug])

    @property
    def place(self) -> str:
        return ", ".join(part for part in [self.city, str(self.country or "")] if part)

    def clean(self) -> None:
        super().clean()
        if not self.period_text:
            raise ValidationError({"period_text": _("A meeting needs its dates.")})


class Document(Sourced):
    class Kind(models.TextChoices):
        DECLARATION = "declaration", _("Declaration")
        TERMS_OF_REFERENCE = "terms_of_reference", _("Terms of reference")
        PLAN_OF_ACTION = "plan_of_action", _("Plan of action")
        MOU = "mou", _("Memorandum of understanding")
        STATEMENT = "statement", _("Statement")
        REPORT = "report", _("Report")
        MINUTES = "minutes", _("Minutes")
        CHARTER = "charter", _("Charter")

    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    adopted_at = models.ForeignKey(
        Meeting,
        verbose_name=_("adopted at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    adopted_on = models.DateField(_("adopted or signed on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    url = models.URLField(_("link to the text"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("adopted_on").desc(nulls_last=True), "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:document", args=[self.slug])


class Signatory(models.Model):
    """A party to a document (an MoU): a member state or an organization."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="signatories")
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, null=True, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True)
    capacity = models.CharField(
        _("signed as"), max_length=100, blank=True, help_text=_("E.g. 'private sector'.")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_state__isnull=False) ^ Q(organization__isnull=False),
                name="signatory_is_a_state_or_an_organization",
            )
        ]

    def __str__(self) -> str:
        party = str(self.member_state or self.organization)
        return f"{party} ({self.capacity})" if self.capacity else party


class Outcome(Sourced):
    """What a meeting agreed, recommended or noted, in the order it was recorded."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        RECOMMENDATION = "recommendation", _("Recommendation")
        FINDING = "finding", pgettext_lazy("outcome kind", "Finding")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, null=True, blank=True, related_name="outcomes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "order"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return self.text[:80]


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> "ActionItemQuerySet":
        return self.filter(status__in=ActionItem.OPEN_STATUSES)

    def overdue(self, today: date) -> "ActionItemQuerySet":
        return self.open().filter(period_latest__lt=today)


class ActionItem(Sourced, PeriodFields):
    """Work an outcome gives to member states, with a fuzzy due period."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        SUPERSEDED = "superseded", _("Superseded")
        NOT_REPORTED = "not_reported", _("No progress reported")

    OPEN_STATUSES = [Status.PLANNED, Status.IN_PROGRESS, Status.NOT_REPORTED]

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="action_items")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="action_items")
    title = models.CharField(_("title"), max_length=300)
    responsible_states = models.ManyToManyField(
        MemberState, verbose_name=_("responsible member states"), related_name="action_items"
    )
    all_member_states = models.BooleanField(
        _("all member states"),
        default=False,
        help_text=_("The outcome addresses every member state of its day."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    status_note = models.CharField(_("note on the status"), max_length=300, blank=True)
    review_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("to be reviewed at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items_to_review",
        help_text=_("The meeting that must review this item (its follow-up list)."),
    )
    result_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("carried out as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfilled_action_items",
    )
    history = HistoricalRecords()

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = [models.F("period_latest").asc(nulls_last=True), "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:action-item", args=[self.pk])

    def period_reference(self) -> date | None:
        meeting = self.outcome.meeting if self.outcome_id else None
        return meeting.period_latest if meeting else None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        period = self.period
        return self.is_open and period is not None and period.is_overdue(today)


class ProgressReport(AppendOnly):
    """What a member state (or the secretariat) reported on an action item, and when.

    Append-only: a correction is a new report. Written only by
    `services.action_item_report_progress`, which also records any change of status here.
    """

    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="progress_reports"
    )
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("for member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: reported by the secretariat or a coordinator for the whole item."),
    )
    text = models.TextField(_("progress"))
    progress_on = models.DateField(_("as of"))
    attachment = models.FileField(
        _("attachment"),
        upload_to="progress-reports/%Y/",
        blank=True,
        validators=[validate_attachment],
    )
    status_before = models.CharField(
        _("status before"), max_length=20, choices=ActionItem.Status.choices
    )
    status_after = models.CharField(
        _("status after"), max_length=20, choices=ActionItem.Status.choices
    )
    reviewed_at = models.ForeignKey(
        Meeting,
        verbose_name=_("reviewed at meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_reports",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("in the position of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The focal-point position the author acted through."),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.action_item}: {self.progress_on:%Y-%m-%d}"

    @property
    def changed_status(self) -> bool:
        return self.status_before != self.status_after


class PublishedMetric(models.Model):
    """A group of scorecard figures the secretariat shows to the public (members see all)."""

    class Metric(models.TextChoices):
        MEETINGS = "meetings", _("Meetings held per year")
        ACTION_ITEMS = "action_items", _("Action items")
        CONSULTATIONS = "consultations", _("Consultations")
        ACTIVITY = "activity", _("Last activity")

    metric = models.CharField(_("figures"), max_length=20, choices=Metric.choices, unique=True)
    public = models.BooleanField(_("shown to the public"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("published scorecard figures")
        verbose_name_plural = _("published scorecard figures")

    def __str__(self) -> str:
        return f"{self.get_metric_display()}: {self.public}"
