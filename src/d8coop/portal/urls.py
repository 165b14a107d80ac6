from django.urls import path

from d8coop.portal import feeds, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.switch_language, name="switch-language"),
    path("members/", views.member_state_list, name="member-states"),
    path("members/<str:code>/", views.member_state_detail, name="member-state"),
    path("bodies/", views.body_list, name="bodies"),
    path("bodies/<slug:slug>/", views.body_detail, name="body"),
    path("bodies/<slug:slug>/<slug:tab>/", views.body_detail, name="body-tab"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/calendar.ics", views.meetings_ics, name="meetings-ics"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting"),
    path("meetings/<slug:slug>/event.ics", views.meeting_ics, name="meeting-ics"),
    path("documents/", views.document_list, name="documents"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("actions/", views.action_item_list, name="action-items"),
    path("actions/<int:pk>/", views.action_item_detail, name="action-item"),
    path("news/", views.news_list, name="news"),
    path("news/feed.atom", feeds.NewsFeed(), name="news-feed"),
    path("news/<slug:slug>/", views.news_detail, name="news-item"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<slug:slug>/", views.contact_detail, name="contact"),
    path("contacts/<slug:slug>/vcard.vcf", views.contact_vcard, name="contact-vcard"),
    path("search/", views.search_view, name="search"),
    path("sources/", views.source_list, name="sources"),
    path("scorecards/", views.scorecard_page, name="scorecards"),
    path("scorecards/scorecards.csv", views.scorecard_csv, name="scorecards-csv"),
    path("scorecards/publish/", views.scorecard_publish, name="scorecards-publish"),
]
