"""Sites and their layout over the API: warehouses and locations.

Every write validates with a serializer and calls one service; serializers never save.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.models import Warehouse
from inventory.selectors import product_by_sku, warehouses_list
from warehouse.models import Location
from warehouse.selectors.stock import location_keys_taken, locations_list, zone_by_code
from warehouse.services.layout import (
    location_create,
    location_set_blocked,
    location_update,
    warehouse_setup,
)
from wms.api.fields import RelatedKeyField, WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# --- warehouses ------------------------------------------------------------------------------


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active", "created_at", "updated_at"]
        read_only_fields = ["is_active", "created_at", "updated_at"]


class WarehouseFilters(serializers.Serializer):
    code = filter_text(20, "Exact warehouse code.")
    search = filter_text(help_text="Part of the code or name.")


@extend_schema_view(
    list=extend_schema(
        parameters=[WarehouseFilters],
        description=SCOPE_NOTE,
        responses={200: WarehouseSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: WarehouseSerializer, **error_responses(404)}),
)
class WarehouseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Stocking sites the user works in."""

    queryset = Warehouse.objects.none()
    serializer_class = WarehouseSerializer
    filter_serializer_class = WarehouseFilters

    def get_queryset(self):
        return warehouses_list(warehouses=self.warehouses(), **self.filters())

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={201: WarehouseSerializer, **error_responses(400)},
        description="Create a site, laid out with a receiving dock (RECV-01), QC bench (QC-01), "
        "quarantine (QUAR-01), staging (STAGE-01) and shipping dock (SHIP-01). A user scoped "
        "to named warehouses sees the new one once it is added to their scope.",
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = WarehouseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warehouse = warehouse_setup(actor_id=request.user.pk, **given.validated_data)
        return Response(WarehouseSerializer(warehouse).data, status=status.HTTP_201_CREATED)


# --- locations -------------------------------------------------------------------------------

# The kinds people make and see; virtual kinds (the ledger's outside ends) are the system's.
LISTED_KINDS = [
    (kind.value, kind.label) for kind in Location.Kind if kind not in Location.VIRTUAL_KINDS
]
MAX_INT = 2_147_483_647
BLOCK_FIELDS = ("is_blocked", "blocked_reason")


def _error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


