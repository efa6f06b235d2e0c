"""One error shape for the whole API: {"code", "message", "errors": {field: [...]}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rapport.core.errors import OutOfReachError, StaleObjectError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, detail=None, changes=None):
        super().__init__(detail or _("The record changed since you read it (stale If-Match)."))
        self.changes = changes or []


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in _flatten(value)]
            if not isinstance(value, dict)
            else _field_errors(value)
            for key, value in detail.items()
        }
    return {"non_field_errors": [str(m) for m in _flatten(detail)]}


def error_body(code: str, message: str, errors: dict | None = None, **more) -> dict:
    return {"code": code, "message": message, "errors": errors or {}, **more}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OutOfReachError):
        exc = exceptions.ValidationError({"non_field_errors": [str(exc.message)]})
    elif isinstance(exc, StaleObjectError):
        return Response(
            error_body("conflict", str(exc), changes=exc.changes, version=exc.obj.version),
            status=status.HTTP_409_CONFLICT,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        message = _("The request has invalid fields.")
        response.data = error_body("validation_error", message, errors)
    elif isinstance(exc, PreconditionFailed):
        response.data = error_body(exc.default_code, str(exc.detail), changes=exc.changes)
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if hasattr(exc, "get_codes") else code
        response.data = error_body(
            codes if isinstance(codes, str) else code, " ".join(_flatten(detail))
        )
    return response


def api_aware_404(request, exception=None):
    """Unknown URLs under /api/ answer the API's error shape; pages get the 404 page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        body = error_body("not_found", str(exceptions.NotFound.default_detail))
        return JsonResponse(body, status=404)
    return page_not_found(request, exception)
