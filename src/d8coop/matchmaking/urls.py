from django.urls import path

from d8coop.matchmaking import views

app_name = "matchmaking"
urlpatterns = [
    path("opportunities/<slug:slug>/", views.opportunity_matches, name="opportunity"),
    path("smes/<slug:slug>/", views.sme_matches, name="sme"),
    path("investor/", views.investor_matches, name="investor"),
]
