"""Cycle counts over the API: the counts with their differences, the supervisor's decisions,
planning counts, and inventory record accuracy.

Counting itself is ``POST /tasks/{id}/complete/`` on a count task (bin, product, quantity);
these endpoints show what the books said, so they are for supervisors only (permission
``warehouse.adjust_stock``).
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.errors import NotFound
from warehouse.models import BinCount
from warehouse.selectors.counts import counts_list, record_accuracy
from warehouse.selectors.stock import location_by_code, zone_by_code
from warehouse.services.count_planning import (
    count_flag_bin,
    counts_plan_by_class,
    counts_plan_zone,
)
from warehouse.services.counting import count_approve, count_reject
from wms.api.fields import ProductSkuField, WarehouseCodeField, warehouse_check_scope
from wms.api.permissions import CanAdjustStock
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class BinCountSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    location_id = serializers.IntegerField(read_only=True)
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    difference = serializers.IntegerField(read_only=True, help_text="counted less expected.")
    counted_by = serializers.CharField(
        source="counted_by.username", read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    task = serializers.IntegerField(source="task_id", read_only=True)
    recount_of = serializers.IntegerField(
        source="recount_of_id",
        read_only=True,
        allow_null=True,
        help_text="The first count, when this one is its recount.",
    )
    adjustment = serializers.IntegerField(
        source="adjustment_id",
        read_only=True,
        allow_null=True,
        help_text="The ledger row the approval wrote (null: none, or nothing changed).",
    )

    class Meta:
        model = BinCount
        fields = [
            "id",
            "warehouse",
            "location",
            "location_id",
            "product",
            "product_id",
            "lot",
            "expected_quantity",
            "counted_quantity",
            "difference",
            "status",
            "counted_by",
            "counted_at",
            "task",
            "recount_of",
            "decided_by",
            "decided_at",
            "decision_reason",
            "adjusted_quantity",
            "adjustment",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "expected_quantity": {"help_text": "What the books said when the count was taken."},
            "adjusted_quantity": {
                "help_text": "Approved: what the bin changed by (the count's difference)."
            },
        }


class CountFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    status = serializers.ChoiceField(
        choices=BinCount.Status.choices, required=False, allow_blank=True
    )
    location = filter_text(40, "Location code.")
    product = filter_text(40, "Product SKU.")
    since = serializers.DateTimeField(required=False, help_text="Counted at or after.")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=150, help_text="Why (kept with the decision).")


PLAN_BY = (("zone", "Every stocked bin of a zone"), ("class", "Tonight's ABC share"))


class CountPlanSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField()
    by = serializers.ChoiceField(
        choices=[*PLAN_BY, ("bin", "One flagged bin")],
        help_text="`zone` (give `zone`), `class` (the ABC schedule's share for today) or "
        "`bin` (give `location`, optionally `product`, and a `reason`).",
    )
    zone = serializers.CharField(max_length=20, required=False, help_text="Zone code.")
    location = serializers.CharField(max_length=40, required=False, help_text="Bin code.")
    product = ProductSkuField(required=False, help_text="Only this product of the bin.")
    reason = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        warehouse = attrs["warehouse"]
        if attrs["by"] == "zone":
            zone = zone_by_code(warehouse_id=warehouse.pk, code=attrs.get("zone", ""))
            if zone is None:
                raise serializers.ValidationError(
                    {"zone": [serializers.ErrorDetail("No such zone.", code="does_not_exist")]}
                )
            attrs["zone"] = zone
        if attrs["by"] == "bin":
            location = location_by_code(warehouse_id=warehouse.pk, code=attrs.get("location", ""))
            if location is None:
                raise serializers.ValidationError(
                    {"location": [serializers.ErrorDetail("No such bin.", code="does_not_exist")]}
                )
            attrs["location"] = location
        return attrs


class CountPlanResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Count tasks created.")
    skipped = serializers.IntegerField(help_text="Bins and products already being counted.")
    tasks = serializers.ListField(child=serializers.IntegerField(), help_text="Their ids.")


class AccuracySerializer(serializers.Serializer):
    warehouse = serializers.CharField()
    since = serializers.DateTimeField()
    counted = serializers.IntegerField(help_text="Counts settled since then (recounts: once).")
    exact = serializers.IntegerField(help_text="Of those, how many matched the books.")
    share = serializers.FloatField(allow_null=True, help_text="exact / counted; null if none.")


class AccuracyFilters(serializers.Serializer):
    warehouse = serializers.CharField(max_length=20, help_text="Warehouse code.")
    days = serializers.IntegerField(
        min_value=1, max_value=3660, default=30, help_text="The period: the last n days."
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[CountFilters],
        description="Counts, newest first: what was counted against what the books said. "
        "Supervisors only. " + SCOPE_NOTE,
        responses={200: BinCountSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: BinCountSerializer, **error_responses(404)}),
)
class CountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Cycle counts: blind counts of a bin's product against the books, and their decisions."""

    queryset = BinCount.objects.none()
    serializer_class = BinCountSerializer
    filter_serializer_class = CountFilters
    permission_classes = [IsAuthenticated, CanAdjustStock]

    def get_queryset(self):
        filters = self.filters()
        return counts_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            status=filters.get("status", ""),
            location_code=filters.get("location", ""),
            product_sku=filters.get("product", ""),
            since=filters.get("since"),
        )

    @extend_schema(
        request=DecisionSerializer,
        responses={200: BinCountSerializer, **error_responses(400, 404, 409)},
        description="Accept a pending count's difference: the bin changes by (counted - "
        "expected) from what it holds now, so stock moved since the count stays moved; one "
        "`adjustment` ledger row. 409 `count_decided` when it was decided, superseded or needs "
        "no decision; 400 `insufficient_stock` when the bin now holds too little for the "
        "difference (count it again). " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, count_approve)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: BinCountSerializer, **error_responses(400, 404, 409)},
        description="Refuse a pending count's difference: the books stay. " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, count_reject)

    def _decide(self, request: Request, service: Any) -> Response:
        count = self.get_object()  # 404 outside the user's warehouses
        given = DecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        service(count_id=count.pk, user_id=request.user.pk, reason=given.validated_data["reason"])
        return Response(BinCountSerializer(self.get_queryset().get(pk=count.pk)).data)

    @extend_schema(
        request=CountPlanSerializer,
        responses={201: CountPlanResultSerializer, **error_responses(400)},
        description="Plan count tasks: a zone's stocked bins, the ABC schedule's share for "
        "today, or one flagged bin. A bin and product already being counted is skipped. "
        + SCOPE_NOTE,
    )
    @action(detail=False, methods=["post"])
    def plan(self, request: Request) -> Response:
        given = CountPlanSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        warehouse = data["warehouse"]
        warehouse_check_scope(request=request, warehouse=warehouse, field="warehouse")
        user_id = request.user.pk
        if data["by"] == "zone":
            plan = counts_plan_zone(
                warehouse_id=warehouse.pk, zone_id=data["zone"].pk, user_id=user_id
            )
        elif data["by"] == "class":
            plan = counts_plan_by_class(warehouse_id=warehouse.pk, user_id=user_id)
        else:
            plan = count_flag_bin(
                warehouse_id=warehouse.pk,
                location_id=data["location"].pk,
                product=data.get("product"),
                reason=data.get("reason", ""),
                user_id=user_id,
            )
        body = {
            "created": len(plan.created),
            "skipped": plan.skipped,
            "tasks": [task.pk for task in plan.created],
        }
        return Response(CountPlanResultSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[AccuracyFilters],
        responses={200: AccuracySerializer, **error_responses(400, 404)},
        description="Inventory record accuracy: the share of counts over the last `days` that "
        "found exactly what the books said. " + SCOPE_NOTE,
    )
    @action(detail=False, methods=["get"])
    def accuracy(self, request: Request) -> Response:
        given = AccuracyFilters(data=request.query_params)
        given.is_valid(raise_exception=True)
        warehouse = self.warehouses().filter(code=given.validated_data["warehouse"]).first()
        if warehouse is None:
            raise NotFound("No such warehouse.", field="warehouse")
        since = timezone.now() - timedelta(days=given.validated_data["days"])
        figure = record_accuracy(warehouse_id=warehouse.pk, since=since)
        body = {
            "warehouse": warehouse.code,
            "since": since,
            "counted": figure.counted,
            "exact": figure.exact,
            "share": figure.share,
        }
        return Response(AccuracySerializer(body).data)
