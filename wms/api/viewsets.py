"""The base of every resource viewset: permissions, scope, filters from validated query params.

Lists filter through a small serializer of query parameters (``filter_serializer_class``):
a bad value (``?since=yesterday``, ``?kind=nonsense``) is a 400 naming the parameter, never a
500 or a silently ignored filter. The cleaned values go to the app's selectors, which do the
filtering and the ``select_related``.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from inventory.models import Warehouse
from wms.api.fields import user_warehouses
from wms.api.permissions import ModelPermissions


class ApiViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ModelPermissions]
    filter_backends: list[Any] = []  # selectors filter; see filters()
    lookup_value_regex = "[0-9]+"
    filter_serializer_class: type[serializers.Serializer] | None = None

    def warehouses(self) -> QuerySet[Warehouse]:
        """The warehouses the user is scoped to."""
        return user_warehouses(self.request)

    def filters(self) -> dict[str, Any]:
        """The list's query parameters, validated; only those given (and not blank)."""
        if self.filter_serializer_class is None or self.action != "list":
            return {}
        given = self.filter_serializer_class(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        return {
            key: value for key, value in given.validated_data.items() if value not in ("", None)
        }


def filter_text(max_length: int = 100, help_text: str = "") -> serializers.CharField:
    """An optional text query parameter (blank means no filter)."""
    return serializers.CharField(
        required=False, allow_blank=True, max_length=max_length, help_text=help_text
    )
