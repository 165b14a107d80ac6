"""B2B pages of an event. Signed-in only; anyone who neither organizes nor acts for a
participant gets 404. Views fetch through `permissions` and write through `services`.
"""

from __future__ import annotations

import csv
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.b2b import permissions, selectors, services
from d8coop.b2b.forms import ConfigureForm, RequestForm
from d8coop.b2b.models import B2bSettings, MeetingRequest
from d8coop.core.spreadsheets import safe_cell
from d8coop.participation.models import Nomination


def event_access(view):
    """Sign-in first, then the event and the participants the user acts for (or 404)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        event, mine = permissions.get_event_for_user(request.user, slug)
        return view(request, event, mine, *args, **kwargs)

    return wrapped


def organizer_only(view):
    @event_access
    @wraps(view)
    def wrapped(request: HttpRequest, event, mine, *args, **kwargs) -> HttpResponse:
        if not permissions.can_organize(request.user):
            raise Http404("Organizers only.")
        return view(request, event, *args, **kwargs)

    return wrapped


def _acting(request: HttpRequest, mine: list[Nomination]) -> Nomination | None:
    """The participant the user acts for on this page (`?as=` when they act for several)."""
    wanted = request.GET.get("as") or request.POST.get("as")
    for nomination in mine:
        if str(nomination.pk) == wanted:
            return nomination
    return mine[0] if mine else None


def _back(event, acting: Nomination | None) -> HttpResponse:
    response = redirect("b2b:event", event.meeting.slug)
    if acting is not None:
        response["Location"] += f"?as={acting.pk}"
    return response


# --------------------------------------------------------------------------- participants


@event_access
@require_GET
def event_page(request: HttpRequest, event, mine) -> HttpResponse:
    acting = _acting(request, mine)
    b2b = B2bSettings.objects.filter(event=event).first()
    context = {
        "event": event,
        "b2b": b2b,
        "mine": mine,
        "acting": acting,
        "can_organize": permissions.can_organize(request.user),
    }
    if acting is not None:
        context.update(selectors.participant_view(event, acting))
    return render(request, "b2b/event.html", context)


@event_access
@require_POST
def request_create(request: HttpRequest, event, mine) -> HttpResponse:
    form = RequestForm(request.POST)
    acting = _acting(request, mine)
    if not form.is_valid():
        messages.error(request, _("The request could not be read; try again."))
        return _back(event, acting)
    pool = permissions.participants(event)
    sender = next((n for n in mine if n.pk == form.cleaned_data["sender"]), None)
    recipient = pool.filter(pk=form.cleaned_data["recipient"]).first()
    if sender is None or recipient is None:
        messages.error(request, _("Choose participants of this event."))
        return _back(event, acting)
    try:
        services.request_send(
            by=request.user, sender=sender, recipient=recipient,
            message=form.cleaned_data["message"],
        )  # fmt: skip
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your request was sent to %(sme)s.") % {"sme": recipient.sme})
    return _back(event, sender)


ANSWERS = {
    "accept": (services.request_accept, gettext_lazy("You accepted the meeting.")),
    "decline": (services.request_decline, gettext_lazy("You declined the meeting.")),
    "cancel": (services.request_cancel, gettext_lazy("The request was cancelled.")),
}


@event_access
@require_POST
def request_answer(request: HttpRequest, event, mine, pk: int, verb: str) -> HttpResponse:
    if verb not in ANSWERS:
        raise Http404
    ids = [n.pk for n in mine]
    meeting_request = get_object_or_404(
        MeetingRequest.objects.select_related(
            "event__meeting", "sender__sme__member_state", "recipient__sme__member_state"
        ),
        Q(sender_id__in=ids) | Q(recipient_id__in=ids),
        pk=pk,
        event=event,
    )
    service, done = ANSWERS[verb]
    try:
        service(by=request.user, request=meeting_request)
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, str(done))
    return _back(event, _acting(request, mine))


@event_access
@require_GET
def print_schedule(request: HttpRequest, event, mine, nomination_pk: int) -> HttpResponse:
    nomination = next((n for n in mine if n.pk == nomination_pk), None)
    if nomination is None and permissions.can_organize(request.user):
        nomination = permissions.participants(event).filter(pk=nomination_pk).first()
    if nomination is None:
        raise Http404("No such participant.")
    b2b = get_object_or_404(B2bSettings, event=event)
    context = {
        "event": event,
        "b2b": b2b,
        "nomination": nomination,
        "meetings": selectors.schedule_of(event, nomination, ZoneInfo(b2b.time_zone)),
    }
    return render(request, "b2b/print.html", context)


# --------------------------------------------------------------------------- organizer


def _settings_initial(b2b: B2bSettings | None) -> dict:
    if b2b is None:
        return {"slot_minutes": 30, "tables": 10, "request_lifetime_hours": 48}
    lines = [f"{s.day:%Y-%m-%d} {s.starts:%H:%M}-{s.ends:%H:%M}" for s in b2b.sessions.all()]
    return {
        "sessions": "\n".join(lines),
        "time_zone": b2b.time_zone,
        "slot_minutes": b2b.slot_minutes,
        "tables": b2b.tables,
        "request_lifetime_hours": b2b.request_lifetime_hours,
    }


@organizer_only
@require_http_methods(["GET", "POST"])
def organize(request: HttpRequest, event) -> HttpResponse:
    b2b = B2bSettings.objects.filter(event=event).first()
    form = ConfigureForm(request.POST or None, initial=_settings_initial(b2b))
    if request.method == "POST" and form.is_valid():
        try:
            services.b2b_configure(by=request.user, event=event, **form.cleaned_data)
        except services.Refused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(request, _("The B2B sessions were saved."))
            return redirect("b2b:organize", event.meeting.slug)
    context = {"event": event, "b2b": b2b, "form": form, "zone": services.event_zone(event)}
    if b2b is not None:
        context.update(selectors.organizer_view(event, b2b))
    return render(request, "b2b/organize.html", context)


@organizer_only
@require_POST
def organize_build(request: HttpRequest, event) -> HttpResponse:
    try:
        result = services.schedule_build(by=request.user, event=event)
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Schedule built: %(placed)s meeting(s) placed, %(kept)s kept, %(removed)s removed, "
              "%(unscheduled)s not scheduled.")
            % {"placed": result.placed, "kept": result.kept, "removed": result.removed,
               "unscheduled": len(result.unscheduled)},
        )  # fmt: skip
    return redirect("b2b:organize", event.meeting.slug)


@organizer_only
@require_POST
def organize_freeze(request: HttpRequest, event) -> HttpResponse:
    frozen = request.POST.get("frozen") == "1"
    try:
        services.schedule_freeze(by=request.user, event=event, frozen=frozen)
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("The schedule is frozen.") if frozen else _("The schedule is open again.")
        )
    return redirect("b2b:organize", event.meeting.slug)


@organizer_only
@require_GET
def schedule_csv(request: HttpRequest, event) -> HttpResponse:
    b2b = get_object_or_404(B2bSettings, event=event)
    zone = ZoneInfo(b2b.time_zone)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="b2b-{event.meeting.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Starts (local)"), _("Ends (local)"), _("Time zone"), _("Table"),
                     _("From"), _("From (member state)"), _("To"), _("To (member state)"),
                     _("Starts (UTC)")])  # fmt: skip
    for meeting in selectors.meetings(event):
        req = meeting.request
        writer.writerow([safe_cell(value) for value in [
            f"{meeting.slot_start.astimezone(zone):%Y-%m-%d %H:%M}",
            f"{meeting.slot_end.astimezone(zone):%Y-%m-%d %H:%M}",
            b2b.time_zone, meeting.table,
            req.sender.sme.name, req.sender.sme.member_state.name,
            req.recipient.sme.name, req.recipient.sme.member_state.name,
            meeting.slot_start.isoformat(),
        ]])  # fmt: skip  # SME names are typed by users: no formula runs
    return response
