"""The action ledger: member states report progress on the action items their meetings gave
them, and the status of each item follows those reports.

Every write is a progress report (append-only, naming its author and the position they acted
through); a change of status is recorded both on the report (before/after) and in the item's
history. The rules of who may write are in `permissions.py`; the notices of items becoming due
or overdue are sent by the periodic job `action_items_notify_due`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import is_secretariat
from d8coop.cooperation import permissions, selectors
from d8coop.cooperation.models import ActionItem, Meeting, ProgressReport, PublishedMetric
from d8coop.core.uploads import validate_attachment
from d8coop.members.models import MemberState, PositionHolding
from d8coop.notifications.models import Kind, Notification
from d8coop.notifications.services import notify

Status = ActionItem.Status
CLOSED = {Status.DONE, Status.CANCELLED, Status.SUPERSEDED}
# Ending an item for everyone, or reopening it, is a decision of the body, not of one state.
BODY_DECISIONS = {Status.CANCELLED, Status.SUPERSEDED}


def allowed_statuses(*, item: ActionItem, whole_item: bool, states: int) -> list[str]:
    """The statuses a report may give the item: its own, and the changes the reporter may make
    (the form offers these; `_check_status_change` says why any other is refused)."""
    allowed = [item.status]
    for value in Status.values:
        if value in allowed or value == Status.NOT_REPORTED:
            continue
        if whole_item or not (states > 1 or value in BODY_DECISIONS or item.status in CLOSED):
            allowed.append(value)
    return allowed


def _check_status_change(
    *, user: Any, item: ActionItem, new: str, whole_item: bool, states: int
) -> None:
    if new in allowed_statuses(item=item, whole_item=whole_item, states=states):
        return
    if new == Status.NOT_REPORTED:
        raise ValidationError(
            {"status": _("“No progress reported” is set by the platform, not by a report.")}
        )
    if new in BODY_DECISIONS or item.status in CLOSED:
        raise ValidationError(
            {
                "status": _(
                    "Only the secretariat or the body's coordinator may cancel, supersede or "
                    "reopen an item."
                )
            }
        )
    if states > 1:
        raise ValidationError(
            {
                "status": _(
                    "This item has several responsible member states: report your state's "
                    "progress; the secretariat or the coordinator sets the item's status."
                )
            }
        )


def _acting_position(user: Any, state: MemberState | None, day: date):
    if state is None:
        return None
    holding = (
        PositionHolding.objects.current(day)
        .filter(person__user=user, position__is_focal_point=True, position__member_state=state)
        .select_related("position")
        .first()
    )
    return holding.position if holding else None


def _resolve_state(
    *, user: Any, item: ActionItem, member_state: MemberState | None, whole_item: bool
) -> MemberState | None:
    if whole_item:
        if member_state is not None and not (
            permissions.responsible_states(item).filter(pk=member_state.pk).exists()
        ):
            raise ValidationError(
                {
                    "member_state": _("%(state)s is not responsible for this item.")
                    % {"state": member_state.name}
                }
            )
        return member_state
    allowed = permissions.reporting_states(user, item)
    if member_state is None:
        if len(allowed) == 1:
            return allowed[0]
        raise ValidationError({"member_state": _("Choose the member state you report for.")})
    if member_state not in allowed:
        raise PermissionDenied(
            _("You may report only for your own member state (%(states)s).")
            % {"states": ", ".join(state.name for state in allowed)}
        )
    return member_state


def _report_errors(
    item: ActionItem, *, text: str, progress_on: date, reviewed_at: Meeting | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Say what was done, even briefly.")
    if progress_on > timezone.localdate():
        errors["progress_on"] = _("Progress cannot be reported for a day in the future.")
    decided = item.outcome.meeting.period_earliest
    if decided and progress_on < decided:
        errors["progress_on"] = _(
            "The item was decided on %(day)s; progress cannot be earlier."
        ) % {"day": decided.isoformat()}
    if reviewed_at is not None and reviewed_at.body_id not in selectors.reviewing_body_ids(item):
        errors["reviewed_at"] = _("That meeting is not a meeting of this item's body.")
    return errors


def _apply_status(
    item: ActionItem, *, report: ProgressReport, status_note: str | None, user: Any
) -> None:
    """Carry the report's new status (and note) onto the item, with its history."""
    note_changed = status_note is not None and status_note.strip() != item.status_note
    if report.status_after == item.status and not note_changed:
        return
    item.status = report.status_after
    if status_note is not None:
        item.status_note = status_note.strip()[:300]
    elif report.changed_status:
        item.status_note = ""
    item._history_user = user  # type: ignore[attr-defined]
    item._change_reason = f"progress report {report.pk}"  # type: ignore[attr-defined]
    item.save(update_fields=["status", "status_note"])


