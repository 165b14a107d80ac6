"""Pages under /notifications/: the signed-in user's own notices and preferences, and the
one-click unsubscribe that e-mails link to (no sign-in: the signed token is the proof). No page
here is ever cached."""

from django.urls import path
from django.views.decorators.cache import never_cache

from d8coop.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", never_cache(views.notification_list), name="list"),
    path("<int:pk>/read/", never_cache(views.notification_read), name="read"),
    path("read-all/", never_cache(views.notifications_read_all), name="read-all"),
    path("preferences/", never_cache(views.preferences), name="preferences"),
    path("unsubscribe/<str:token>/", never_cache(views.unsubscribe), name="unsubscribe"),
]
