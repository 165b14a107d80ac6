"""The action ledger through the API: progress reports, read by members and written under the
same rules as the workspace pages (`services.action_item_report_progress`); scorecards."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from d8coop.accounts.permissions import can_see_members_data
from d8coop.api.serializers import MemberStateRefSerializer
from d8coop.cooperation import scorecards, services
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
    queryset = ProgressReport.objects.none()  # for the schema; get_queryset checks access
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
    queryset = ProgressReport.objects.none()  # for the schema; get_queryset checks access

    def get_queryset(self) -> QuerySet[ProgressReport]:
        _members_only(self.request)
        return ProgressReport.objects.select_related("member_state", "author", "reviewed_at")


class ScorecardSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Body slug or member state ISO code.")
    name = serializers.CharField()
    meetings_by_year = serializers.DictField(child=serializers.IntegerField(), required=False)
    action_items = serializers.DictField(child=serializers.IntegerField(), required=False)
    rounds_received = serializers.IntegerField(required=False)
    rounds_answered = serializers.IntegerField(required=False)
    median_answer_days = serializers.FloatField(required=False, allow_null=True)
    last_activity = serializers.DateField(required=False, allow_null=True)
    stalled = serializers.BooleanField(required=False)
    investment = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        required=False,
        help_text="Member states only: outcomes of investors' expressions of interest in the "
        "state's opportunities (interests, contacted, meeting, negotiation, signed, dropped, "
        "median_days_to_signature). Counts from the leads the host focal points recorded.",
    )


def _scorecard_data(card: scorecards.Scorecard, shown: set[str], today) -> dict:
    data: dict = {"key": card.key, "name": card.name}
    if "meetings" in shown:
        data["meetings_by_year"] = {str(y): n for y, n in sorted(card.meetings_by_year.items())}
    if "action_items" in shown:
        data["action_items"] = {c: card.items.get(c, 0) for c in scorecards.ITEM_COLUMNS}
    if "consultations" in shown:
        data["rounds_received"] = card.rounds_received
        data["rounds_answered"] = card.rounds_answered
        data["median_answer_days"] = card.median_answer_days
    if "activity" in shown:
        data["last_activity"] = card.last_activity
        data["stalled"] = card.is_stalled(today)
    if scorecards.INVESTMENT in shown and card.investment is not None:
        data["investment"] = card.investment
    return data


@extend_schema(
    tags=["scorecards"],
    parameters=[OpenApiParameter("by", enum=list(scorecards.SUBJECTS), default="task-forces")],
    responses=ScorecardSerializer(many=True),
)
@api_view(["GET"])
@permission_classes([AllowAny])
def scorecard_list(request: Request) -> Response:
    """Scorecards per task force or member state. Anonymous callers get the groups of figures
    the secretariat published; members get all of them. Absent groups are not published."""
    by = request.query_params.get("by", "task-forces")
    if by not in scorecards.SUBJECTS:
        raise ValidationError({"by": _("Use task-forces or member-states.")})
    compute, _label = scorecards.SUBJECTS[by]
    today = timezone.localdate()
    shown = scorecards.shown_metrics(request.user)
    return Response([_scorecard_data(card, shown, today) for card in compute(today)])


urlpatterns = [
    path("scorecards/", scorecard_list, name="scorecards"),
    path(
        "action-items/<int:item_pk>/progress-reports/",
        ActionItemProgressReports.as_view(),
        name="action-item-progress-reports",
    ),
    path("progress-reports/", ProgressReportList.as_view(), name="progress-report-list"),
]
