"""OpenAPI pieces shared by every endpoint: the error body and the usual error responses."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

SCOPE_NOTE = (
    "Users see and change only the warehouses they are scoped to. An object of another "
    "warehouse answers 404 as if it did not exist; a write that names another warehouse by "
    "its code answers 403 with code `warehouse_out_of_scope`."
)


_FIELD_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
    "required": ["message", "code"],
}


# Nested input nests its errors the same way: `lines` gives a list with one entry per line (an
# empty object for a good line, the line's own field errors otherwise), a list or map of values
# gives an object keyed by the bad item's index or key. OpenAPI 3.0 cannot say "the same shape
# again" without a named recursive schema, so below the first level any object is allowed.
@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [_FIELD_ERROR, {"type": "object"}]}},
                {"type": "object"},
            ]
        },
    }
)
class FieldErrorsField(serializers.DictField):
    pass


class ErrorSerializer(serializers.Serializer):
    """Every error: a machine-readable ``code``, a message, and the fields it is about."""

    code = serializers.CharField(
        help_text="Machine-readable: `required`, `invalid`, `does_not_exist`, `unique`, "
        "`insufficient_stock`, `over_capacity`, `wrong_location`, `conflict`, "
        "`warehouse_out_of_scope`, `not_found`, `permission_denied`, `not_authenticated`..."
    )
    detail = serializers.CharField()
    fields = FieldErrorsField(
        required=False,
        help_text="Per input field (or header / query parameter), the errors about it: a list "
        "of `{message, code}`; for nested input (`lines`, lists of values) the same nested by "
        "line index or field name.",
    )


_DESCRIPTIONS = {
    400: "Invalid input: `fields` names each bad field with its `code`.",
    401: "Not authenticated: send `Authorization: Token <key>` or log in.",
    403: "Not allowed: missing permission, or a warehouse outside the user's scope.",
    404: "Not found (or in a warehouse outside the user's scope).",
    409: "Conflicts with the current state of the data.",
    429: "Too many requests: wait and retry.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The standard error responses for ``statuses`` (401 and 403 are always added)."""
    wanted = sorted({*statuses, 401, 403})
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in wanted
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema plus the error answers every view of a kind gives without
    declaring them, which no view should have to repeat: a paginated list answers 404 for a
    `page` past the last one (DRF's pagination), and anything that takes a body answers 415 to
    a body in a media type it does not parse (DRF's content negotiation)."""

    def _get_response_bodies(self, direction="response"):  # type: ignore[no-untyped-def]
        responses = super()._get_response_bodies(direction)
        implied = {}
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            implied["404"] = (
                "Not found: a `page` past the last page, or not a page number (code `not_found`)."
            )
        if self.method in ("POST", "PUT", "PATCH"):
            implied["415"] = (
                "The body's Content-Type is not one the endpoint reads (JSON, form or "
                "multipart): code `unsupported_media_type`."
            )
        for code, description in implied.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description),
                    code,
                    direction=direction,
                )
        return responses
