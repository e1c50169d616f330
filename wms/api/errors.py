"""One shape for every API error: ``{"code": ..., "detail": ..., "fields": {...}}``.

Domain errors raised by services become 400 (or 409 for a conflicting state change) with their
machine-readable code; DRF's own errors keep their status and get a code too. Database
integrity errors that slip past validation are a 409, values the database refuses (a number out
of its range) a 400: never a 500.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.errors import DomainError


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_field_errors(item) for item in detail]  # type: ignore[return-value]
    return {"message": str(detail), "code": getattr(detail, "code", "invalid")}  # type: ignore[return-value]


def _first_code(fields: Any) -> str:
    if isinstance(fields, dict):
        if "code" in fields and isinstance(fields["code"], str):
            return fields["code"]
        for value in fields.values():
            return _first_code(value)
    if isinstance(fields, list) and fields:
        return _first_code(fields[0])
    return "invalid"


def _django_validation_detail(exc: DjangoValidationError) -> dict[str, Any]:
    """A model's full_clean() errors with their codes kept ("unique", "invalid", ...)."""
    detail = get_error_detail(exc)
    if isinstance(detail, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: detail}
    if "__all__" in detail:  # django.core.exceptions.NON_FIELD_ERRORS
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop("__all__")
    return detail


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [{"message": exc.message, "code": exc.code}]}
        body.update(exc.extra)
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError):
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, DataError):
        return Response(
            {"code": "out_of_range", "detail": "A value is out of the range the system can store."},
            status=status.HTTP_400_BAD_REQUEST,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        response.data = {
            "code": _first_code(fields),
            "detail": "The request has invalid fields.",
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
        }
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a URL under /api/ that matches no route (an id that is not a number, a
    mistyped path) answers in the API's error shape, as a missing object does; pages keep the
    404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
