from django.urls import path

from d8coop.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("<slug:slug>/", views.event_detail, name="event"),
    path("<slug:slug>/settings/", views.event_settings, name="settings"),
    path("<slug:slug>/quotas/", views.quota_set, name="quota"),
    path("<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("<slug:slug>/nominations/<int:pk>/survey/", views.survey, name="survey"),
    path(
        "<slug:slug>/nominations/<int:pk>/<str:action>/",
        views.nomination_action,
        name="nomination-action",
    ),
    path("<slug:slug>/<str:what>.<str:fmt>", views.export, name="export"),
]
