"""Invitations through the API: the secretariat invites a person by e-mail, under the same rules
as the invitations page (`services.invitation_send`). The link's token is never returned: it
goes to the invited address only."""

from __future__ import annotations

from smtplib import SMTPException

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from d8coop.accounts import services
from d8coop.accounts.client import client_ip
from d8coop.accounts.models import Invitation
from d8coop.accounts.permissions import is_secretariat
from d8coop.cooperation.models import Body
from d8coop.members.models import MemberState


class IsSecretariat(BasePermission):
    message = "Only the secretariat sends invitations."

    def has_permission(self, request, view) -> bool:
        return is_secretariat(request.user)


class MemberStateCodeField(serializers.SlugRelatedField):
    """A member state by its ISO code, in capitals or not."""

    def to_internal_value(self, data):
        return super().to_internal_value(str(data).strip().upper())


class InvitationSerializer(serializers.ModelSerializer):
    member_state = MemberStateCodeField(
        slug_field="code", queryset=MemberState.objects.all(), required=False, allow_null=True
    )
    bodies = serializers.SlugRelatedField(
        slug_field="slug", queryset=Body.objects.all(), many=True, required=False
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "member_state", "bodies", "name", "language", "status",
                  "created_at", "expires_at"]  # fmt: skip
        read_only_fields = ["id", "status", "created_at", "expires_at"]

    def validate(self, attrs):
        errors = services.invitation_errors(
            by=self.context["request"].user,
            email=attrs["email"],
            role=attrs["role"],
            state=attrs.get("member_state"),
            bodies=list(attrs.get("bodies", [])),
            name=attrs.get("name", ""),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EmailNotSent(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The e-mail could not be sent, so nothing was saved. Try again later."
    default_code = "email_not_sent"


class InvitationCreate(APIView):
    """Invite a person by e-mail (secretariat only; secretariat staff by administrators only).

    The person gets an e-mail with a single-use link, valid INVITATION_VALID_DAYS days.
    """

    permission_classes = [IsSecretariat]

    @extend_schema(
        tags=["invitations"],
        request=InvitationSerializer,
        responses={201: InvitationSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = InvitationSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            invitation = services.invitation_send(
                by=request.user, email=data["email"], role=data["role"],
                state=data.get("member_state"), bodies=list(data.get("bodies", [])),
                name=data.get("name", ""), language=data["language"], ip=client_ip(request),
                site_url=request.build_absolute_uri("/"),
            )  # fmt: skip
        except services.InvitationRefused as refused:
            raise serializers.ValidationError(refused.errors) from refused
        except (SMTPException, OSError) as exc:
            raise EmailNotSent from exc
        output = InvitationSerializer(invitation, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


urlpatterns = [path("invitations/", InvitationCreate.as_view(), name="invitations")]
