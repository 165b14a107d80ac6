from django.urls import path

from d8coop.opportunities import views
from d8coop.opportunities.feeds import OpportunitiesFeed

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("feed/", OpportunitiesFeed(), name="feed"),
    path("mine/", views.my_opportunities, name="mine"),
    path("mine/export.csv", views.export, {"fmt": "csv"}, name="export-csv"),
    path("mine/export.xlsx", views.export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("vetting/", views.vetting_queue, name="vetting"),
    path("new/", views.opportunity_create, name="create"),
    path("<slug:slug>/", views.opportunity_detail, name="detail"),
    path("<slug:slug>/edit/", views.opportunity_edit, name="edit"),
    path("<slug:slug>/submit/", views.opportunity_submit, name="submit"),
    path("<slug:slug>/vet/", views.opportunity_vet, name="vet"),
    path("<slug:slug>/renew/", views.opportunity_renew, name="renew"),
    path("<slug:slug>/close/", views.opportunity_close, name="close"),
    path("<slug:slug>/documents/", views.document_upload, name="document-upload"),
    path("<slug:slug>/documents/<int:pk>/", views.document_file, name="document"),
]
