"""Waves over the API: release orders to the floor, and read the waves with their batches.

``POST /waves/`` calls ``warehouse.services.waves.wave_release``: the chosen orders' picks
are grouped into batches (one picker each) and every batch is sorted along the S-shape pick
path; each batch reports the metres of its route and of the same picks in order-line order.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.models import PickBatch, Wave
from warehouse.selectors.orders import order_ids_by_keys, waves_list
from warehouse.services.waves import RELEASE_ORDERINGS, wave_release
from wms.api.fields import WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

MAX_ORDERS = 500


class CanViewOrders(RequiresPermission):
    """Whoever sees orders sees the waves they are released in."""

    permission = "warehouse.view_order"


class CanReleaseWaves(RequiresPermission):
    """Supervisors: release waves of orders to the floor."""

    permission = "warehouse.release_wave"


# --- reading ---------------------------------------------------------------------------------


class PickBatchSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True)
    route_metres = serializers.FloatField(
        read_only=True, help_text="Walking distance of the S-shape route, staging to staging."
    )
    unrouted_metres = serializers.FloatField(
        read_only=True, help_text="The same picks walked in order-line order."
    )
    tasks = serializers.SerializerMethodField(help_text="Pick task ids in route order.")
    route = serializers.SerializerMethodField(help_text="The bins (codes) in route order.")

    class Meta:
        model = PickBatch
        fields = [
            "id",
            "sequence",
            "assignee",
            "claimed_at",
            "route_metres",
            "unrouted_metres",
            "tasks",
            "route",
        ]
        read_only_fields = fields

    def get_tasks(self, batch: PickBatch) -> list[int]:
        return [task.pk for task in batch.route]  # type: ignore[attr-defined]

    def get_route(self, batch: PickBatch) -> list[str]:
        return [task.source_location.code for task in batch.route]  # type: ignore[attr-defined]


class WaveSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    released_by = serializers.CharField(
        source="released_by.username", read_only=True, allow_null=True
    )
    orders = serializers.SerializerMethodField(help_text="References of the wave's orders.")
    order_ids = serializers.SerializerMethodField()
    batches = PickBatchSerializer(many=True, read_only=True)

    class Meta:
        model = Wave
        fields = [
            "id",
            "number",
            "warehouse",
            "warehouse_id",
            "status",
            "released_by",
            "created_at",
            "orders",
            "order_ids",
            "batches",
        ]
        read_only_fields = fields

    def get_orders(self, wave: Wave) -> list[str]:
        return [order.reference for order in wave.orders.all()]

    def get_order_ids(self, wave: Wave) -> list[int]:
        return [order.pk for order in wave.orders.all()]


class WaveFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    status = serializers.ChoiceField(choices=Wave.Status.choices, required=False, allow_blank=True)


# --- releasing -------------------------------------------------------------------------------


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}]},
)
class OrderKeyField(serializers.Field):
    """An order by its reference (text) or its id (a JSON number)."""

    default_error_messages = {
        "invalid": "Give an order as its reference (text) or its id (a number).",
        "blank": "This field may not be blank.",
    }

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            if not 1 <= data < 2**63:
                self.fail("invalid")
            return data
        text = data.strip()
        if not text:
            self.fail("blank")
        if len(text) > 60 or "\x00" in text:
            self.fail("invalid")
        return text

    def to_representation(self, value: Any) -> Any:
        return value


class WaveReleaseSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField(help_text="Code of the warehouse whose orders to release.")
    orders = serializers.ListField(
        child=OrderKeyField(),
        required=False,
        allow_null=True,
        allow_empty=False,
        max_length=MAX_ORDERS,
        help_text="Release these orders (references or ids); default: the first `limit` "
        "allocated orders not yet in a wave, by `by`.",
    )
    by = serializers.ChoiceField(
        choices=[(name, name) for name in RELEASE_ORDERINGS],
        default="priority",
        help_text="Which orders first: `priority` (then ship date), `ship_date` (then "
        "priority) or `cutoff` (carrier cut-off, then priority).",
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ORDERS,
        required=False,
        allow_null=True,
        help_text="At most this many orders (default: 50, or all the orders named).",
    )
    picks_per_batch = serializers.IntegerField(
        min_value=1, max_value=200, default=20, help_text="At most this many picks per picker."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        keys = attrs.get("orders")
        if keys is None:
            attrs["order_ids"] = None
            return attrs
        found = order_ids_by_keys(
            warehouse_id=attrs["warehouse"].pk,
            ids=[key for key in keys if isinstance(key, int)],
            references=[key for key in keys if isinstance(key, str)],
        )
        missing = [str(key) for key in keys if key not in found]
        if missing:
            raise ValidationError(
                {
                    "orders": [
                        ErrorDetail(
                            f"{attrs['warehouse'].code} has no order {', '.join(missing[:10])}.",
                            code="does_not_exist",
                        )
                    ]
                }
            )
        attrs["order_ids"] = sorted({found[key] for key in keys})
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[WaveFilters],
        description="Newest first. Needs permission `warehouse.view_order`. " + SCOPE_NOTE,
        responses={200: WaveSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: WaveSerializer, **error_responses(404)}),
)
class WaveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Orders released to the floor together, their picks batched per picker and routed."""

    queryset = Wave.objects.none()
    serializer_class = WaveSerializer
    filter_serializer_class = WaveFilters

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), CanReleaseWaves()]
        return [IsAuthenticated(), CanViewOrders()]

    def get_queryset(self):
        filters = self.filters()
        return waves_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            status=filters.get("status", ""),
        )

    @extend_schema(
        request=WaveReleaseSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: WaveSerializer, **error_responses(400)},
        description="Release a wave: the orders named (or the first `limit` allocated orders "
        "not yet in a wave, by `by`) get their picks grouped into batches of at most "
        "`picks_per_batch` (an order's picks together where they fit), each sorted along the "
        "S-shape pick path; pickers then claim a batch at a time. Orders named that are not "
        "allocated, already in a wave or closed are left out; none left is a 400 about "
        "`orders`. Needs permission `warehouse.release_wave` (supervisors). " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = WaveReleaseSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        order_ids = data["order_ids"]
        limit = data.get("limit") or (len(order_ids) if order_ids else 50)
        wave = wave_release(
            warehouse_id=data["warehouse"].pk,
            order_ids=order_ids,
            by=data["by"],
            limit=limit,
            picks_per_batch=data["picks_per_batch"],
            released_by_id=request.user.pk,
        )
        reloaded = waves_list(warehouses=self.warehouses()).get(pk=wave.pk)
        return Response(WaveSerializer(reloaded).data, status=status.HTTP_201_CREATED)
