from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from d8coop.accounts.views import admin_sign_in
from d8coop.portal.sitemaps import SITEMAPS

urlpatterns = [
    path("", include("d8coop.portal.urls")),
    path("accounts/", include("d8coop.accounts.urls")),
    path("workspace/", include("d8coop.workspace.urls")),
    path("consultations/", include("d8coop.consultations.urls")),
    path("investors/", include("d8coop.investors.urls")),
    path("notifications/", include("d8coop.notifications.urls")),
    path("statistics/", include("d8coop.statistics.urls")),
    path("directory/", include("d8coop.directory.urls")),
    path("opportunities/", include("d8coop.opportunities.urls")),
    path("b2b/", include("d8coop.b2b.urls")),
    path("participation/", include("d8coop.participation.urls")),
    path("matches/", include("d8coop.matchmaking.urls")),
    # The back office signs people in on the site's sign-in page, with its second step.
    path("admin/login/", admin_sign_in, name="admin-sign-in"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("d8coop.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

admin.site.site_header = _("D-8 Industrial Cooperation — back office")
admin.site.site_title = _("D-8 back office")
