"""Participation pages: one page per exhibition or workshop, showing each reader what they may
see (see `permissions`); every form posts to a view that writes through `services`.

Anonymous posts are sent to sign in; a signed-in user without the role gets 403 and nothing
changes. Exports are the organizer's only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from d8coop.accounts.permissions import focal_point_states
from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.participation import exports, permissions, services
from d8coop.participation.forms import (
    DeclineForm,
    EventForm,
    NominationForm,
    QuotaForm,
    SurveyForm,
)
from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer

Status = Nomination.Status
PUBLIC_STATUSES = (Status.CONFIRMED, Status.ATTENDED)


def _meeting(slug: str) -> Meeting:
    return get_object_or_404(
        Meeting.objects.filter(kind__in=services.EVENT_KINDS).select_related("body"), slug=slug
    )


def _event(meeting: Meeting) -> Event | None:
    return Event.objects.filter(meeting=meeting).select_related("meeting__body").first()


def _event_or_404(slug: str) -> Event:
    event = _event(_meeting(slug))
    if event is None:
        raise Http404("Registration is not open for this meeting.")
    return event


def _states(event: Event) -> list[dict]:
    """Per member state of the day: its places and how many it has used (public figures)."""
    own = {q.member_state_id: q.places for q in Quota.objects.filter(event=event)}
    used = dict(
        Nomination.objects.filter(event=event)
        .exclude(status__in=services.NOT_COUNTING)
        .values_list("member_state_id")
        .annotate(n=Count("pk"))
    )
    states = MemberState.objects.members_on(timezone.localdate()).order_by("name")
    return [
        {
            "state": state,
            "places": own.get(state.pk, event.default_quota),
            "own": state.pk in own,
            "used": used.get(state.pk, 0),
        }
        for state in states
    ]


def _context(request: HttpRequest, meeting: Meeting, **forms) -> dict:
    user = request.user
    now = timezone.now()
    event = _event(meeting)
    organizer = permissions.is_organizer(user)
    context: dict = {
        "meeting": meeting,
        "event": event,
        "organizer": organizer,
        "now": now,
        "event_form": forms.get("event_form"),
    }
    if event is None:
        if organizer and context["event_form"] is None:
            context["event_form"] = EventForm()
        return context
    if organizer and context["event_form"] is None:
        context["event_form"] = EventForm(
            initial={
                "registration_opens": timezone.localtime(event.registration_opens),
                "registration_closes": timezone.localtime(event.registration_closes),
                "default_quota": event.default_quota,
                "capacity": event.capacity,
                "notes": event.notes,
            }
        )
    participants = (
        Nomination.objects.filter(event=event, status__in=PUBLIC_STATUSES)
        .select_related("sme", "member_state")
        .order_by("member_state__name", "sme__name")
    )
    public_participants = [n for n in participants if n.sme.public and n.sme.status == "validated"]
    nominations = list(permissions.nominations_visible_to(user, event))
    codes = permissions.nominating_states(user, event)
    smes = permissions.nominable_smes(user, event)
    nominate_form = forms.get("nominate_form")
    if nominate_form is None and codes:
        nominate_form = NominationForm(smes=smes)
    for nomination in nominations:
        nomination.speaks_for = services.speaks_for(user, nomination)
        nomination.may_confirm = nomination.status == Status.ACCEPTED and (
            nomination.speaks_for or services.keeps_profile(user, nomination)
        )
    answered = set(
        SurveyAnswer.objects.filter(nomination__in=nominations).values_list(
            "nomination_id", flat=True
        )
    )
    for nomination in nominations:
        nomination.answered = nomination.pk in answered
        nomination.may_answer = (
            nomination.status == Status.ATTENDED
            and not nomination.answered
            and (nomination.speaks_for or services.keeps_profile(user, nomination))
        )
    context.update(
        {
            "open": services.registration_is_open(event, now),
            "started": services.has_started(event, now),
            "over": services.is_over(event, now),
            "states": _states(event),
            "places_taken": services.places_taken(event),
            "public_participants": public_participants,
            "unlisted": len(participants) - len(public_participants),
            "nominations": nominations,
            "nominating_states": codes,
            "nominate_form": nominate_form,
            "decline_form": DeclineForm(),
            "survey_form": forms.get("survey_form") or SurveyForm(),
            "survey_for": forms.get("survey_for"),
        }
    )
    if organizer:
        context["quota_form"] = forms.get("quota_form") or QuotaForm(
            states=MemberState.objects.members_on(timezone.localdate()).order_by("name")
        )
        answers = SurveyAnswer.objects.filter(nomination__event=event)
        context["survey"] = {
            "answers": answers.select_related(
                "nomination__sme", "nomination__member_state", "answered_by"
            ).order_by("nomination__member_state__name", "nomination__sme__name"),
            "totals": answers.aggregate(
                count=Count("pk"), contacts=Sum("contacts_made"), deals=Sum("deals_expected")
            ),
        }
    return context


def _page(request: HttpRequest, meeting: Meeting, status: int = 200, **forms) -> HttpResponse:
    return render(
        request, "participation/event.html", _context(request, meeting, **forms), status=status
    )


def _refused(request: HttpRequest, meeting: Meeting, refusal: services.Refused,
             form=None, **forms) -> HttpResponse:  # fmt: skip
    if form is not None and refusal.field in form.fields:
        form.add_error(refusal.field, refusal.message)
    else:
        messages.error(request, refusal.message)
    return _page(request, meeting, status=refusal.status, **forms)


# --------------------------------------------------------------------------- reading


def _last_day(meeting: Meeting):
    return meeting.period_latest or meeting.period_earliest


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Exhibitions and workshops with registration, upcoming first."""
    today = timezone.localdate()
    events = Event.objects.select_related("meeting__body").order_by(
        "-meeting__period_earliest", "pk"
    )
    upcoming = [e for e in events if _last_day(e.meeting) is None or _last_day(e.meeting) >= today]
    past = [e for e in events if e not in upcoming]
    upcoming.reverse()
    context = {
        "upcoming": upcoming,
        "past": past,
        "now": timezone.now(),
        "nominates": bool(focal_point_states(request.user)),
    }
    return render(request, "participation/list.html", context)


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _meeting(slug))


