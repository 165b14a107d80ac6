"""Investors and leads through the API, under the same rules as the pages (same selectors,
same services). Registration stays on the web (it needs the e-mail verification and its limit).

/api/v1/investors/me/                 GET the caller's investor profile, PATCH it (investors)
/api/v1/interests/                    GET visible expressions of interest (investor: own; focal
                                      point: their states'; secretariat: all), POST one (investor)
/api/v1/interests/{id}/               GET one
/api/v1/interests/{id}/steps/         POST the lead's next step (host focal points, secretariat)
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from d8coop.api.serializers import MemberStateRefSerializer
from d8coop.investors import selectors, services
from d8coop.investors.models import Interest, Investor, LeadStep
from d8coop.opportunities.models import Opportunity


class InvestorSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    sectors = serializers.ListField(
        child=serializers.CharField(max_length=1), help_text='ISIC sections, e.g. ["C", "D"].'
    )
    instruments = serializers.ListField(
        child=serializers.CharField(max_length=20),
        help_text="equity, joint_venture, loan, ppp or offtake.",
    )

    class Meta:
        model = Investor
        fields = [
            "organization", "kind", "country", "sectors", "instruments", "ticket_min_usd",
            "ticket_max_usd", "description", "email", "email_verified_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["email_verified_at", "created_at"]
        extra_kwargs = {"country": {"help_text": "ISO 3166 alpha-2 code, e.g. MY."}}


class LeadStepSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.email", read_only=True)

    class Meta:
        model = LeadStep
        fields = ["stage", "on", "note", "recorded_by", "recorded_at"]


class InvestorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Investor
        fields = ["organization", "kind", "country", "sectors", "instruments",
                  "ticket_min_usd", "ticket_max_usd"]  # fmt: skip


class InterestSerializer(serializers.ModelSerializer):
    opportunity = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    host_state = MemberStateRefSerializer(source="opportunity.host_state", read_only=True)
    investor = InvestorRefSerializer(read_only=True)
    steps = LeadStepSerializer(many=True, read_only=True)

    class Meta:
        model = Interest
        fields = ["id", "opportunity", "host_state", "investor", "message", "created_at",
                  "stage", "stage_on", "steps"]  # fmt: skip


class InterestInputSerializer(serializers.Serializer):
    opportunity = serializers.SlugField(help_text="The published opportunity's slug.")
    message = serializers.CharField(max_length=4000, help_text="For the host focal points.")


class LeadStepInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Interest.Stage.choices)
    on = serializers.DateField(help_text="The day it happened (not in the future).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


def _refusal(refusal: services.Refused) -> exceptions.APIException:
    if isinstance(refusal, services.NotAllowed):
        return exceptions.PermissionDenied(refusal.message)
    return exceptions.ValidationError({refusal.field or "detail": [refusal.message]})


class InvestorMe(APIView):
    """The caller's own investor profile (404 for anyone who is not an investor)."""

    permission_classes = [IsAuthenticated]

    def _investor(self, request: Request) -> Investor:
        investor = selectors.investor_of(request.user)
        if investor is None:
            raise exceptions.NotFound("You are not a registered investor.")
        return investor

    @extend_schema(tags=["investors"], responses=InvestorSerializer)
    def get(self, request: Request) -> Response:
        return Response(InvestorSerializer(self._investor(request)).data)

    @extend_schema(tags=["investors"], request=InvestorSerializer, responses=InvestorSerializer)
    def patch(self, request: Request) -> Response:
        investor = self._investor(request)
        incoming = InvestorSerializer(investor, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        names = ["organization", "kind", "country", "sectors", "instruments", "ticket_min_usd",
                 "ticket_max_usd", "description"]  # fmt: skip
        data = {name: getattr(investor, name) for name in names} | dict(incoming.validated_data)
        profile = services.Profile(
            organization=data["organization"], kind=data["kind"], country=data["country"],
            sectors=list(data["sectors"]), instruments=list(data["instruments"]),
            ticket_min_usd=data["ticket_min_usd"], ticket_max_usd=data["ticket_max_usd"],
            description=data["description"],
        )  # fmt: skip
        try:
            investor = services.investor_update(user=request.user, profile=profile)
        except services.Refused as refusal:
            raise _refusal(refusal) from None
        return Response(InvestorSerializer(investor).data)


class InterestList(generics.ListAPIView):
    """Expressions of interest the caller may see; POST expresses one (verified investors)."""

    permission_classes = [IsAuthenticated]
    serializer_class = InterestSerializer

    def get_queryset(self) -> QuerySet[Interest]:
        return selectors.interests_visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(tags=["investors"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["investors"], request=InterestInputSerializer, responses=InterestSerializer
    )
    def post(self, request: Request) -> Response:
        data = InterestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = (
            Opportunity.objects.published().filter(slug=data.validated_data["opportunity"]).first()
        )
        if opportunity is None:
            raise exceptions.ValidationError(
                {"opportunity": ["No published opportunity has this slug."]}
            )
        try:
            interest = services.interest_express(
                user=request.user, opportunity=opportunity, message=data.validated_data["message"]
            )
        except services.Refused as refusal:
            raise _refusal(refusal) from None
        return Response(InterestSerializer(interest).data, status=status.HTTP_201_CREATED)


class InterestDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = InterestSerializer

    def get_queryset(self) -> QuerySet[Interest]:
        return selectors.interests_visible_to(self.request.user)

    @extend_schema(tags=["investors"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class InterestSteps(APIView):
    """Record the lead's next step (the host state's focal points and the secretariat)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["investors"], request=LeadStepInputSerializer, responses=InterestSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        interest = selectors.interests_visible_to(request.user).filter(pk=pk).first()
        if interest is None:
            raise exceptions.NotFound()
        data = LeadStepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.lead_advance(user=request.user, interest=interest, **data.validated_data)
        except services.Refused as refusal:
            raise _refusal(refusal) from None
        interest = selectors.interests_visible_to(request.user).get(pk=pk)
        return Response(InterestSerializer(interest).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("investors/me/", InvestorMe.as_view(), name="investor-me"),
    path("interests/", InterestList.as_view(), name="interest-list"),
    path("interests/<int:pk>/", InterestDetail.as_view(), name="interest-detail"),
    path("interests/<int:pk>/steps/", InterestSteps.as_view(), name="interest-steps"),
]
