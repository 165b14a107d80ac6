from django.urls import path

from d8coop.investors import views

app_name = "investors"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("verify/resend/", views.verify_resend, name="verify-resend"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.me_edit, name="me-edit"),
    path("interest/<slug:slug>/", views.interest_express, name="interest"),
    path("leads/", views.leads, name="leads"),
    path("leads/<int:pk>/", views.lead, name="lead"),
    path("outcomes/", views.outcome_statistics, name="outcomes"),
]
