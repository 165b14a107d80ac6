from django.urls import path

from d8coop.b2b import views

app_name = "b2b"
urlpatterns = [
    path("<slug:slug>/", views.event_page, name="event"),
    path("<slug:slug>/requests/", views.request_create, name="request-create"),
    path("<slug:slug>/requests/<int:pk>/<str:verb>/", views.request_answer, name="request-answer"),
    path("<slug:slug>/schedule/<int:nomination_pk>/", views.print_schedule, name="print"),
    path("<slug:slug>/organize/", views.organize, name="organize"),
    path("<slug:slug>/organize/build/", views.organize_build, name="build"),
    path("<slug:slug>/organize/freeze/", views.organize_freeze, name="freeze"),
    path("<slug:slug>/organize/schedule.csv", views.schedule_csv, name="csv"),
]
