from django.urls import path

from d8coop.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("action-items/<int:pk>/report/", views.report_progress, name="report-progress"),
    path("progress-reports/<int:pk>/attachment/", views.progress_attachment, name="attachment"),
    path("meetings/<slug:slug>/follow-up/", views.follow_up, name="follow-up"),
]