# --------------------------------------------------------------------------- the organizer


@login_required
@require_POST
def event_settings(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting(slug)
    if not permissions.is_organizer(request.user):
        raise PermissionDenied(_("Only the secretariat opens registration for an event."))
    form = EventForm(request.POST)
    if not form.is_valid():
        return _page(request, meeting, status=400, event_form=form)
    event = _event(meeting)
    values = form.cleaned_data
    try:
        if event is None:
            services.event_open(by=request.user, meeting=meeting, **values)
            messages.success(request, _("Registration is open for this event."))
        else:
            services.event_update(by=request.user, event=event, **values)
            messages.success(request, _("The event's settings are saved."))
    except services.Refused as refusal:
        return _refused(request, meeting, refusal, form, event_form=form)
    return redirect("participation:event", slug)


@login_required
@require_POST
def quota_set(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(slug)
    if not permissions.is_organizer(request.user):
        raise PermissionDenied(_("Only the secretariat sets quotas."))
    states = MemberState.objects.members_on(timezone.localdate()).order_by("name")
    form = QuotaForm(request.POST, states=states)
    if not form.is_valid():
        return _page(request, event.meeting, status=400, quota_form=form)
    try:
        services.quota_set(
            by=request.user,
            event=event,
            member_state=form.cleaned_data["member_state"],
            places=form.cleaned_data["places"],
        )
    except services.Refused as refusal:
        return _refused(request, event.meeting, refusal, form, quota_form=form)
    messages.success(request, _("The quota is saved."))
    return redirect("participation:event", slug)


@login_required
@require_GET
def export(request: HttpRequest, slug: str, what: str, fmt: str) -> HttpResponse:
    event = _event_or_404(slug)
    if not permissions.is_organizer(request.user):
        raise PermissionDenied(_("Exports are for the organizer."))
    if what not in ("nominations", "survey") or fmt not in exports.FORMATS:
        raise Http404("No such export.")
    return exports.export_response(event, what, fmt)


# --------------------------------------------------------------------------- nominations


@login_required
@require_POST
def nominate(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(slug)
    # Any SME may be named (the service refuses other states' SMEs with a clear message);
    # the select on the page offers only the focal point's own validated SMEs.
    form = NominationForm(request.POST, smes=SmeProfile.objects.select_related("member_state"))
    if not form.is_valid():
        return _page(request, event.meeting, status=400, nominate_form=form)
    try:
        nomination = services.nomination_create(
            by=request.user, event=event, sme=form.cleaned_data["sme"],
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except services.Refused as refusal:
        messages.error(request, refusal.message)
        if refusal.status == 403:
            return _page(request, event.meeting, status=403)
        # Post/Redirect/Get: the page shows the refusal (a refused nomination writes nothing).
        return redirect("participation:event", slug)
    messages.success(
        request, _("%(sme)s is nominated for this event.") % {"sme": nomination.sme.name}
    )
    return redirect("participation:event", slug)


ACTIONS = ("withdraw", "confirm", "accept", "waitlist", "decline", "attended", "no-show")


@login_required
@require_POST
def nomination_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    event = _event_or_404(slug)
    if action not in ACTIONS:
        raise Http404("No such action.")
    nomination = get_object_or_404(
        Nomination.objects.select_related("event__meeting", "member_state", "sme"),
        pk=pk, event=event,
    )  # fmt: skip
    by = request.user
    try:
        if action == "withdraw":
            services.nomination_withdraw(by=by, nomination=nomination)
            done = _("The nomination is withdrawn.")
        elif action == "confirm":
            services.nomination_confirm(by=by, nomination=nomination)
            done = _("Attendance is confirmed.")
        elif action == "accept":
            result = services.nomination_accept(by=by, nomination=nomination)
            done = (
                _("The nomination is accepted.")
                if result.status == Status.ACCEPTED
                else _("All places are taken: the nomination is on the waiting list.")
            )
        elif action == "waitlist":
            services.nomination_waitlist(by=by, nomination=nomination)
            done = _("The nomination is on the waiting list.")
        elif action == "decline":
            form = DeclineForm(request.POST)
            reason = form.data.get("reason", "")
            services.nomination_decline(by=by, nomination=nomination, reason=reason)
            done = _("The nomination is not accepted; the focal point is told why.")
        else:
            attended = action == "attended"
            services.attendance_mark(by=by, nomination=nomination, attended=attended)
            done = _("Attendance is recorded.")
    except services.Refused as refusal:
        if refusal.status == 403:
            raise PermissionDenied(refusal.message) from None
        # Post/Redirect/Get, as for nominations: the page shows why nothing changed.
        messages.error(request, refusal.message)
        return redirect("participation:event", slug)
    messages.success(request, done)
    return redirect("participation:event", slug)


@login_required
@require_POST
def survey(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _event_or_404(slug)
    nomination = get_object_or_404(
        Nomination.objects.select_related("event__meeting", "member_state", "sme"),
        pk=pk, event=event,
    )  # fmt: skip
    if not (services.speaks_for(request.user, nomination)
            or services.keeps_profile(request.user, nomination)):  # fmt: skip
        raise PermissionDenied(_("Only the SME's contact or a focal point of its state answers."))
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _page(request, event.meeting, status=400, survey_form=form, survey_for=pk)
    try:
        services.survey_answer(by=request.user, nomination=nomination, **form.cleaned_data)
    except services.Refused as refusal:
        return _refused(request, event.meeting, refusal, form, survey_form=form, survey_for=pk)
    messages.success(request, _("Thank you: the survey is answered."))
    return redirect("participation:event", slug)
