"""SME directory pages under /directory/. Managing pages are the focal points' and the
secretariat's; an invitation's link holds its own signed secret. No page that shows members'
data is cached."""

from django.urls import path
from django.views.decorators.cache import never_cache

from d8coop.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.directory, name="list"),
    path("mine/", never_cache(views.my_profiles), name="mine"),
    path("manage/", never_cache(views.manage), name="manage"),
    path("manage/new/", never_cache(views.profile_create), name="create"),
    path("manage/export.<str:fmt>", never_cache(views.manage_export), name="export"),
    path("manage/<slug:slug>/", never_cache(views.manage_detail), name="manage-detail"),
    path("manage/<slug:slug>/validate/", views.profile_validate, name="validate"),
    path("manage/<slug:slug>/archive/", views.profile_archive, name="archive"),
    path("manage/<slug:slug>/invite/", views.invitation_send, name="invite"),
    path(
        "invitations/<str:token>/",
        never_cache(views.invitation_accept),
        name="invitation-accept",
    ),
    path("<slug:slug>/", never_cache(views.profile_detail), name="detail"),
    path("<slug:slug>/edit/", never_cache(views.profile_edit), name="edit"),
    path("<slug:slug>/publication/", views.profile_publication, name="publication"),
]
