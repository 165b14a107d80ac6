"""The member workspace: what a focal point, coordinator or the secretariat has to do.

Pages here are for signed-in members only; every object is fetched through the permission
helpers of its app, and every write goes through a service.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import can_see_members_data
from d8coop.accounts.selectors import user_time_zone
from d8coop.consultations.formatting import in_zone
from d8coop.consultations.selectors import consultations_awaiting_answer
from d8coop.cooperation import selectors, services
from d8coop.cooperation.models import Meeting, ProgressReport
from d8coop.cooperation.permissions import get_action_item_for_user
from d8coop.statistics import imports as statistics_imports
from d8coop.workspace.forms import ProgressReportForm


def _members_only(request: HttpRequest) -> None:
    if not can_see_members_data(request.user):
        raise PermissionDenied(_("The workspace is for member states' focal points and staff."))


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal next to the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _members_only(request)
    today = timezone.localdate()
    items = list(selectors.action_items_for_user(request.user, today)[:50])
    soon = settings.ACTION_DUE_SOON_DAYS
    rows = [(item, selectors.due_state(item, today, soon)) for item in items]
    reports = (
        ProgressReport.objects.filter(action_item__in=[item.pk for item in items])
        .select_related("action_item", "member_state", "author")
        .order_by("-created_at")[:10]
    )
    zone = user_time_zone(request.user)
    awaiting = [
        (round_, in_zone(round_.deadline, zone))
        for round_ in consultations_awaiting_answer(request.user)
    ]
    context = {
        "awaiting": awaiting,
        "rows": rows,
        "reports": reports,
        "today": today,
        "zone": zone,
        "notifications": request.user.notifications.all()[:5],
        "uploads": (
            list(statistics_imports.uploads_visible_to(request.user)[:5])
            if statistics_imports.may_see_uploads(request.user)
            else None
        ),
    }
    return render(request, "workspace/home.html", context)


@login_required
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_action_item_for_user(request.user, pk, write=True)
    form = ProgressReportForm(
        request.POST or None, request.FILES or None, user=request.user, item=item
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_report_progress(user=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your progress report was recorded."))
            return redirect(item)
    return render(request, "workspace/report_progress.html", {"item": item, "form": form})


@login_required
def progress_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Attachments are members-only: served here, never from a public media URL."""
    _members_only(request)
    report = get_object_or_404(ProgressReport.objects.exclude(attachment=""), pk=pk)
    try:
        handle = report.attachment.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing from storage.")) from error
    name = report.attachment.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
def follow_up(request: HttpRequest, slug: str) -> HttpResponse:
    _members_only(request)
    meeting = get_object_or_404(Meeting.objects.select_related("body"), slug=slug)
    today = timezone.localdate()
    items = selectors.follow_up_items(meeting).prefetch_related("progress_reports")
    context = {"meeting": meeting, "items": items, "today": today}
    return render(request, "workspace/follow_up.html", context)