class LocationSerializer(serializers.ModelSerializer):
    """One shape for reading and writing. ``warehouse``, ``zone`` and ``home_product`` are
    written by their codes (the zone and SKU must exist); ``warehouse`` cannot change."""

    warehouse = WarehouseCodeField(help_text="Warehouse code (unchangeable).")
    warehouse_id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=LISTED_KINDS, default=Location.Kind.STORAGE)
    barcode = serializers.CharField(
        max_length=64, required=False, help_text="What is printed on the label; default: the code."
    )
    zone = RelatedKeyField(
        max_length=20,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Code of a zone of the same warehouse.",
    )
    home_product = RelatedKeyField(
        key_attr="sku",
        max_length=40,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="SKU of the product this bin is the home of.",
    )
    x = serializers.FloatField(min_value=-1e6, max_value=1e6, required=False)
    y = serializers.FloatField(min_value=-1e6, max_value=1e6, required=False)
    capacity_units = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT,
        required=False,
        allow_null=True,
        help_text="Most units the bin holds; null: unlimited.",
    )
    is_blocked = serializers.BooleanField(
        required=False,
        help_text="Blocked bins get no putaway and their stock is not allocated. Change it in "
        "a PATCH of its own (with `blocked_reason`); a new location starts unblocked.",
    )
    blocked_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Location
        fields = [
            "id",
            "warehouse",
            "warehouse_id",
            "code",
            "barcode",
            "kind",
            "zone",
            "aisle",
            "rack",
            "shelf",
            "bin",
            "pick_sequence",
            "x",
            "y",
            "capacity_units",
            "is_blocked",
            "blocked_reason",
            "home_product",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # the (warehouse, code) uniqueness is checked in validate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        location: Location | None = self.instance
        if location is None:
            warehouse = attrs["warehouse"]
            attrs.setdefault("barcode", attrs["code"])
        else:
            warehouse = location.warehouse
            if "warehouse" in attrs and attrs.pop("warehouse").pk != warehouse.pk:
                raise _error("warehouse", "A location cannot move to another warehouse.")
        if "zone" in attrs:
            attrs["zone"] = self._zone(warehouse, attrs["zone"])
        if "home_product" in attrs:
            attrs["home_product"] = self._product(attrs["home_product"])
        taken = location_keys_taken(
            warehouse_id=warehouse.pk,
            code=attrs.get("code"),
            barcode=attrs.get("barcode"),
            exclude_id=location.pk if location else None,
        )
        if taken:
            raise ValidationError(
                {
                    field: [
                        ErrorDetail(
                            f"Another location of {warehouse.code} has this {field}.", code="unique"
                        )
                    ]
                    for field in sorted(taken, key=["code", "barcode"].index)
                }
            )
        return self._validate_block(location, attrs)

    def _zone(self, warehouse: Warehouse, code: str | None) -> Any:
        if not code:
            return None
        zone = zone_by_code(warehouse_id=warehouse.pk, code=code)
        if zone is None:
            raise _error("zone", f"{warehouse.code} has no zone {code}.", "does_not_exist")
        return zone

    def _product(self, sku: str | None) -> Any:
        if not sku:
            return None
        product = product_by_sku(sku=sku)
        if product is None:
            raise _error("home_product", f"There is no product with SKU {sku}.", "does_not_exist")
        return product

    def _validate_block(self, location: Location | None, attrs: dict[str, Any]) -> dict[str, Any]:
        """Keep ``is_blocked``/``blocked_reason`` only if they change the bin's state.

        Blocking moves stock between level buckets, which its own service does; mixing it with
        layout changes in one request would make two transactions of one PATCH.
        """
        if location is None:
            if attrs.pop("is_blocked", False) or attrs.pop("blocked_reason", ""):
                raise _error(
                    "is_blocked",
                    "A new location starts unblocked; block it with a PATCH once it exists.",
                )
            return attrs
        if attrs.get("is_blocked") == location.is_blocked:
            del attrs["is_blocked"]
        if attrs.get("blocked_reason", location.blocked_reason) == location.blocked_reason:
            attrs.pop("blocked_reason", None)
        block = [field for field in BLOCK_FIELDS if field in attrs]
        if not block:
            return attrs
        if len(attrs) > len(block):
            raise _error(
                block[0], "Block or release a bin in a PATCH of its own, without other changes."
            )
        if attrs.get("blocked_reason") and not attrs.get("is_blocked", location.is_blocked):
            raise _error(
                "blocked_reason",
                'Only a blocked bin has a reason; send "is_blocked": true with it.',
            )
        return attrs


class LocationFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    kind = serializers.ChoiceField(choices=LISTED_KINDS, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        parameters=[LocationFilters],
        description=SCOPE_NOTE,
        responses={200: LocationSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: LocationSerializer, **error_responses(404)}),
)
class LocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Docks, bins, QC benches, quarantine, staging and shipping locations, in pick-path order."""

    queryset = Location.objects.none()
    serializer_class = LocationSerializer
    filter_serializer_class = LocationFilters

    def get_queryset(self):
        filters = self.filters()
        return locations_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            kind=filters.get("kind", ""),
        ).select_related("home_product")

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], responses={201: LocationSerializer, **error_responses(400)}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = LocationSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        location = location_create(actor_id=request.user.pk, **given.validated_data)
        return Response(
            LocationSerializer(self._reload(location.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        responses={200: LocationSerializer, **error_responses(400, 404, 409)},
        description="Change layout fields, or block/release the bin (`is_blocked`, "
        "`blocked_reason`) in a PATCH of its own. `kind` can change only while the location "
        "is empty (else 409).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        location = self.get_object()
        given = LocationSerializer(
            location, data=request.data, partial=True, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if "is_blocked" in changes or "blocked_reason" in changes:
            location_set_blocked(
                location_id=location.pk,
                blocked=changes.get("is_blocked", location.is_blocked),
                reason=changes.get("blocked_reason", ""),
                actor_id=request.user.pk,
            )
        elif changes:
            location_update(location=location, actor_id=request.user.pk, **changes)
        return Response(LocationSerializer(self._reload(location.pk)).data)

    def _reload(self, pk: int) -> Location:
        return (
            locations_list(warehouses=self.warehouses()).select_related("home_product").get(pk=pk)
        )
