from django.urls import path

from d8coop.consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_create, name="create"),
    path("results/", views.published_list, name="published-list"),
    path("results/<int:pk>/", views.published_detail, name="published-detail"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/rounds/new/", views.round_create, name="round-create"),
    path("<int:pk>/rounds/<int:number>/answer/", views.answer_create, name="answer"),
    path("<int:pk>/versions/<int:number>/file/", views.version_file, name="version-file"),
    path("<int:pk>/answers/<int:answer_pk>/file/", views.answer_file, name="answer-file"),
    path("<int:pk>/diff/", views.version_diff, name="diff"),
    path("<int:pk>/matrix/", views.comment_matrix, name="matrix"),
    path("<int:pk>/matrix.csv", views.comment_matrix_csv, name="matrix-csv"),
    path("<int:pk>/publish/", views.consultation_publish, name="publish"),
]
