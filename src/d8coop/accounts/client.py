"""The address a request comes from, behind a known number of trusted proxies.

With no trusted proxy (the default) it is REMOTE_ADDR. Behind N proxies that each append to
X-Forwarded-For, the client is the N-th address from the right: anything further left was
written by the client and cannot be trusted.
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a]
        if len(forwarded) >= proxies:
            return _valid(forwarded[-proxies])
    return _valid(request.META.get("REMOTE_ADDR", ""))
