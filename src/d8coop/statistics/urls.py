from django.urls import path

from d8coop.statistics import data_views, indicator_views, upload_views, views

app_name = "statistics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("published-sme-counts.csv", views.overview_csv, name="overview_csv"),
    path("definitions/", views.definitions, name="definitions"),
    path("indicators/", indicator_views.indicators, name="indicators"),
    path("sme-database/", data_views.database, name="database"),
    path("open-data/", data_views.open_data, name="open_data"),
    path("downloads/d8-sme-statistics.zip", data_views.package_download, name="data_package"),
    path("downloads/<slug:table>.<str:fmt>", data_views.download, name="download"),
    path("uploads/", upload_views.upload_list, name="uploads"),
    path("uploads/new/", upload_views.upload_create, name="upload-create"),
    path("uploads/<int:pk>/", upload_views.upload_detail, name="upload"),
    path("uploads/<int:pk>/progress/", upload_views.upload_progress, name="upload-progress"),
    path("uploads/<int:pk>/mapping/", upload_views.upload_mapping, name="upload-mapping"),
    path("uploads/<int:pk>/rejects.csv", upload_views.upload_rejects, name="upload-rejects"),
    path("uploads/<int:pk>/original", upload_views.upload_original, name="upload-original"),
]
