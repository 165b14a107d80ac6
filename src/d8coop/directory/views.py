"""SME directory pages. The public directory and profile pages show public, validated profiles
(contact e-mail and telephone to members only); focal points manage their state's profiles
under /directory/manage/ (the secretariat all of them); an SME's maintainer edits its own.
Each view fetches through `permissions` (which authorizes) and writes through `services`.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.accounts.client import client_ip
from d8coop.accounts.forms import InvitationPasswordForm
from d8coop.accounts.models import User
from d8coop.accounts.selectors import normalize_email
from d8coop.core import spreadsheets
from d8coop.directory import permissions, selectors, services
from d8coop.directory.forms import (
    DirectoryFilterForm,
    InvitationForm,
    ProfileForm,
    PublicationForm,
)
from d8coop.directory.models import MaintainerInvitation, SmeProfile
from d8coop.members.models import MemberState

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


def _apply_refusal(form, refusal: ValidationError) -> None:
    for name, errors in refusal.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _managed_states(user) -> list[MemberState]:
    states = permissions.managed_states(user)
    members = MemberState.objects.members_on(timezone.localdate())
    return list(members if states is None else members.filter(code__in=states))


def _require_manager(request: HttpRequest) -> list[MemberState]:
    """The states the user manages; 404 for anyone who manages none (sign-in first)."""
    states = _managed_states(request.user)
    if not states:
        raise Http404("Focal points and the secretariat only.")
    return states


# --------------------------------------------------------------------------- public


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = _filters_of(form)
    public = SmeProfile.objects.public()
    listing = selectors.profile_listing(public, filters)
    page = Paginator(listing.profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "snippets": listing.snippets, "filters": filters,
        "directory_empty": not filters.any and not listing.profiles,
        "manages_profiles": bool(_managed_states(request.user)),
        "query_string": _query_without_page(request),
    }  # fmt: skip
    return render(request, "directory/directory.html", context)


def _filters_of(form: DirectoryFilterForm) -> selectors.Filters:
    """The valid filters of the form (a wrong one is shown with its message and ignored)."""
    form.is_valid()
    return selectors.Filters.from_cleaned(getattr(form, "cleaned_data", {}))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def profile_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_profile_for_user(request.user, slug)
    user = request.user
    context = {
        "profile": profile,
        "products": list(profile.products.all()),
        "shows_contact": permissions.can_see_contact(user, profile),
        "can_edit": permissions.can_edit(user, profile),
        "can_manage": permissions.can_manage(user, profile),
        "is_maintainer": permissions.is_maintainer(user, profile),
        "publication_form": PublicationForm(initial={"public": "yes" if profile.public else "no"}),
    }
    return render(request, "directory/detail.html", context)


@login_required
@require_GET
def my_profiles(request: HttpRequest) -> HttpResponse:
    profiles = SmeProfile.objects.filter(maintainer=request.user).select_related("member_state")
    return render(request, "directory/mine.html", {"profiles": profiles})


# --------------------------------------------------------------------------- editing


@login_required
@require_http_methods(["GET", "POST"])
def profile_create(request: HttpRequest) -> HttpResponse:
    states = _require_manager(request)
    form = ProfileForm(request.POST or None, states=states)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.sme_profile_create(
                by=request.user, member_state=form.chosen_state(), data=form.profile_input()
            )
        except ValidationError as refusal:
            _apply_refusal(form, refusal)
        else:
            messages.success(request, _("Profile created; it awaits validation."))
            _warn_size_class(request, profile)
            return redirect("directory:manage-detail", profile.slug)
    return render(request, "directory/edit.html", {"form": form, "profile": None})


def _warn_size_class(request: HttpRequest, profile: SmeProfile) -> None:
    for warning in services.size_class_warnings(profile):
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_profile_for_user(request.user, slug, write=True)
    form = ProfileForm(request.POST or None, states=[profile.member_state], profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.sme_profile_update(
                by=request.user, profile=profile, data=form.profile_input()
            )
        except ValidationError as refusal:
            _apply_refusal(form, refusal)
        else:
            profile.refresh_from_db()
            messages.success(request, _("Profile saved.") if changed else _("Nothing changed."))
            _warn_size_class(request, profile)
            if permissions.can_manage(request.user, profile):
                return redirect("directory:manage-detail", profile.slug)
            return redirect("directory:detail", profile.slug)
    return render(request, "directory/edit.html", {"form": form, "profile": profile})


@login_required
@require_POST
def profile_publication(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_profile_for_user(request.user, slug, write=True)
    form = PublicationForm(request.POST)
    if form.is_valid():
        try:
            services.sme_profile_set_public(
                by=request.user, profile=profile, public=form.cleaned_data["public"],
                consent_note=form.cleaned_data["consent_note"],
            )  # fmt: skip
            messages.success(request, _("Publication choice saved."))
        except ValidationError as refusal:
            for errors in refusal.message_dict.values():
                for error in errors:
                    messages.error(request, error)
    else:
        messages.error(request, _("Choose whether the profile is listed publicly."))
    if permissions.can_manage(request.user, profile):
        return redirect("directory:manage-detail", profile.slug)
    return redirect("directory:detail", profile.slug)


# --------------------------------------------------------------------------- managing


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    states = _require_manager(request)
    form = DirectoryFilterForm(request.GET or None)
    filters = _filters_of(form)
    status = request.GET.get("status", "")
    filters.status = status if status in SmeProfile.Status.values else ""
    managed = permissions.profiles_managed_by(request.user)
    listing = selectors.profile_listing(managed, filters)
    page = Paginator(listing.profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "snippets": listing.snippets, "states": states,
        "statuses": SmeProfile.Status.choices, "status": filters.status,
        "query_string": _query_without_page(request),
    }  # fmt: skip
    return render(request, "directory/manage.html", context)


@login_required
@require_GET
def manage_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_manager(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404("CSV or XLSX only.")
    managed = permissions.profiles_managed_by(request.user).select_related("created_by")
    profiles = list(selectors.with_relations(managed).order_by("member_state__code", "name"))
    rows = selectors.export_rows(profiles, site_url=request.build_absolute_uri("/"))
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        body: str | bytes = spreadsheets.to_csv(selectors.EXPORT_COLUMNS, rows)
        mediatype = "text/csv; charset=utf-8"
    else:
        body = spreadsheets.to_xlsx(selectors.EXPORT_COLUMNS, rows, sheet="sme-profiles")
        mediatype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=mediatype)
    response["Content-Disposition"] = f'attachment; filename="sme-profiles-{stamp}.{fmt}"'
    return response


@login_required
@require_GET
def manage_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_managed_profile(request.user, slug)
    context = {
        "profile": profile,
        "products": list(profile.products.all()),
        "warnings": services.size_class_warnings(profile),
        "invitations": selectors.invitations_of(profile)[:10],
        "invitation_form": InvitationForm(initial={"language": request.LANGUAGE_CODE}),
        "publication_form": PublicationForm(initial={"public": "yes" if profile.public else "no"}),
        "now": timezone.now(),
    }
    return render(request, "directory/manage_detail.html", context)


@login_required
@require_POST
def profile_validate(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_managed_profile(request.user, slug)
    try:
        services.sme_profile_validate(by=request.user, profile=profile)
        messages.success(request, _("Profile validated."))
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("directory:manage-detail", profile.slug)


@login_required
@require_POST
def profile_archive(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_managed_profile(request.user, slug)
    try:
        services.sme_profile_archive(by=request.user, profile=profile)
        messages.success(request, _("Profile archived: it is no longer listed."))
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("directory:manage-detail", profile.slug)


@login_required
@require_POST
def invitation_send(request: HttpRequest, slug: str) -> HttpResponse:
    profile = permissions.get_managed_profile(request.user, slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("directory:manage-detail", profile.slug)
    try:
        invitation = services.maintainer_invitation_send(
            by=request.user, profile=profile, email=form.cleaned_data["email"],
            language=form.cleaned_data["language"], site_url=request.build_absolute_uri("/"),
        )  # fmt: skip
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    except (SMTPException, OSError):
        logger.exception("SME invitation e-mail for %s not sent", profile.slug)
        messages.error(request, _("The e-mail could not be sent, so nothing was saved."))
    return redirect("directory:manage-detail", profile.slug)


# --------------------------------------------------------------------------- invitation link


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: a new user chooses a password; a user with an account at the
    invited address signs in first. Good once, until it expires."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "directory/invitation_closed.html", {"status": None}, status=404)
    status, user = invitation.status_at(timezone.now()), request.user
    if status == MaintainerInvitation.Status.ACCEPTED and invitation.accepted_by_id == user.pk:
        return redirect("directory:detail", invitation.profile.slug)
    if status != MaintainerInvitation.Status.PENDING:
        return render(request, "directory/invitation_closed.html", {"status": status}, status=410)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    context = {"invitation": invitation, "has_account": has_account}
    if user.is_authenticated and normalize_email(user.email) != invitation.email:
        return render(request, "directory/invitation_accept.html", {**context, "other_user": True})
    if has_account and not user.is_authenticated:
        return render(request, "directory/invitation_accept.html", context)
    form = (
        None
        if has_account
        else InvitationPasswordForm(request.POST or None, email=invitation.email)
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        return _invitation_accept(request, invitation, form)
    return render(request, "directory/invitation_accept.html", {**context, "form": form})


def _invitation_accept(request: HttpRequest, invitation, form) -> HttpResponse:
    ip = client_ip(request)
    try:
        if form is None:
            services.maintainer_invitation_accept(invitation=invitation, user=request.user, ip=ip)
        else:
            password = form.cleaned_data["password1"]
            user = services.maintainer_invitation_accept(
                invitation=invitation, password=password, ip=ip
            )
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    except (services.InvitationUnusable, services.InvitationForAnotherAddress):
        return redirect(request.path)  # taken meanwhile: the page now says what to do
    messages.success(request, _("You now keep this profile current."))
    return redirect("directory:detail", invitation.profile.slug)
