"""Investor pages: registration and e-mail verification, the investor's own page and profile,
expressing interest, the host focal points' leads, and the public outcome statistics.

Each view authorizes through `selectors`/`services` and writes through `services`; none of
these pages is cached (they depend on who asks), except the public outcomes page's figures,
which are computed on each request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.accounts.client import client_ip
from d8coop.investors import outcomes, selectors, services
from d8coop.investors.forms import InterestForm, LeadStepForm, ProfileForm, RegistrationForm
from d8coop.investors.models import Interest
from d8coop.opportunities.models import Opportunity

# Registrations accepted per IP address per hour; more get a "try later" page.
REGISTRATIONS_PER_HOUR = 5


def _apply_refusal(form, refusal: services.Refused) -> None:
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


def _investor_or_404(request: HttpRequest):
    investor = selectors.investor_of(request.user)
    if investor is None:
        raise Http404("Investors only.")
    return investor


def opportunity_url(opportunity: Opportunity) -> str:
    try:
        return opportunity.get_absolute_url()
    except NoReverseMatch:  # the opportunities pages are not installed
        return reverse("investors:me")


# --------------------------------------------------------------------------- registration


def _registration_budget_used(request: HttpRequest) -> bool:
    """Count one registration for the caller's IP address; True once over the hourly limit."""
    key = f"investors:register:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        used = 1
    return used > REGISTRATIONS_PER_HOUR


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if selectors.investor_of(request.user) is not None:
            return redirect("investors:me")
        messages.info(request, _("You are signed in: sign out first to register an investor."))
        return redirect("portal:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _registration_budget_used(request):
            form.add_error(
                None,
                _("Too many registrations from your network in the last hour: try again later."),
            )
        else:
            try:
                services.investor_register(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    profile=form.profile(),
                    language=translation.get_language() or "",
                )
            except services.Refused as refusal:
                _apply_refusal(form, refusal)
            else:
                # The same page whether or not the address had an account (no enumeration).
                request.session["investors_registered"] = form.cleaned_data["email"]
                return redirect("investors:register-done")
    return render(request, "investors/register.html", {"form": form})


@never_cache
@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get("investors_registered", "")
    days = services.VERIFICATION_MAX_AGE.days
    return render(request, "investors/register_done.html", {"email": email, "days": days})


@never_cache
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        investor = services.investor_verify(token=token)
    except services.Refused as refusal:
        context = {"error": refusal.message}
        return render(request, "investors/verify.html", context, status=400)
    return render(request, "investors/verify.html", {"investor": investor})


@never_cache
@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    _investor_or_404(request)
    try:
        services.investor_verification_send(user=request.user)
    except services.Refused as refusal:
        messages.info(request, refusal.message)
    else:
        messages.success(
            request,
            _("We sent a new link to %(email)s. It works for %(days)d days.")
            % {"email": request.user.email, "days": services.VERIFICATION_MAX_AGE.days},
        )
    return redirect("investors:me")


# --------------------------------------------------------------------------- the investor


@never_cache
@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    investor = _investor_or_404(request)
    interests = (
        investor.interests.select_related("opportunity__host_state")
        .prefetch_related("steps")
        .order_by("-created_at")
    )
    rows = [(interest, opportunity_url(interest.opportunity)) for interest in interests]
    return render(request, "investors/me.html", {"investor": investor, "rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me_edit(request: HttpRequest) -> HttpResponse:
    investor = _investor_or_404(request)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(investor))
    if request.method == "POST" and form.is_valid():
        try:
            services.investor_update(user=request.user, profile=form.profile())
        except services.Refused as refusal:
            _apply_refusal(form, refusal)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("investors:me")
    return render(request, "investors/me_edit.html", {"form": form, "investor": investor})


@never_cache
@login_required
@require_POST
def interest_express(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity, slug=slug)
    if opportunity.status != Opportunity.Status.PUBLISHED:
        raise Http404("Not published.")  # unpublished opportunities do not exist for investors
    form = InterestForm(request.POST)
    back = opportunity_url(opportunity)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("message", [])))
        return redirect(back)
    try:
        services.interest_express(
            user=request.user, opportunity=opportunity, message=form.cleaned_data["message"]
        )
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Your interest is sent to the host state's focal points. Follow it on your page."),
        )
    return redirect(back)


# --------------------------------------------------------------------------- leads


def _leads_only(request: HttpRequest) -> None:
    if not selectors.can_see_leads(request.user):
        raise PermissionDenied(
            _("Leads are for the host states' focal points and the secretariat.")
        )


@never_cache
@login_required
@require_GET
def leads(request: HttpRequest) -> HttpResponse:
    _leads_only(request)
    rows = selectors.leads_visible_to(request.user).order_by("-created_at", "-pk")
    stage = request.GET.get("stage", "")
    if stage in Interest.Stage.values:
        rows = rows.filter(stage=stage)
    context = {"rows": rows, "stage": stage, "stages": Interest.Stage.choices}
    return render(request, "investors/leads.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lead(request: HttpRequest, pk: int) -> HttpResponse:
    _leads_only(request)
    interest = get_object_or_404(selectors.leads_visible_to(request.user), pk=pk)
    can_move = services.can_follow_lead(request.user, interest)
    form = LeadStepForm(request.POST or None, interest=interest)
    if request.method == "POST":
        if not can_move:
            raise PermissionDenied(_("Only the host state's focal points follow this lead."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.lead_advance(
                    user=request.user, interest=interest, stage=data["stage"], on=data["on"],
                    note=data["note"],
                )  # fmt: skip
            except services.Refused as refusal:
                _apply_refusal(form, refusal)
            else:
                messages.success(request, _("The step is recorded and the investor told."))
                return redirect("investors:lead", pk=interest.pk)
    context = {
        "interest": interest,
        "investor": interest.investor,
        "steps": interest.steps.select_related("recorded_by"),
        "form": form if services.allowed_next_stages(interest) and can_move else None,
        "closed": not services.allowed_next_stages(interest),
        "opportunity_url": opportunity_url(interest.opportunity),
    }
    return render(request, "investors/lead.html", context)


# --------------------------------------------------------------------------- outcomes


@require_GET
def outcome_statistics(request: HttpRequest) -> HttpResponse:
    by_state = list(outcomes.outcomes_by_state().values())
    by_sector = outcomes.outcomes_by_sector()

    def rows(items):
        return [(o, list(o.as_dict().values())) for o in items]

    context = {
        "by_state": rows(by_state),
        "by_sector": rows(by_sector),
        "total": list(outcomes.total(by_state).as_dict().values()),
        "columns": outcomes.COLUMNS,
        "source": outcomes.SOURCE,
        "today": timezone.localdate(),
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "investors/outcomes.html", context)
