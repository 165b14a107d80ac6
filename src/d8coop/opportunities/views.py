"""Opportunity pages: the public listing and detail, and the workspace of focal points (their
state's opportunities) and of the secretariat (vetting). Each view fetches through
`permissions` (unpublished opportunities are 404 for anyone but the host focal points and the
secretariat) and writes through `services`, whose refusals are shown on the form.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.accounts.permissions import can_see_members_data, focal_point_states, is_secretariat
from d8coop.investors.panels import interest_panel
from d8coop.opportunities import exports, permissions, selectors, services
from d8coop.opportunities.forms import (
    CloseForm,
    DocumentForm,
    FilterForm,
    OpportunityForm,
    RenewForm,
    VetForm,
)
from d8coop.opportunities.models import Opportunity
from d8coop.statistics.models import ExchangeRate

PAGE_SIZE = 20


def workspace_only(view):
    """Sign-in first; then 404 for anyone who is neither a focal point nor the secretariat."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.is_workspace_user(request.user):
            raise Http404("Focal points and the secretariat only.")
        return view(request, *args, **kwargs)

    return wrapped


def _managed(request: HttpRequest, slug: str) -> Opportunity:
    """The opportunity if the user may manage it; 404 if they may not even read it, 403 if
    they read it but it is another state's."""
    opportunity = permissions.get_opportunity_for_user(request.user, slug)
    if not permissions.can_manage(request.user, opportunity):
        raise PermissionDenied(_("Only the host state's focal points and the secretariat may."))
    return opportunity


def _refuse(form, refusal: services.Refused) -> None:
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


# --------------------------------------------------------------------------- public


@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = selectors.Filters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(
            q=data["q"],
            country=data["country"].code if data["country"] else "",
            sector=data["sector"],
            size_min=data["size_min"],
            size_max=data["size_max"],
            instrument=data["instrument"],
            stage=data["stage"],
            statuses=selectors.public_statuses(data["past"]),
        )
    public = Opportunity.objects.filter(status__in=permissions.PUBLIC_STATUSES)
    found = selectors.search(public, filters)
    page = Paginator(found.opportunities, PAGE_SIZE).get_page(request.GET.get("page"))
    for opportunity in page.object_list:
        opportunity.snippets = found.snippets.get(opportunity.pk, {})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "searched": bool(filters.q.strip()),
        "query": "",
        "filter_query": query.urlencode(),
        "is_workspace_user": permissions.is_workspace_user(request.user),
    }
    return render(request, "opportunities/list.html", context)


def _usd_provenance(opportunity: Opportunity) -> tuple[ExchangeRate | None, str]:
    """The rate the size in US dollars was converted at, or why there is no such size."""
    if opportunity.size_usd is not None:
        if opportunity.size_usd_rate_year is None:
            return None, _("Given in US dollars.")
        rate = (
            ExchangeRate.objects.filter(
                currency=opportunity.currency, year=opportunity.size_usd_rate_year
            )
            .select_related("source")
            .first()
        )
        return rate, ""
    year = timezone.localdate().year
    return None, services.usd_conversion(opportunity, year=year).reason


def _detail_context(request: HttpRequest, opportunity: Opportunity, **forms) -> dict:
    user = request.user
    manages = permissions.can_manage(user, opportunity)
    rate, usd_note = _usd_provenance(opportunity)
    contact = opportunity.contact
    show_contact_email = bool(
        contact
        and contact.email
        and (contact.visibility == "public" or can_see_members_data(user) or manages)
    )
    Status = Opportunity.Status
    context = {
        "opportunity": opportunity,
        "documents": list(opportunity.documents.select_related("uploaded_by"))
        if permissions.can_read_documents(user, opportunity)
        else [],
        "manages": manages,
        "can_edit": manages and opportunity.status in services.EDITABLE,
        "can_submit": permissions.can_submit(user, opportunity),
        "can_vet": permissions.can_vet(user) and opportunity.status == Status.SUBMITTED,
        "can_renew": manages and opportunity.status in services.RENEWABLE,
        "can_close": manages and opportunity.status in services.CLOSABLE,
        "can_upload": manages and opportunity.status != Status.CLOSED,
        "rate": rate,
        "usd_note": usd_note,
        "show_contact_email": show_contact_email,
        "vet_form": forms.get("vet_form") or VetForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "interest_panel": interest_panel(request, opportunity),
    }
    return context


@require_GET
def opportunity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = permissions.get_opportunity_for_user(request.user, slug)
    return render(request, "opportunities/detail.html", _detail_context(request, opportunity))


