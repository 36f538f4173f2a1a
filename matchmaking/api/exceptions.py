"""One error body for every failure:

    {"error": {"code": "invalid", "message": "…", "fields": {"title": ["…"]}}}

`fields` is always present (empty when the error is not about a field). Django
`ValidationError`s raised by the services become 400s with their field errors,
`PermissionDenied` 403, objects the user may not see 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

NON_FIELD = "non_field_errors"


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(name): _flatten(value) for name, value in detail.items()}
    return {}


def django_validation_error_to_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in errors_messages]
            for name, errors_messages in error.message_dict.items()
        }
    else:
        detail = {NON_FIELD: [str(message) for message in error.messages]}
    return exceptions.ValidationError(detail)


def error_response(code: str, message: str, http_status: int, fields=None, headers=None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return Response(body, status=http_status, headers=headers)


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        messages = _flatten(exc.detail)
        body = {
            "error": {
                "code": "invalid",
                "message": " ".join(messages) if messages else _("Invalid input."),
                "fields": fields,
            }
        }
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        messages = _flatten(getattr(exc, "detail", str(exc)))
        body = {"error": {"code": code, "message": " ".join(messages), "fields": {}}}
    response.data = body
    return response
