"""Notification pages: the user's own list and preferences, and the one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.accounts.selectors import user_time_zone
from d8coop.notifications import selectors, services
from d8coop.notifications.forms import PreferencesForm
from d8coop.notifications.links import InvalidUnsubscribeLink, unsubscribe_read
from d8coop.notifications.models import Kind
from d8coop.notifications.permissions import get_notification_for_user

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notices_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "unread": selectors.unread_count(request.user),
            "zone": user_time_zone(request.user),
        },
    )


def _back_to_list(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("notifications:list")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    services.notification_mark_read(notification=notification)
    return _back_to_list(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return _back_to_list(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    deliveries = selectors.deliveries_of(request.user)
    form = PreferencesForm(request.POST or None, deliveries=deliveries)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(
            user=request.user, deliveries=form.deliveries(), reason="preferences page"
        )
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# Exempt from CSRF on purpose: mail clients send the RFC 8058 one-click POST without any
# token or cookie. No session is used here; the signed token in the URL is the proof, it can
# only turn e-mails off for its own user, and a forged request would need that token anyway.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for one click; POST turns the token's kinds to "in the platform only"."""
    try:
        if request.method == "POST":
            _user, kinds = services.preferences_unsubscribe(token=token)
        else:
            kinds = unsubscribe_read(token).kinds
    except InvalidUnsubscribeLink:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    context = {
        "kinds": [Kind(kind).label for kind in kinds],
        "done": request.method == "POST",
    }
    return render(request, "notifications/unsubscribe.html", context)
