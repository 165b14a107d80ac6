from django.urls import path

from d8coop.statistics import views

app_name = "statistics"

urlpatterns = [
    path("definitions/", views.definitions, name="definitions"),
]
