"""The read-only REST API, version 1 (mounted at /api/v1/)."""

from rest_framework.routers import DefaultRouter

from d8coop.api import views
from d8coop.cooperation import api as cooperation_api

app_name = "api"

router = DefaultRouter()
router.register("member-states", views.MemberStateViewSet, basename="member-state")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("bodies", views.BodyViewSet, basename="body")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("outcomes", views.OutcomeViewSet, basename="outcome")
router.register("action-items", views.ActionItemViewSet, basename="action-item")
router.register("contacts", views.ContactViewSet, basename="contact")

urlpatterns = router.urls + cooperation_api.urlpatterns