def action_item_report_progress(
    *,
    user: Any,
    item: ActionItem,
    text: str,
    progress_on: date | None = None,
    member_state: MemberState | None = None,
    status: str | None = None,
    status_note: str | None = None,
    attachment: UploadedFile | None = None,
    reviewed_at: Meeting | None = None,
) -> ProgressReport:
    """Record progress on an item, optionally changing its status; returns the new report.

    Raises PermissionDenied when the user may not report on the item (or for that state) and
    ValidationError with a message per field for bad input; nothing is written then.
    """
    today = timezone.localdate()
    with transaction.atomic():
        item = (
            ActionItem.objects.select_for_update()
            .select_related("outcome__meeting")
            .get(pk=item.pk)
        )
        if not permissions.can_update_action_item(user, item):
            raise PermissionDenied(_("You may not update this action item."))
        whole_item = permissions.can_update_for_whole_item(user, item)
        state = _resolve_state(
            user=user, item=item, member_state=member_state, whole_item=whole_item
        )
        text = (text or "").strip()
        progress_on = progress_on or today
        errors = _report_errors(item, text=text, progress_on=progress_on, reviewed_at=reviewed_at)
        if errors:
            raise ValidationError(errors)
        new_status = status or item.status
        if new_status != item.status:
            states = permissions.responsible_states(item).count()
            _check_status_change(
                user=user, item=item, new=new_status, whole_item=whole_item, states=states
            )
        if attachment is not None:
            try:
                validate_attachment(attachment)
            except ValidationError as error:
                raise ValidationError({"attachment": error.messages}) from error
        report = ProgressReport.objects.create(
            action_item=item,
            member_state=state,
            text=text,
            progress_on=progress_on,
            attachment=attachment or "",
            status_before=item.status,
            status_after=new_status,
            reviewed_at=reviewed_at,
            author=user,
            position=_acting_position(user, state, today),
        )
        _apply_status(item, report=report, status_note=status_note, user=user)
    return report


def action_items_recompute_due(*, meeting: Meeting, user: Any) -> int:
    """After a meeting's dates change, recompute the due periods its outcomes gave relative to
    it ("within one (1) month"); returns how many items changed. Absolute periods stay."""
    changed = 0
    items = ActionItem.objects.filter(outcome__meeting=meeting).select_related("outcome__meeting")
    with transaction.atomic():
        for item in items.select_for_update(of=("self",)):
            values = item.values_from_text(item.period_text, relative_to=item.period_reference())
            if all(getattr(item, field) == value for field, value in values.items()):
                continue
            for field, value in values.items():
                setattr(item, field, value)
            item._history_user = user  # type: ignore[attr-defined]
            item._change_reason = f"meeting {meeting.slug} rescheduled"  # type: ignore[attr-defined]
            item.save(update_fields=list(values))
            changed += 1
    return changed


def action_item_set_review_meeting(*, user: Any, item: ActionItem, meeting: Meeting | None):
    """Put the item on the follow-up list of a meeting of its body (secretariat, coordinator)."""
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().select_related("body").get(pk=item.pk)
        if not permissions.can_update_for_whole_item(user, item):
            raise PermissionDenied(
                _(
                    "Only the secretariat or the body's coordinator may choose the meeting "
                    "that reviews an item."
                )
            )
        if meeting is not None and meeting.body_id not in selectors.reviewing_body_ids(item):
            raise ValidationError({"meeting": _("That meeting is not a meeting of this body.")})
        item.review_meeting = meeting
        item._history_user = user  # type: ignore[attr-defined]
        item._change_reason = "review meeting"  # type: ignore[attr-defined]
        item.save(update_fields=["review_meeting"])
    return item


def action_items_notify_due(now: datetime) -> None:
    """Periodic job: tell the people responsible for open items that became due soon or
    overdue. Each item's notice is keyed by its due date, so each goes out once per due date.

    Runs every minute: an item whose notice went out is skipped in one query, without working
    out its recipients again (someone appointed later finds it overdue in their workspace)."""
    today = timezone.localdate(now)
    soon = today + timedelta(days=settings.ACTION_DUE_SOON_DAYS)
    items = ActionItem.objects.open().filter(period_latest__isnull=False, period_latest__lte=soon)
    due = {}
    for item in items.select_related("body", "outcome__meeting"):
        kind = Kind.ACTION_OVERDUE if item.period_latest < today else Kind.ACTION_DUE_SOON
        due[f"{kind}:{item.pk}:{item.period_latest.isoformat()}"] = (item, kind)
    sent = set(Notification.objects.filter(key__in=due).values_list("key", flat=True))
    for key, (item, kind) in due.items():
        if key in sent:
            continue
        overdue = kind == Kind.ACTION_OVERDUE
        recipients = selectors.action_item_responsible_users(item, today)

        def message(item: ActionItem = item, overdue: bool = overdue) -> tuple[str, str]:
            values = {"title": item.title, "due": item.period_latest.isoformat()}
            if overdue:
                return (
                    _("Action item overdue: %(title)s") % values,
                    _("“%(title)s” was due by %(due)s and is still open.") % values,
                )
            return (
                _("Action item due soon: %(title)s") % values,
                _("“%(title)s” is due by %(due)s.") % values,
            )

        notify(recipients, kind=kind, key=key, message=message, url=item.get_absolute_url())


def scorecard_publish(*, user: Any, metrics: set[str]) -> None:
    """Set which groups of scorecard figures the public sees (secretariat only)."""
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat publishes scorecard figures."))
    unknown = metrics - set(PublishedMetric.Metric.values)
    if unknown:
        raise ValidationError(
            {"metrics": _("Unknown figures: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    with transaction.atomic():
        for metric in PublishedMetric.Metric.values:
            row = PublishedMetric.objects.select_for_update().filter(metric=metric).first()
            public = metric in metrics
            if row is not None and row.public == public:
                continue
            row = row or PublishedMetric(metric=metric)
            row.public = public
            row._history_user = user  # type: ignore[attr-defined]
            row.save()
