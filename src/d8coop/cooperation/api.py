"""The action ledger through the API: progress reports, read by members and written under the
same rules as the workspace pages (`services.action_item_report_progress`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from d8coop.accounts.permissions import can_see_members_data
from d8coop.api.serializers import MemberStateRefSerializer
from d8coop.cooperation import services
from d8coop.cooperation.models import ActionItem, Meeting, ProgressReport
from d8coop.cooperation.permissions import get_action_item_for_user
from d8coop.members.models import MemberState


class ProgressReportSerializer(serializers.ModelSerializer):
    member_state = MemberStateRefSerializer(read_only=True)
    author = serializers.CharField(source="author.email", read_only=True)
    reviewed_at = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    attachment_url = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "action_item",
            "member_state",
            "text",
            "progress_on",
            "status_before",
            "status_after",
            "reviewed_at",
            "author",
            "created_at",
            "attachment_url",
        ]

    def get_attachment_url(self, report: ProgressReport) -> str | None:
        if not report.attachment:
            return None
        return reverse("workspace:attachment", args=[report.pk])


class ProgressReportInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    progress_on = serializers.DateField(required=False)
    member_state = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MemberState.objects.all(),
        required=False,
        allow_null=True,
        help_text="ISO code (e.g. TR). Omit for the whole item (secretariat, coordinators).",
    )
    status = serializers.ChoiceField(choices=ActionItem.Status.choices, required=False)
    status_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    reviewed_at = serializers.SlugRelatedField(
        slug_field="slug", queryset=Meeting.objects.all(), required=False, allow_null=True
    )
    attachment = serializers.FileField(required=False)

    def to_internal_value(self, data):
        if hasattr(data, "get") and data.get("member_state"):
            data = data.copy()
            data["member_state"] = str(data["member_state"]).upper()
        return super().to_internal_value(data)


def _members_only(request: Request) -> None:
    if not can_see_members_data(request.user):
        raise PermissionDenied(_("Progress reports are for members only."))


@extend_schema(tags=["action-items"])
class ActionItemProgressReports(generics.ListCreateAPIView):
    """Progress reports on one action item (members only); POST records a new report and may
    change the item's status, under the same rules as the workspace."""

    permission_classes = [IsAuthenticated]
    serializer_class = ProgressReportSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ProgressReport]:
        _members_only(self.request)
        item = get_action_item_for_user(self.request.user, self.kwargs["item_pk"])
        return item.progress_reports.select_related("member_state", "author", "reviewed_at")

    @extend_schema(request=ProgressReportInputSerializer, responses=ProgressReportSerializer)
    def post(self, request: Request, item_pk: int) -> Response:
        item = get_action_item_for_user(request.user, item_pk, write=True)
        data = ProgressReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.action_item_report_progress(
            user=request.user, item=item, **data.validated_data
        )
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["action-items"])
class ProgressReportList(generics.ListAPIView):
    """All progress reports, newest first (members only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ProgressReportSerializer

    def get_queryset(self) -> QuerySet[ProgressReport]:
        _members_only(self.request)
        return ProgressReport.objects.select_related("member_state", "author", "reviewed_at")


urlpatterns = [
    path(
        "action-items/<int:item_pk>/progress-reports/",
        ActionItemProgressReports.as_view(),
        name="action-item-progress-reports",
    ),
    path("progress-reports/", ProgressReportList.as_view(), name="progress-report-list"),
]
