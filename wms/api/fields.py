"""Serializer fields that name things by their natural keys, and the user's warehouse scope.

Writes name a warehouse by ``code`` and a product by ``sku``; reads return the same key (and
the id in a separate ``*_id`` field). A warehouse outside the user's scope is refused with 403
``warehouse_out_of_scope``: the same answer wherever a write names one.
"""

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from inventory.errors import NotAllowed
from inventory.models import Warehouse
from inventory.selectors import product_by_sku, warehouse_by_code, warehouses_for_user


class WarehouseOutOfScope(NotAllowed):
    code = "warehouse_out_of_scope"


def user_warehouses(request: Request) -> QuerySet[Warehouse]:
    """The warehouses the request's user works in, worked out once per request."""
    cached = getattr(request, "_wms_warehouses", None)
    if cached is None:
        cached = warehouses_for_user(user=request.user)
        request._wms_warehouses = cached  # type: ignore[attr-defined]
    return cached


def warehouse_check_scope(*, request: Request, warehouse: Warehouse, field: str) -> None:
    if not user_warehouses(request).filter(pk=warehouse.pk).exists():
        raise WarehouseOutOfScope(f"You do not work in warehouse {warehouse.code}.", field=field)


@extend_schema_field(OpenApiTypes.STR)
class NaturalKeyField(serializers.Field):
    """Reads as the object's natural key; writes by it (unknown key: ``does_not_exist``)."""

    key_attr = "code"
    noun = "object"
    max_length = 40
    default_error_messages = {
        "invalid": "Give the {noun} as text.",
        "blank": "This field may not be blank.",
        "does_not_exist": "There is no {noun} {value}.",
    }

    def lookup(self, value: str) -> Model | None:
        raise NotImplementedError

    def to_representation(self, value: Any) -> str:
        return getattr(value, self.key_attr)

    def to_internal_value(self, data: Any) -> Model:
        if not isinstance(data, str):
            self.fail("invalid", noun=self.noun)
        value = data.strip()
        if not value:
            self.fail("blank")
        # Longer than any stored key, or with a NUL the database cannot even compare: unknown.
        found = None
        if len(value) <= self.max_length and "\x00" not in value:
            found = self.lookup(value)
        if found is None:
            self.fail("does_not_exist", noun=self.noun, value=value[: self.max_length])
        return found


class WarehouseCodeField(NaturalKeyField):
    """A warehouse by code, which must be in the requesting user's scope (else 403)."""

    noun = "warehouse"
    max_length = 20

    def lookup(self, value: str) -> Model | None:
        return warehouse_by_code(code=value)

    def to_internal_value(self, data: Any) -> Model:
        warehouse = super().to_internal_value(data)
        warehouse_check_scope(
            request=self.context["request"], warehouse=warehouse, field=self.field_name
        )
        return warehouse


class ProductSkuField(NaturalKeyField):
    key_attr = "sku"
    noun = "product with SKU"
    max_length = 40

    def lookup(self, value: str) -> Model | None:
        return product_by_sku(sku=value)


class RelatedKeyField(serializers.CharField):
    """A related object read as its key (``zone`` as the zone's code); on write the key text,
    which the serializer resolves because it depends on other fields (the warehouse)."""

    def __init__(self, *, key_attr: str = "code", **kwargs: Any) -> None:
        self.key_attr = key_attr
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return getattr(value, self.key_attr)
