"""Consultations through the API, under the same rules as the pages (same permissions, same
services). Members only: anonymous callers get 401, signed-in outsiders 404.

/api/v1/consultations/                      GET list, POST circulate (secretariat)
/api/v1/consultations/{id}/                 GET one, with versions and rounds
/api/v1/consultations/{id}/rounds/          POST a new round on a revised text (secretariat)
/api/v1/consultations/{id}/answers/         GET visible answers, POST an answer (focal points)
/api/v1/consultations/{id}/results/         GET results of closed rounds, with circulars
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from d8coop.accounts.permissions import can_see_members_data
from d8coop.api.serializers import BodyRefSerializer, MemberStateRefSerializer
from d8coop.consultations import permissions, services
from d8coop.consultations.models import (
    Answer,
    AnswerKind,
    Circular,
    Consultation,
    Result,
    Round,
    StatePosition,
    Version,
)
from d8coop.cooperation.models import Body

# --------------------------------------------------------------------------- representations


class VersionSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Version
        fields = [
            "number",
            "text",
            "note",
            "file_name",
            "file_size",
            "file_sha256",
            "file_url",
            "created_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_url(self, version: Version) -> str | None:
        if not version.file:
            return None
        return reverse("consultations:version-file", args=[version.consultation_id, version.number])


class CircularSerializer(serializers.ModelSerializer):
    class Meta:
        model = Circular
        fields = ["reference", "subject", "text", "issued_at"]


class StatePositionSerializer(serializers.ModelSerializer):
    member_state = MemberStateRefSerializer(read_only=True)
    # Plain strings: "kind" choice sets already abound in the schema (see DocumentRefSerializer).
    kind = serializers.CharField(
        read_only=True,
        help_text="no_objection, comment, objection, amendment or tacit_acceptance (no answer).",
    )
    answer = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = StatePosition
        fields = ["member_state", "kind", "answer"]


class ResultSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="round.number", read_only=True)
    positions = StatePositionSerializer(many=True, read_only=True)
    circular = CircularSerializer(source="round.circular", read_only=True)

    class Meta:
        model = Result
        fields = [
            "round",
            "outcome",
            "reason",
            "decided_at",
            "closed_via",
            "positions",
            "circular",
        ]


class RoundSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    deadline_local = serializers.SerializerMethodField(
        help_text="The deadline in the declared zone, ISO 8601 with its offset."
    )
    status = serializers.SerializerMethodField()
    recipients = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "number",
            "version",
            "circulated_at",
            "deadline",
            "time_zone",
            "deadline_local",
            "deadline_text",
            "deadline_computed_local",
            "deadline_adjustment",
            "deadline_moved_off_weekend",
            "status",
            "closed_at",
            "outcome",
            "recipients",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_deadline_local(self, round_: Round) -> str:
        from zoneinfo import ZoneInfo

        return round_.deadline.astimezone(ZoneInfo(round_.time_zone)).isoformat()

    @extend_schema_field(serializers.ChoiceField(choices=["open", "awaiting_closure", "closed"]))
    def get_status(self, round_: Round) -> str:
        if round_.closed_at is not None:
            return "closed"
        return "open" if round_.accepts_answers(timezone.now()) else "awaiting_closure"

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_recipients(self, round_: Round) -> list[str]:
        return [dispatch.member_state.code for dispatch in round_.dispatches.all()]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_outcome(self, round_: Round) -> str | None:
        result = getattr(round_, "result", None) if round_.closed_at else None
        return result.outcome if result else None


class ConsultationSerializer(serializers.ModelSerializer):
    body = BodyRefSerializer(read_only=True, allow_null=True)
    breaking_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    rounds = RoundSerializer(many=True, read_only=True)
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "body",
            "breaking_kinds",
            "close_on_break",
            "move_off_weekend",
            "created_at",
            "result_is_public",
            "versions",
            "rounds",
            "web_url",
        ]


class AnswerSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="round.number", read_only=True)
    member_state = MemberStateRefSerializer(read_only=True)
    kind = serializers.CharField(
        read_only=True, help_text="no_objection, comment, objection or amendment."
    )
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id",
            "round",
            "member_state",
            "kind",
            "text",
            "file_name",
            "file_url",
            "breaks_silence",
            "answered_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_url(self, answer: Answer) -> str | None:
        if not answer.file:
            return None
        return reverse("consultations:answer-file", args=[answer.round.consultation_id, answer.pk])


# --------------------------------------------------------------------------- input


class DeadlineInput(serializers.Serializer):
    duration = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="From circulation, e.g. “one (1) month”, “72 hours”, “10 days”, “P1M”.",
    )
    deadline_local = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=19,
        help_text="Or a local date and time without offset, YYYY-MM-DDTHH:MM, read in "
        "`time_zone` (e.g. 2015-02-28T17:00).",
    )
    time_zone = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="IANA name; default the "
        "secretariat's (Europe/Istanbul) for a new draft, the last round's for a new round.",
    )  # fmt: skip
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=2),
        required=False,
        help_text="ISO codes; default the member states of the circulation day.",
    )

    def validate_deadline_local(self, value: str) -> datetime | None:
        if not value:
            return None
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                return datetime.strptime(value, pattern)
            except ValueError:
                continue
        raise serializers.ValidationError(
            "Give a local date and time as YYYY-MM-DDTHH:MM, without offset; "
            "the zone is `time_zone`."
        )


class CirculateInput(DeadlineInput):
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(required=False)
    body = serializers.SlugRelatedField(
        slug_field="slug", queryset=Body.objects.all(), required=False, allow_null=True
    )
    breaking_kinds = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Which of comment, objection, amendment break silence (default the last two).",
    )
    close_on_break = serializers.BooleanField(required=False, default=False)
    move_off_weekend = serializers.BooleanField(required=False, default=False)


class NewRoundInput(DeadlineInput):
    text = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AnswerInput(serializers.Serializer):
    round = serializers.IntegerField(
        required=False, min_value=1, help_text="Round number; default the latest round."
    )
    member_state = serializers.CharField(max_length=2, help_text="ISO code, e.g. TR.")
    answer = serializers.ChoiceField(choices=AnswerKind.choices)
    text = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(required=False)


# --------------------------------------------------------------------------- views


class MembersOnly(BasePermission):
    """Signed in (else 401); a signed-in outsider finds nothing (404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not can_see_members_data(request.user):
            raise exceptions.NotFound()
        return True


def _refused(refusal: services.Refused) -> exceptions.APIException:
    error = exceptions.APIException(detail=refusal.message, code=refusal.code)
    error.status_code = refusal.status
    return error


def _deadline_arguments(data: dict) -> dict:
    return {
        "duration": data.get("duration", ""),
        "deadline_local": data.get("deadline_local"),
        "time_zone": data.get("time_zone", ""),
        "recipients": data.get("recipients"),
    }


@extend_schema(tags=["consultations"])
class ConsultationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Consultations by silence procedure that the caller may see, newest first."""

    serializer_class = ConsultationSerializer
    permission_classes = [IsAuthenticated, MembersOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = Consultation.objects.none()  # for the schema; get_queryset checks access
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Consultation]:
        rounds = Round.objects.select_related("version", "result").prefetch_related(
            "dispatches__member_state"
        )
        return (
            permissions.consultations_queryset_for(self.request.user)
            .select_related("body")
            .prefetch_related(
                Prefetch("versions", queryset=Version.objects.order_by("number")),
                Prefetch("rounds", queryset=rounds.order_by("number")),
            )
        )

    def _consultation(self) -> Consultation:
        return permissions.get_consultation_for_user(self.request.user, self.kwargs["pk"])

    def _detail(self, consultation: Consultation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=consultation.pk)
        return Response(ConsultationSerializer(fresh).data, status=code)

    @extend_schema(request=CirculateInput, responses={201: ConsultationSerializer})
    def create(self, request: Request) -> Response:
        """Circulate a new draft (the secretariat only)."""
        if not permissions.can_circulate(request.user):
            raise exceptions.PermissionDenied("Only the secretariat circulates drafts.")
        data = CirculateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            round_ = services.consultation_circulate(
                by=request.user,
                title=values["title"],
                text=values.get("text", ""),
                file=values.get("file"),
                body=values.get("body"),
                breaking_kinds=values.get("breaking_kinds") or services.DEFAULT_BREAKING_KINDS,
                close_on_break=values["close_on_break"],
                move_off_weekend=values["move_off_weekend"],
                **_deadline_arguments(values),
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(round_.consultation, status.HTTP_201_CREATED)

    @extend_schema(request=NewRoundInput, responses={201: ConsultationSerializer})
    @action(detail=True, methods=["post"])
    def rounds(self, request: Request, pk: int) -> Response:
        """Circulate a revised text in a new round, after a round closed as not adopted."""
        consultation = self._consultation()
        if not permissions.can_circulate(request.user):
            raise exceptions.PermissionDenied("Only the secretariat opens rounds.")
        data = NewRoundInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.round_open_next(
                by=request.user,
                consultation=consultation,
                text=values.get("text", ""),
                file=values.get("file"),
                note=values.get("note", ""),
                **_deadline_arguments(values),
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(consultation, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=AnswerSerializer(many=True))
    @extend_schema(methods=["POST"], request=AnswerInput, responses={201: AnswerSerializer})
    @action(detail=True, methods=["get", "post"])
    def answers(self, request: Request, pk: int) -> Response:
        """GET: the answers the caller may read (every state's for the secretariat, observers
        and coordinators; the caller's own states' otherwise). POST: a focal point answers for
        its state before the deadline; the latest answer counts, every answer is kept."""
        consultation = self._consultation()
        if request.method == "POST":
            return self._answer(request, consultation)
        answers = Answer.objects.filter(round__consultation=consultation).select_related(
            "round", "member_state"
        )
        if not permissions.can_read_every_answer(request.user, consultation):
            codes = list(answers.values_list("member_state__code", flat=True).distinct())
            mine = permissions.states_answerable_by(
                request.user, consultation, codes, on=timezone.localdate()
            )
            answers = answers.filter(member_state__code__in=mine)
        answers = answers.order_by("round__number", "member_state__name", "answered_at", "pk")
        return Response(AnswerSerializer(answers, many=True).data)

    def _answer(self, request: Request, consultation: Consultation) -> Response:
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rounds = consultation.rounds.order_by("-number")
        round_ = (
            rounds.filter(number=values["round"]).first() if "round" in values else rounds.first()
        )
        if round_ is None:
            raise exceptions.NotFound("No such round.")
        try:
            answer = services.answer_submit(
                by=request.user,
                round=round_,
                state_code=values["member_state"],
                kind=values["answer"],
                text=values.get("text", ""),
                file=values.get("file"),
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: int) -> Response:
        """Results of the closed rounds: outcome, each state's position, the circular."""
        consultation = self._consultation()
        results = (
            Result.objects.filter(round__consultation=consultation)
            .select_related("round__circular")
            .prefetch_related(
                Prefetch(
                    "positions",
                    queryset=StatePosition.objects.select_related("member_state").order_by(
                        "member_state__name"
                    ),
                )
            )
            .order_by("round__number")
        )
        return Response(ResultSerializer(results, many=True).data)


router = SimpleRouter()
router.register("consultations", ConsultationViewSet, basename="consultation")

urlpatterns = router.urls
