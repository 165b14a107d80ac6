"""API errors as JSON: a machine-readable code and a human message."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Django's own exceptions carry no error code; give them DRF's.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ValidationError):
        # A service's refusal of bad input: field by field when it names fields.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = getattr(exc, "get_codes", lambda: "error")()
    code = codes if isinstance(codes, str) else "invalid"
    detail = response.data
    message = detail.get("detail") if isinstance(detail, dict) else None
    body: dict[str, Any] = {"code": code, "message": str(message or "The request is invalid.")}
    if message is None:
        body["errors"] = detail
    response.data = body
    return response