@require_GET
def document_file(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    opportunity = permissions.get_opportunity_for_user(request.user, slug)
    if not permissions.can_read_documents(request.user, opportunity):
        raise Http404("No such document.")
    document = get_object_or_404(opportunity.documents, pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


# --------------------------------------------------------------------------- workspace


@workspace_only
@require_GET
def my_opportunities(request: HttpRequest) -> HttpResponse:
    opportunities = (
        permissions.opportunities_managed_by(request.user)
        .select_related("host_state")
        .order_by("host_state__name", "-created_at", "pk")
    )
    status = request.GET.get("status", "")
    if status in Opportunity.Status.values:
        opportunities = opportunities.filter(status=status)
    context = {
        "opportunities": opportunities,
        "status": status,
        "statuses": Opportunity.Status.choices,
        "is_secretariat": is_secretariat(request.user),
        "states": sorted(focal_point_states(request.user)),
        "can_create": selectors.host_states_for(request.user).exists(),
    }
    return render(request, "opportunities/mine.html", context)


@workspace_only
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = selectors.export_rows(permissions.opportunities_managed_by(request.user))
    base = request.build_absolute_uri("/").rstrip("/")
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows, base_url=base), content_type="text/csv")
    else:
        response = HttpResponse(
            exports.to_xlsx(rows, base_url=base),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="opportunities-{stamp}.{fmt}"'
    return response


@workspace_only
@require_GET
def vetting_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.can_vet(request.user):
        raise Http404("The secretariat only.")
    context = {"opportunities": selectors.vetting_queue()}
    return render(request, "opportunities/vetting.html", context)


@workspace_only
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    states = list(selectors.host_states_for(request.user))
    if not states:
        raise Http404("No member state to act for.")
    form = OpportunityForm(request.POST or None, states=selectors.host_states_for(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                opportunity = services.opportunity_create(
                    by=request.user, host_state=form.cleaned_data["host_state"], **form.values()
                )
            except services.Refused as refusal:
                status = refusal.status
                _refuse(form, refusal)
            else:
                messages.success(request, _("The draft is saved. Submit it when it is ready."))
                return redirect(opportunity.get_absolute_url())
    context = {"form": form, "opportunity": None}
    return render(request, "opportunities/form.html", context, status=status)


@workspace_only
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = _managed(request, slug)
    initial = {name: getattr(opportunity, name) for name in services.FIELDS}
    form = OpportunityForm(request.POST or None, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.opportunity_update(
                    by=request.user, opportunity=opportunity, **form.values()
                )
            except services.Refused as refusal:
                status = refusal.status
                _refuse(form, refusal)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(opportunity.get_absolute_url())
    context = {"form": form, "opportunity": opportunity}
    return render(request, "opportunities/form.html", context, status=status)


def _detail_with_error(request, opportunity, refusal, **forms) -> HttpResponse:
    if not forms:
        messages.error(request, refusal.message)
    fresh = permissions.get_opportunity_for_user(request.user, opportunity.slug)
    context = _detail_context(request, fresh, **forms)
    return render(request, "opportunities/detail.html", context, status=refusal.status)


@workspace_only
@require_POST
def opportunity_submit(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = _managed(request, slug)
    try:
        services.opportunity_submit(by=request.user, opportunity=opportunity)
    except services.Refused as refusal:
        return _detail_with_error(request, opportunity, refusal)
    messages.success(request, _("Submitted: the secretariat will vet it."))
    return redirect(opportunity.get_absolute_url())


@workspace_only
@require_POST
def opportunity_vet(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = permissions.get_opportunity_for_user(request.user, slug)
    if not permissions.can_vet(request.user):
        raise Http404("The secretariat only.")
    form = VetForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, opportunity, vet_form=form)
        return render(request, "opportunities/detail.html", context, status=400)
    publish = form.cleaned_data["decision"] == "publish"
    try:
        services.opportunity_vet(
            by=request.user,
            opportunity=opportunity,
            publish=publish,
            reasons=form.cleaned_data["reasons"],
        )
    except services.Refused as refusal:
        if refusal.field in form.fields:
            _refuse(form, refusal)
            return _detail_with_error(request, opportunity, refusal, vet_form=form)
        return _detail_with_error(request, opportunity, refusal)
    if publish:
        messages.success(request, _("Published."))
    else:
        messages.success(request, _("Returned to the host state with your reasons."))
    return redirect("opportunities:vetting")


@workspace_only
@require_http_methods(["GET", "POST"])
def opportunity_renew(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = _managed(request, slug)
    form = RenewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.opportunity_renew(
                    by=request.user,
                    opportunity=opportunity,
                    valid_until=form.cleaned_data["valid_until"],
                )
            except services.Refused as refusal:
                status = refusal.status
                _refuse(form, refusal)
            else:
                messages.success(request, _("Renewed and published."))
                return redirect(opportunity.get_absolute_url())
    context = {
        "form": form,
        "opportunity": opportunity,
        "heading": _("Renew the opportunity"),
        "button": _("Renew"),
    }
    return render(request, "opportunities/step.html", context, status=status)


@workspace_only
@require_http_methods(["GET", "POST"])
def opportunity_close(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = _managed(request, slug)
    form = CloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.opportunity_close(
                    by=request.user, opportunity=opportunity, reason=form.cleaned_data["reason"]
                )
            except services.Refused as refusal:
                status = refusal.status
                _refuse(form, refusal)
            else:
                messages.success(request, _("The opportunity is closed."))
                return redirect(opportunity.get_absolute_url())
    context = {
        "form": form,
        "opportunity": opportunity,
        "heading": _("Close the opportunity"),
        "button": _("Close it"),
    }
    return render(request, "opportunities/step.html", context, status=status)


@workspace_only
@require_POST
def document_upload(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = _managed(request, slug)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.opportunity_document_add(
                by=request.user,
                opportunity=opportunity,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            )
        except services.Refused as refusal:
            _refuse(form, refusal)
            return _detail_with_error(request, opportunity, refusal, document_form=form)
        messages.success(request, _("The document is attached."))
        return redirect(opportunity.get_absolute_url())
    context = _detail_context(request, opportunity, document_form=form)
    return render(request, "opportunities/detail.html", context, status=400)
