"""The read-only REST API, version 1 (mounted at /api/v1/)."""

from rest_framework.routers import DefaultRouter

from d8coop.accounts import api as accounts_api
from d8coop.api import views
from d8coop.b2b import api as b2b_api
from d8coop.consultations import api as consultations_api
from d8coop.cooperation import api as cooperation_api
from d8coop.directory import api as directory_api
from d8coop.investors import api as investors_api
from d8coop.matchmaking import api as matchmaking_api
from d8coop.notifications import api as notifications_api
from d8coop.opportunities import api as opportunities_api
from d8coop.participation import api as participation_api
from d8coop.statistics import api as statistics_api

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

# The caller's own notifications (read and written; not part of the registry's root list).
urlpatterns = router.urls + cooperation_api.urlpatterns + notifications_api.urlpatterns
# The secretariat's invitations (POST only).
urlpatterns += accounts_api.urlpatterns
# Consultations by silence procedure (members only; circulate, answer, results).
urlpatterns += consultations_api.urlpatterns
# SME definitions and exchange rates (public, read-only).
urlpatterns += statistics_api.urlpatterns
# B2B meetings at events: own requests, answers, schedules.
urlpatterns += b2b_api.urlpatterns
# Matchmaking (read only; same rights as the /matches/ pages).
urlpatterns += matchmaking_api.urlpatterns
# Investment opportunities (public once published; writes by focal points and the secretariat).
urlpatterns += opportunities_api.urlpatterns
# The SME directory (public profiles for all; writes by focal points and maintainers).
urlpatterns += directory_api.urlpatterns
# Investors' profiles, expressions of interest and lead steps (signed in; see the module).
urlpatterns += investors_api.urlpatterns
# Participation in exhibitions and workshops: events (public), nominations (signed in).
urlpatterns += participation_api.urlpatterns
