"""WSGI entry point for the benchmark: the real project plus one minimal view.

Used by ``scripts/bench_task_force_page.py``, which starts gunicorn with ``PYTHONPATH=scripts``
and ``bench_minimal_app:application``. Settings come from the environment as usual (see
``d8coop.settings``); only ``ROOT_URLCONF`` is patched, to this module, whose URLconf is the
project's own plus ``/__bench__/minimal``. Both the task-force page and the minimal view are
therefore served by the same process, settings and middleware stack.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "d8coop.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

MINIMAL_PATH = "/__bench__/minimal"


def minimal(request: HttpRequest) -> HttpResponse:
    """The baseline: no database, no template, only the middleware stack."""
    return HttpResponse("ok")


urlpatterns = [
    path(MINIMAL_PATH.lstrip("/"), minimal, name="bench-minimal"),
    path("", include("d8coop.urls")),
]

settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
