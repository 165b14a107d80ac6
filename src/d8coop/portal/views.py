"""Public pages. Each view parses input, calls a selector, and renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from d8coop.accounts.permissions import can_see_members_data, is_secretariat
from d8coop.cooperation import scorecards, selectors
from d8coop.cooperation import services as cooperation_services
from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    PublishedMetric,
)
from d8coop.cooperation.permissions import can_update_action_item
from d8coop.core.models import Source
from d8coop.members.models import Membership, MemberState, PositionHolding
from d8coop.portal import calendars, search, vcards
from d8coop.portal.caching import public_page, wants_fragment
from d8coop.portal.models import KeyFact, NewsItem

BODY_TABS = {
    "achievements": _("Achievements"),
    "activities": _("Current Activities"),
    "contacts": _("Contacts"),
    "news": _("News/Events"),
}


PAGE_SIZE = 50


def _today():
    return timezone.localdate()


def _page(request: HttpRequest, rows) -> Page:
    """One page of a long list; an out-of-range or malformed page number gives the last/first."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _body_filter(request: HttpRequest) -> Body | None:
    slug = request.GET.get("body", "")
    return Body.objects.filter(slug=slug).first() if slug else None


def switch_language(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's language in a cookie and go back to the page they were on.

    A GET form, so that public pages carry no CSRF token and can be cached; the only effect
    is the visitor's own display preference.
    """
    language = request.GET.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."), content_type="text/plain")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@public_page
def home(request: HttpRequest) -> HttpResponse:
    today = _today()
    context = {
        "key_facts": KeyFact.objects.select_related("source"),
        "member_states": MemberState.objects.members_on(today).order_by("name"),
        "task_forces": Body.objects.filter(kind=Body.Kind.TASK_FORCE).prefetch_related(
            Prefetch("terms", queryset=selectors.terms_of_all())
        ),
        "other_bodies": Body.objects.exclude(kind=Body.Kind.TASK_FORCE),
        "upcoming": selectors.meetings_with_place().upcoming(today).order_by("period_earliest")[:5],
        "recent": selectors.meetings_with_place().held()[:5],
        "news": NewsItem.objects.published()[:4],
    }
    return render(request, "portal/home.html", context)


@public_page
def member_state_list(request: HttpRequest) -> HttpResponse:
    states = MemberState.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.order_by("joined_on"))
    )
    return render(request, "portal/member_state_list.html", {"member_states": states})


@public_page
def member_state_detail(request: HttpRequest, code: str) -> HttpResponse:
    state = get_object_or_404(MemberState.objects.select_related("source"), code=code.upper())
    context = {
        "state": state,
        "memberships": state.memberships.select_related("source"),
        "terms": state.terms.select_related("body", "decided_at"),
        "organizations": state.organizations.all(),
        "meetings": selectors.meetings_with_place().filter(country=state),
        "open_items": selectors.action_items().filter(responsible_states=state).open(),
        "contacts": selectors.contacts_visible_to(request.user).filter(member_state=state),
        "today": _today(),
    }
    return render(request, "portal/member_state_detail.html", context)


@public_page
def body_list(request: HttpRequest) -> HttpResponse:
    bodies = Body.objects.select_related("parent", "established_at").prefetch_related(
        Prefetch("terms", queryset=selectors.terms_of_all())
    )
    return render(request, "portal/body_list.html", {"bodies": bodies})


@public_page
def body_detail(request: HttpRequest, slug: str, tab: str = "achievements") -> HttpResponse:
    if tab not in BODY_TABS:
        raise Http404("No such tab.")
    body = get_object_or_404(
        Body.objects.select_related("parent", "source", "established_at"), slug=slug
    )
    today = _today()
    context = {
        "body": body,
        "tab": tab,
        "tabs": BODY_TABS,
        "coordinators": selectors.terms_of(body),
        "children": body.children.all(),
        "today": today,
        **selectors.body_page(body, tab, request.user, today),
    }
    template = "portal/_body_tabs.html" if wants_fragment(request) else "portal/body.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


@public_page
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = calendars.MeetingFilters.from_query(request.GET)
    meetings = filters.apply(selectors.meetings_with_place())
    today = _today()
    upcoming = meetings.upcoming(today)
    past = _page(request, meetings.exclude(pk__in=upcoming.values("pk")))
    context = {
        "filters": filters,
        "upcoming": upcoming.order_by("period_earliest"),
        "past": past,
        "past_by_year": calendars.group_by_year(past),
        "bodies": Body.objects.all(),
        "kinds": Meeting.Kind.choices,
        "statuses": Meeting.Status.choices,
    }
    return render(request, "portal/meeting_list.html", context)


@public_page
def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = get_object_or_404(
        selectors.meetings_with_place().select_related("source", "follow_up_of"), slug=slug
    )
    outcomes = Outcome.objects.filter(meeting=meeting).prefetch_related(
        Prefetch("action_items", queryset=selectors.action_items())
    )
    context = {
        "meeting": meeting,
        "outcomes": outcomes,
        "documents": meeting.documents.all(),
        "back_to_back": meeting.back_to_back.all(),
        "follow_ups": meeting.follow_ups.all(),
        "news": meeting.news_items.published(),
        "today": _today(),
    }
    return render(request, "portal/meeting_detail.html", context)


def meeting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    dated = selectors.meetings_with_place().exclude(period_earliest=None)
    meeting = get_object_or_404(dated, slug=slug)
    return calendars.ics_response(request, [meeting], filename=f"{meeting.slug}.ics")


def meetings_ics(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meetings_with_place().exclude(period_earliest=None)
    return calendars.ics_response(request, meetings, filename="d8-meetings.ics")


@public_page
def document_list(request: HttpRequest) -> HttpResponse:
    documents = Document.objects.select_related("adopted_at")
    body = _body_filter(request)
    if body:
        documents = selectors.documents_of(selectors.body_family_ids(body))
    context = {"documents": _page(request, documents), "body": body}
    return render(request, "portal/document_list.html", context)


@public_page
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.select_related("adopted_at", "body", "source"), slug=slug
    )
    signatories = document.signatories.select_related("member_state", "organization")
    return render(
        request, "portal/document_detail.html", {"document": document, "signatories": signatories}
    )


@public_page
def action_item_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    show = request.GET.get("show", "open")
    items = selectors.action_items()
    body = _body_filter(request)
    if body:
        items = items.filter(body_id__in=selectors.body_family_ids(body))
    if show == "overdue":
        items = items.overdue(today)
    elif show == "open":
        items = items.open()
    elif show == "done":
        items = items.filter(status=ActionItem.Status.DONE)
    else:
        show = "all"
    context = {"items": _page(request, items), "show": show, "today": today, "body": body}
    return render(request, "portal/action_item_list.html", context)


@public_page
def action_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    items = selectors.action_items().select_related("source", "body", "outcome__meeting")
    item = get_object_or_404(items, pk=pk)
    context = {"item": item, "today": _today()}
    if can_see_members_data(request.user):
        context["reports"] = item.progress_reports.select_related(
            "member_state", "author", "reviewed_at"
        )
        context["can_report"] = can_update_action_item(request.user, item)
    return render(request, "portal/action_item_detail.html", context)


@public_page
def news_list(request: HttpRequest) -> HttpResponse:
    news = NewsItem.objects.published()
    body = _body_filter(request)
    if body:
        news = selectors.news_of(selectors.body_family_ids(body))
    return render(request, "portal/news_list.html", {"news": _page(request, news), "body": body})


@public_page
def news_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(NewsItem.objects.published().select_related("source"), slug=slug)
    context = {"item": item, "bodies": item.bodies.all(), "meetings": item.meetings.all()}
    return render(request, "portal/news_detail.html", context)


@public_page
def contact_list(request: HttpRequest) -> HttpResponse:
    contacts = selectors.contacts_visible_to(request.user)
    state = request.GET.get("member_state", "")
    body = request.GET.get("body", "")
    if state:
        contacts = contacts.filter(member_state__code=state.upper())
    if body:
        contacts = contacts.filter(bodies__in=selectors.bodies_in_family(body)).distinct()
    context = {
        "contacts": _page(request, contacts),
        "member_states": MemberState.objects.all(),
        "bodies": Body.objects.filter(positions__isnull=False).distinct(),
        "selected_state": state.upper(),
        "selected_body": body,
    }
    return render(request, "portal/contact_list.html", context)


def _visible_contact(request: HttpRequest, slug: str):
    return get_object_or_404(selectors.contacts_visible_to(request.user), slug=slug)


@public_page
def contact_detail(request: HttpRequest, slug: str) -> HttpResponse:
    contact = _visible_contact(request, slug)
    context = {
        "contact": contact,
        "bodies": contact.bodies.all(),
        "holdings": PositionHolding.objects.filter(position=contact).select_related("person"),
    }
    return render(request, "portal/contact_detail.html", context)


def contact_vcard(request: HttpRequest, slug: str) -> HttpResponse:
    contact = _visible_contact(request, slug)
    response = HttpResponse(vcards.vcard(contact), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{contact.slug}.vcf"'
    return response


@public_page
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = search.search(query, request.user) if query else None
    return render(request, "portal/search.html", {"query": query, "results": results})


@public_page
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/source_list.html", {"sources": Source.objects.all()})


def _scorecard_context(request: HttpRequest) -> dict:
    by = request.GET.get("by", "task-forces")
    if by not in scorecards.SUBJECTS:
        by = "task-forces"
    compute, _label = scorecards.SUBJECTS[by]
    today = _today()
    shown = scorecards.shown_metrics(request.user)
    cards = compute(today)
    years = sorted({year for card in cards for year in card.meetings_by_year})
    per_year = [(year, sum(card.meetings_by_year.get(year, 0) for card in cards)) for year in years]
    return {
        "meetings_per_year": per_year,
        "meetings_peak": max((count for _year, count in per_year), default=0),
        "by": by,
        "subjects": scorecards.SUBJECTS,
        "cards": cards,
        "shown": shown,
        "today": today,
        "stalled_days": settings.SCORECARD_STALLED_DAYS,
        "item_columns": scorecards.ITEM_COLUMNS,
        "investment_columns": scorecards.investment_columns(),
    }


def scorecard_page(request: HttpRequest) -> HttpResponse:
    context = _scorecard_context(request)
    if is_secretariat(request.user):
        context["metric_choices"] = PublishedMetric.Metric.choices
        context["public"] = scorecards.public_metrics()
    return render(request, "portal/scorecards.html", context)


def scorecard_csv(request: HttpRequest) -> HttpResponse:
    context = _scorecard_context(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="d8-scorecards-{context["by"]}.csv"'
    scorecards.write_csv(response, context["cards"], context["shown"], context["today"])
    return response


@require_POST
def scorecard_publish(request: HttpRequest) -> HttpResponse:
    try:
        cooperation_services.scorecard_publish(
            user=request.user, metrics=set(request.POST.getlist("metrics"))
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The public now sees the figures you chose."))
    return redirect(reverse("portal:scorecards"))
