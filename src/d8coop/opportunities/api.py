"""Investment opportunities through the API, under the same rules as the pages (same
permissions, same services).

/api/v1/opportunities/                 GET list (filters, text search), POST a new draft
/api/v1/opportunities/{slug}/          GET one, PATCH a draft or a returned one
/api/v1/opportunities/{slug}/submit/   POST: a focal point of the host state submits it
/api/v1/opportunities/{slug}/vet/      POST: the secretariat publishes or returns it
/api/v1/opportunities/{slug}/renew/    POST: a new validity date (published or expired)
/api/v1/opportunities/{slug}/close/    POST: closed, with the reason

The public (and signed-in users with no role) list published opportunities only; focal
points also see their states' drafts, submitted and returned ones, the secretariat all. An
opportunity the caller may not read is 404. Refusals are `{code, message}`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from d8coop.api.serializers import MemberStateRefSerializer
from d8coop.members.models import MemberState
from d8coop.opportunities import permissions, selectors, services
from d8coop.opportunities.models import Opportunity, OpportunityDocument

# --------------------------------------------------------------------------- representations


class OpportunityDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = OpportunityDocument
        fields = ["id", "title", "sha256", "uploaded_at", "url"]

    def get_url(self, document: OpportunityDocument) -> str:
        return reverse("opportunities:document", args=[document.opportunity.slug, document.pk])


class OpportunityContactSerializer(serializers.Serializer):
    role = serializers.CharField(read_only=True, help_text="The host focal point's position.")
    organization = serializers.CharField(
        source="organization.name", read_only=True, allow_null=True, default=None
    )
    email = serializers.SerializerMethodField(
        help_text="The position's e-mail address, when it is public or the caller is a member."
    )

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, position: Any) -> str | None:
        from d8coop.accounts.permissions import can_see_members_data

        user = self.context.get("user")
        if position.email and (position.visibility == "public" or can_see_members_data(user)):
            return position.email
        return None


class OpportunitySerializer(serializers.ModelSerializer):
    host_state = MemberStateRefSerializer(read_only=True)
    contact = OpportunityContactSerializer(read_only=True, allow_null=True)
    documents = serializers.SerializerMethodField()
    return_reasons = serializers.SerializerMethodField(
        help_text="Why the secretariat returned it (the host focal points and the secretariat "
        "only; null for others)."
    )
    snippets = serializers.SerializerMethodField(
        help_text="With `q`: per matching field, an HTML excerpt with the matches in <mark>."
    )
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "slug",
            "title",
            "description",
            "host_state",
            "region",
            "isic_section",
            "isic_division",
            "size_amount",
            "currency",
            "size_usd",
            "size_usd_rate_year",
            "instrument",
            "stage",
            "incentives",
            "valid_until",
            "status",
            "contact",
            "submitted_at",
            "vetted_at",
            "published_at",
            "closed_at",
            "close_reason",
            "renewals",
            "return_reasons",
            "documents",
            "snippets",
            "web_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpportunityDocumentSerializer(many=True))
    def get_documents(self, opportunity: Opportunity) -> list[dict]:
        user = self.context.get("user")
        if not permissions.can_read_documents(user, opportunity):
            return []
        return OpportunityDocumentSerializer(opportunity.documents.all(), many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_return_reasons(self, opportunity: Opportunity) -> str | None:
        if permissions.can_manage(self.context.get("user"), opportunity):
            return opportunity.return_reasons
        return None

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_snippets(self, opportunity: Opportunity) -> dict[str, str]:
        return {name: str(text) for name, text in getattr(opportunity, "snippets", {}).items()}


# --------------------------------------------------------------------------- input


class OpportunityFieldsInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    region = serializers.CharField(max_length=120, required=False, allow_blank=True)
    isic_section = serializers.CharField(max_length=1, help_text="ISIC Rev. 4 section, A to U.")
    isic_division = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="Two digits, e.g. 10."
    )
    size_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="ISO 4217, e.g. TRY."
    )
    instrument = serializers.CharField(
        max_length=20, help_text="equity, joint_venture, loan, ppp or offtake."
    )
    stage = serializers.CharField(
        max_length=20, help_text="concept, feasibility, ready or expansion."
    )
    incentives = serializers.CharField(required=False, allow_blank=True)
    valid_until = serializers.DateField(help_text="The last day it is valid, YYYY-MM-DD.")


class OpportunityCreateInput(OpportunityFieldsInput):
    host_state = serializers.CharField(max_length=2, help_text="ISO code of the host state.")


class VetInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["publish", "return"])
    reasons = serializers.CharField(
        required=False, allow_blank=True, help_text="Required to return it."
    )


class RenewInput(serializers.Serializer):
    valid_until = serializers.DateField(help_text="The new last valid day, after today.")


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is closed, e.g. an investor was found.")


# --------------------------------------------------------------------------- views


def _refused(refusal: services.Refused) -> exceptions.APIException:
    error = exceptions.APIException(detail=refusal.message, code=refusal.code)
    error.status_code = refusal.status
    return error


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Text; results best match first."),
    OpenApiParameter("country", str, description="Host state ISO code."),
    OpenApiParameter("sector", str, description="ISIC section letter."),
    OpenApiParameter("instrument", str),
    OpenApiParameter("stage", str),
    OpenApiParameter("size_min", OpenApiTypes.DECIMAL, description="US dollars."),
    OpenApiParameter("size_max", OpenApiTypes.DECIMAL, description="US dollars."),
    OpenApiParameter(
        "status",
        str,
        description="Comma-separated statuses among those the caller may see (default: "
        "published for the public; every status visible for focal points and the secretariat).",
    ),
]


@extend_schema(tags=["opportunities"])
class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Investment opportunities of the D-8 member states."""

    serializer_class = OpportunitySerializer
    lookup_field = "slug"
    queryset = Opportunity.objects.none()  # for the schema; get_queryset checks access
    filter_backends: list = []

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "user": self.request.user}

    def get_queryset(self) -> QuerySet[Opportunity]:
        return (
            permissions.opportunities_visible_to(self.request.user)
            .select_related("host_state", "contact__organization")
            .prefetch_related("documents__opportunity")
        )

    def _number(self, name: str):
        from decimal import Decimal, InvalidOperation

        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise exceptions.ValidationError({name: "A number of US dollars."}) from None

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request: Request) -> Response:
        params = request.query_params
        visible = self.get_queryset()
        wanted = [s.strip() for s in params.get("status", "").split(",") if s.strip()]
        if wanted:
            statuses = tuple(wanted)
        elif permissions.is_workspace_user(request.user):
            statuses = tuple(Opportunity.Status.values)
        else:
            statuses = (Opportunity.Status.PUBLISHED,)
        filters = selectors.Filters(
            q=params.get("q", ""),
            country=params.get("country", ""),
            sector=params.get("sector", ""),
            size_min=self._number("size_min"),
            size_max=self._number("size_max"),
            instrument=params.get("instrument", ""),
            stage=params.get("stage", ""),
            statuses=statuses,
        )
        found = selectors.search(visible, filters)
        page = self.paginate_queryset(found.opportunities)
        for opportunity in page:
            opportunity.snippets = found.snippets.get(opportunity.pk, {})
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> Opportunity:
        return permissions.get_opportunity_for_user(self.request.user, self.kwargs["slug"])

    def _detail(self, opportunity: Opportunity, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=opportunity.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=OpportunityCreateInput, responses={201: OpportunitySerializer})
    def create(self, request: Request) -> Response:
        """A new draft, by a focal point of the host state or the secretariat."""
        data = OpportunityCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        code = values.pop("host_state").strip().upper()
        state = MemberState.objects.filter(code=code).first()
        if state is None:
            raise exceptions.ValidationError({"host_state": f"Unknown member state: {code}."})
        try:
            opportunity = services.opportunity_create(by=request.user, host_state=state, **values)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity, status.HTTP_201_CREATED)

    @extend_schema(request=OpportunityFieldsInput(partial=True), responses=OpportunitySerializer)
    def partial_update(self, request: Request, slug: str) -> Response:
        """Change a draft or a returned opportunity."""
        opportunity = self.get_object()
        data = OpportunityFieldsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            services.opportunity_update(
                by=request.user, opportunity=opportunity, **data.validated_data
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity)

    @extend_schema(request=None, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, slug: str) -> Response:
        """Submit for vetting (a focal point of the host state)."""
        opportunity = self.get_object()
        try:
            services.opportunity_submit(by=request.user, opportunity=opportunity)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity)

    @extend_schema(request=VetInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def vet(self, request: Request, slug: str) -> Response:
        """Publish it, or return it with reasons (the secretariat)."""
        opportunity = self.get_object()
        data = VetInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.opportunity_vet(
                by=request.user,
                opportunity=opportunity,
                publish=data.validated_data["decision"] == "publish",
                reasons=data.validated_data.get("reasons", ""),
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity)

    @extend_schema(request=RenewInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, slug: str) -> Response:
        """A new validity date; the opportunity is published again."""
        opportunity = self.get_object()
        data = RenewInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.opportunity_renew(
                by=request.user,
                opportunity=opportunity,
                valid_until=data.validated_data["valid_until"],
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity)

    @extend_schema(request=CloseInput, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, slug: str) -> Response:
        """Close it, with the reason."""
        opportunity = self.get_object()
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.opportunity_close(
                by=request.user, opportunity=opportunity, reason=data.validated_data["reason"]
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._detail(opportunity)


router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = router.urls
