"""The SME directory through the API, under the same rules as the pages (same permissions, same
services). Anyone reads public, validated profiles (without the contact's e-mail and
telephone); members read those contact details; focal points and the secretariat also read
and write the profiles of the states they manage; an SME's maintainer reads and edits its own.

/api/v1/sme-profiles/                        GET list (filters as on /directory/), POST create
/api/v1/sme-profiles/{slug}/                 GET one, PUT/PATCH edit
/api/v1/sme-profiles/{slug}/validate/        POST (focal point of the state, secretariat)
/api/v1/sme-profiles/{slug}/archive/         POST (focal point of the state, secretariat)
/api/v1/sme-profiles/{slug}/publication/     POST {public, consent_note} (the SME, focal point)
/api/v1/sme-profiles/{slug}/invitations/     POST {email, language}: invite a maintainer
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from d8coop.directory import permissions, selectors, services
from d8coop.directory.models import Product, SmeProfile
from d8coop.members.models import MemberState, Organization
from d8coop.statistics.models import SmeDefinition

# --------------------------------------------------------------------------- representations


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["hs_code", "description"]
        extra_kwargs = {
            "hs_code": {"help_text": "Harmonized System code: 2, 4 or 6 digits."},
        }


class SmeProfileSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(
        source="member_state.code", read_only=True, help_text="ISO code of the member state."
    )
    size_definition = serializers.CharField(
        source="size_definition.code", read_only=True, allow_null=True, default=None,
        help_text="Code of the national SME definition the size class follows "
        "(see /api/v1/sme-definitions/).",
    )  # fmt: skip
    introduced_by = serializers.CharField(
        source="introduced_by.slug", read_only=True, allow_null=True, default=None,
        help_text="Slug of the national SME organization that introduced the SME.",
    )  # fmt: skip
    products = ProductSerializer(many=True, read_only=True)
    certifications = serializers.ListField(child=serializers.CharField(), read_only=True)
    export_markets = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="ISO 3166 alpha-2 codes."
    )
    contact_email = serializers.SerializerMethodField(
        help_text="Members of the platform and the SME's maintainer only; null for others."
    )
    contact_phone = serializers.SerializerMethodField(
        help_text="Members of the platform and the SME's maintainer only; null for others."
    )
    status = serializers.CharField(
        read_only=True, help_text="draft (awaiting validation), validated or archived."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = SmeProfile
        fields = [
            "slug", "name", "member_state", "city", "description", "capabilities",
            "isic_section", "size_class", "size_definition", "size_class_basis", "employees",
            "products", "certifications", "export_markets", "website", "contact_name",
            "contact_email", "contact_phone", "introduced_by", "public", "status",
            "validated_at", "created_at", "updated_at", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def _shows_contact(self, profile: SmeProfile) -> bool:
        request = self.context.get("request")
        return request is not None and permissions.can_see_contact(request.user, profile)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_email(self, profile: SmeProfile) -> str | None:
        return profile.contact_email if self._shows_contact(profile) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_phone(self, profile: SmeProfile) -> str | None:
        return profile.contact_phone if self._shows_contact(profile) else None

    def get_url(self, profile: SmeProfile) -> str:
        return profile.get_absolute_url()


class ProductInput(serializers.Serializer):
    hs_code = serializers.CharField(max_length=20, help_text="2, 4 or 6 digits.")
    description = serializers.CharField(max_length=300, allow_blank=True)


class SmeProfileInput(serializers.Serializer):
    """The profile's fields; the rules (codes, definitions, rights) are the services'."""

    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all(), required=False,
        help_text="ISO code of the member state (on creation only).",
    )  # fmt: skip
    name = serializers.CharField(max_length=300)
    description = serializers.CharField()
    isic_section = serializers.CharField(max_length=1, help_text="ISIC Rev.4 section, A to U.")
    size_class = serializers.CharField(max_length=10, help_text="micro, small or medium.")
    city = serializers.CharField(required=False, allow_blank=True, default="")
    capabilities = serializers.CharField(required=False, allow_blank=True, default="")
    size_definition = serializers.SlugRelatedField(
        slug_field="code", queryset=SmeDefinition.objects.all(), required=False,
        allow_null=True, default=None, help_text="Code of a national SME definition.",
    )  # fmt: skip
    employees = serializers.IntegerField(required=False, allow_null=True, default=None)
    certifications = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list
    )
    export_markets = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, default=list,
        help_text="ISO 3166 alpha-2 codes.",
    )  # fmt: skip
    products = ProductInput(many=True, required=False, default=list)
    website = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    introduced_by = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), required=False,
        allow_null=True, default=None,
    )  # fmt: skip

    def profile_input(self) -> services.ProfileInput:
        data = dict(self.validated_data)
        data.pop("member_state", None)
        data["products"] = [(p["hs_code"], p["description"]) for p in data["products"]]
        return services.ProfileInput(**data)


class PublicationInput(serializers.Serializer):
    public = serializers.BooleanField()
    consent_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300,
        help_text="How the SME agreed; required when a focal point publishes.",
    )  # fmt: skip


class InvitationInput(serializers.Serializer):
    email = serializers.EmailField(
        required=False, allow_blank=True, default="",
        help_text="Empty: the profile's contact e-mail.",
    )  # fmt: skip
    language = serializers.CharField(required=False, default="en", max_length=10)


class InvitationSentSerializer(serializers.Serializer):
    email = serializers.EmailField()
    expires_at = serializers.DateTimeField()


# --------------------------------------------------------------------------- views

FILTERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=text)
    for name, text in [
        ("q", "Words, ranked by full-text search."),
        ("country", "ISO code of the member state."),
        ("sector", "ISIC section."),
        ("size", "micro, small or medium."),
        ("hs", "Start of an HS code (1 to 6 digits)."),
        ("certification", "Part of a certification's name."),
        ("market", "ISO code of an export market."),
        ("status", "draft, validated or archived (profiles the caller manages)."),
    ]
]


@extend_schema(tags=["SME directory"])
class SmeProfileViewSet(viewsets.GenericViewSet):
    serializer_class = SmeProfileSerializer
    permission_classes = [AllowAny]  # reads are filtered, writes checked by the services
    queryset = SmeProfile.objects.none()  # for the schema; every call checks access
    lookup_field = "slug"
    filter_backends: list = []

    def _profile(self, *, write: bool = False) -> SmeProfile:
        return permissions.get_profile_for_user(self.request.user, self.kwargs["slug"], write=write)

    def _filters(self) -> selectors.Filters:
        params = self.request.query_params
        hs = params.get("hs", "")
        return selectors.Filters(
            q=params.get("q", "").strip()[:200], country=params.get("country", "").upper(),
            sector=params.get("sector", "").upper(), size=params.get("size", ""),
            hs=hs if hs.isdigit() and len(hs) <= 6 else "",
            certification=params.get("certification", "").strip()[:100],
            market=params.get("market", "").upper()[:2], status=params.get("status", ""),
        )  # fmt: skip

    def _detail(self, profile: SmeProfile, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.with_relations(SmeProfile.objects.filter(pk=profile.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    def _require_signed_in(self) -> None:
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()

    @extend_schema(parameters=FILTERS, responses=SmeProfileSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Public, validated profiles for everyone; every status of the profiles the caller
        manages or maintains. Ranked by relevance when `q` is given, by name otherwise."""
        listing = selectors.profile_listing(
            permissions.profiles_visible_to(request.user), self._filters()
        )
        page = self.paginate_queryset(listing.profiles)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, slug: str) -> Response:
        return self._detail(self._profile())

    @extend_schema(request=SmeProfileInput, responses={201: SmeProfileSerializer})
    def create(self, request: Request) -> Response:
        """Introduce an SME (a focal point of `member_state`, or the secretariat); it awaits
        validation."""
        self._require_signed_in()
        data = SmeProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        state = data.validated_data.get("member_state")
        if state is None:
            raise exceptions.ValidationError({"member_state": [_("Give the member state.")]})
        profile = services.sme_profile_create(
            by=request.user, member_state=state, data=data.profile_input()
        )
        return self._detail(profile, status.HTTP_201_CREATED)

    @extend_schema(request=SmeProfileInput, responses=SmeProfileSerializer)
    def update(self, request: Request, slug: str) -> Response:
        """Edit the profile (every field given); a maintainer's change to a validated profile
        sends it back to awaiting validation."""
        return self._edit(request, partial=False)

    @extend_schema(request=SmeProfileInput, responses=SmeProfileSerializer)
    def partial_update(self, request: Request, slug: str) -> Response:
        """Edit some fields of the profile; the others keep their values."""
        return self._edit(request, partial=True)

    def _edit(self, request: Request, *, partial: bool) -> Response:
        self._require_signed_in()
        profile = self._profile(write=True)
        values: Any = request.data
        if partial:
            values = {**_current_values(profile), **request.data}
        data = SmeProfileInput(data=values)
        data.is_valid(raise_exception=True)
        services.sme_profile_update(by=request.user, profile=profile, data=data.profile_input())
        return self._detail(profile)

    @extend_schema(request=None, responses=SmeProfileSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, slug: str) -> Response:
        self._require_signed_in()
        profile = self._profile()
        services.sme_profile_validate(by=request.user, profile=profile)
        return self._detail(profile)

    @extend_schema(request=None, responses=SmeProfileSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, slug: str) -> Response:
        self._require_signed_in()
        profile = self._profile()
        services.sme_profile_archive(by=request.user, profile=profile)
        return self._detail(profile)

    @extend_schema(request=PublicationInput, responses=SmeProfileSerializer)
    @action(detail=True, methods=["post"])
    def publication(self, request: Request, slug: str) -> Response:
        """Opt in or out of the public directory: the SME's maintainer, or a focal point
        recording how the SME agreed."""
        self._require_signed_in()
        profile = self._profile()
        data = PublicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.sme_profile_set_public(by=request.user, profile=profile, **data.validated_data)
        return self._detail(profile)

    @extend_schema(request=InvitationInput, responses={201: InvitationSentSerializer})
    @action(detail=True, methods=["post"])
    def invitations(self, request: Request, slug: str) -> Response:
        """E-mail the SME a single-use link to keep its profile current."""
        self._require_signed_in()
        profile = self._profile()
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.maintainer_invitation_send(
            by=request.user, profile=profile, site_url=request.build_absolute_uri("/"),
            **data.validated_data,
        )  # fmt: skip
        body = InvitationSentSerializer(invitation).data
        return Response(body, status=status.HTTP_201_CREATED)


def _current_values(profile: SmeProfile) -> dict[str, Any]:
    return {
        "name": profile.name, "description": profile.description,
        "isic_section": profile.isic_section, "size_class": profile.size_class,
        "city": profile.city, "capabilities": profile.capabilities,
        "size_definition": profile.size_definition.code if profile.size_definition else None,
        "employees": profile.employees, "certifications": profile.certifications,
        "export_markets": profile.export_markets,
        "products": [
            {"hs_code": p.hs_code, "description": p.description} for p in profile.products.all()
        ],
        "website": profile.website, "contact_name": profile.contact_name,
        "contact_email": profile.contact_email, "contact_phone": profile.contact_phone,
        "introduced_by": profile.introduced_by.slug if profile.introduced_by else None,
    }  # fmt: skip


router = SimpleRouter()
router.register("sme-profiles", SmeProfileViewSet, basename="sme-profile")

urlpatterns = router.urls
