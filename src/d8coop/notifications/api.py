"""The caller's own notifications and preferences in the REST API (/api/v1/notifications/).

Every endpoint needs a signed-in caller (token or session) and acts on the caller's own
notices only: anyone else's is a 404, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from d8coop.notifications import selectors, services
from d8coop.notifications.models import Kind, Notification, Preference
from d8coop.notifications.permissions import get_notification_for_user


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    text = serializers.CharField(source="body", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "text",
            "url",
            "created_at",
            "read_at",
            "emailed_at",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notices were unread and are now read.")


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.SerializerMethodField()
    delivery = serializers.ChoiceField(choices=Preference.Delivery.choices)

    def get_kind_label(self, obj: dict) -> str:
        return str(Kind(obj["kind"]).label)


class PreferencesSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True)

    def validate_preferences(self, value: list[dict]) -> list[dict]:
        kinds = [row["kind"] for row in value]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError("Each kind may appear only once.")
        return value


def _preferences_body(user) -> dict:
    deliveries = selectors.deliveries_of(user)
    rows = [{"kind": kind, "delivery": delivery} for kind, delivery in deliveries.items()]
    return PreferencesSerializer({"preferences": rows}).data


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notices, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Notification.objects.none()
        return selectors.notices_of(self.request.user)

    def get_object(self) -> Notification:
        return get_notification_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one of the caller's notices read (no change if it was)."""
        notification = self.get_object()
        services.notification_mark_read(notification=notification)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all the caller's notices read."""
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(MarkedReadSerializer({"marked": marked}).data)


@extend_schema(tags=["notifications"])
class PreferencesView(APIView):
    """How the caller receives each kind of notice: `immediate` (e-mail at once), `digest`
    (one e-mail a day) or `none` (in the platform only). Kinds left out of a PUT keep their
    choice; a PUT with any bad entry changes nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request: Request) -> Response:
        return Response(_preferences_body(request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def put(self, request: Request) -> Response:
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deliveries = {
            row["kind"]: row["delivery"] for row in serializer.validated_data["preferences"]
        }
        services.preferences_update(user=request.user, deliveries=deliveries, reason="API")
        return Response(_preferences_body(request.user), status=status.HTTP_200_OK)


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path(
        "notifications/preferences/",
        PreferencesView.as_view(),
        name="notification-preferences",
    ),
    *router.urls,
]
