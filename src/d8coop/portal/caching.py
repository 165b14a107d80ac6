"""A short-lived cache of public pages for anonymous visitors.

A page is keyed by its URL, language, htmx flag, the day (overdue flags change at midnight) and
the registry version, which any committed write to the registry bumps. Signed-in users, who may
see members-only data, always get a fresh page. The version must be shared by every web process,
so the cache is on by default only with Redis (settings.PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

VERSION_KEY = "registry-version"
CACHED_APPS = {"core", "members", "cooperation", "portal"}


def registry_version() -> int:
    # Starting from the clock, a version lost to eviction never comes back as an older one.
    return cache.get_or_set(VERSION_KEY, time.time_ns, timeout=None)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted: any new value is newer than every cached page's
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def bump_registry_version(**_: object) -> None:
    """After the write commits: a page rendered before the commit must not get the new version."""
    transaction.on_commit(_bump)


def connect_invalidation() -> None:
    """Any write to a registry model makes every cached page stale."""
    for model in apps.get_models():
        if model._meta.app_label in CACHED_APPS:
            uid = f"page-cache-{model._meta.label}"
            post_save.connect(bump_registry_version, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(bump_registry_version, sender=model, dispatch_uid=uid + "-del")
    m2m_changed.connect(bump_registry_version, dispatch_uid="page-cache-m2m")


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap asks for a fragment; htmx restoring history asks for the whole page."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    htmx = "fragment" if wants_fragment(request) else "page"
    day = timezone.localdate().isoformat()
    language = translation.get_language()
    return f"page:{registry_version()}:{day}:{language}:{htmx}:{digest}"


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        timeout = settings.PAGE_CACHE_SECONDS
        if not timeout or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = _key(request)
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            # A page holding a CSRF token or setting a cookie belongs to one visitor only.
            personal = response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            if response.status_code == 200 and not personal:
                cache.set(key, response, timeout)
        return response

    return wrapper
