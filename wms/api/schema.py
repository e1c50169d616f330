"""OpenAPI pieces shared by every endpoint: the error body and the usual error responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

SCOPE_NOTE = (
    "Users see and change only the warehouses they are scoped to. An object of another "
    "warehouse answers 404 as if it did not exist; a write that names another warehouse by "
    "its code answers 403 with code `warehouse_out_of_scope`."
)


class FieldErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error: a machine-readable ``code``, a message, and the fields it is about."""

    code = serializers.CharField(
        help_text="Machine-readable: `required`, `invalid`, `does_not_exist`, `unique`, "
        "`insufficient_stock`, `over_capacity`, `wrong_location`, `conflict`, "
        "`warehouse_out_of_scope`, `not_found`, `permission_denied`, `not_authenticated`..."
    )
    detail = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=FieldErrorSerializer()),
        required=False,
        help_text="Per input field (or header / query parameter), the errors about it.",
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
