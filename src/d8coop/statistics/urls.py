from django.urls import path

from d8coop.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("published-sme-counts.csv", views.overview_csv, name="overview_csv"),
    path("definitions/", views.definitions, name="definitions"),
]
