"""Tasks over the API: the list and detail, claiming the next task, and completing it."""

from typing import Any

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.apis.task_board import TaskControlMixin
from warehouse.models import Task
from warehouse.selectors.orders import ORDER_REFERENCE_PREFIX, tasks_of_order, tasks_with_orders
from warehouse.selectors.tasks import task_answer, tasks_in_scope, tasks_list
from warehouse.services.qc import FAIL, PASS
from warehouse.services.scan_refusals import scan_refusals_recorded
from warehouse.services.task_completion import task_complete
from warehouse.services.tasks import task_claim
from wms.api.fields import WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import CanWorkTasks
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class TaskSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    product = serializers.CharField(source="product.sku", read_only=True, allow_null=True)
    product_id = serializers.IntegerField(read_only=True, allow_null=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    source_location = serializers.CharField(
        source="source_location.code", read_only=True, allow_null=True
    )
    source_location_id = serializers.IntegerField(read_only=True, allow_null=True)
    destination_location = serializers.CharField(
        source="destination_location.code", read_only=True, allow_null=True
    )
    destination_location_id = serializers.IntegerField(read_only=True, allow_null=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True)
    order = serializers.SerializerMethodField(
        help_text="Reference of the outbound order the task is for, if any."
    )
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    batch = serializers.IntegerField(
        source="batch_id",
        read_only=True,
        allow_null=True,
        help_text="Picks: the id of the pick batch (one picker's share of a wave).",
    )
    route_sequence = serializers.IntegerField(
        read_only=True, help_text="Picks: the stop's position on its batch's route."
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "warehouse",
            "warehouse_id",
            "kind",
            "status",
            "priority",
            "product",
            "product_id",
            "lot",
            "quantity",
            "quantity_done",
            "source_location",
            "source_location_id",
            "destination_location",
            "destination_location_id",
            "assignee",
            "order",
            "order_id",
            "batch",
            "route_sequence",
            "reference",
            "parent",
            "notes",
            "created_at",
            "updated_at",
            "assigned_at",
            "started_at",
            "completed_at",
            "cancelled_at",
        ]
        read_only_fields = fields

    def get_order(self, task: Task) -> str | None:
        if task.order_id is not None:
            return self.linked_order_reference(task)
        if task.reference.startswith(ORDER_REFERENCE_PREFIX):  # made without an order link
            return task.reference.removeprefix(ORDER_REFERENCE_PREFIX)
        return None

    def linked_order_reference(self, task: Task) -> str:
        return task.order.reference


class TaskAnswerSerializer(TaskSerializer):
    """The same fields and values as TaskSerializer, of a task read by ``task_answer``: the
    related rows' names come as annotations, not joins (planning a task joined to all its
    relations cost more than the rest of a pick; docs/benchmarks.md, HTTP)."""

    warehouse = serializers.CharField(source="warehouse_code", read_only=True)
    product = serializers.CharField(source="product_sku", read_only=True, allow_null=True)
    lot = serializers.CharField(source="lot_code", read_only=True, allow_null=True)
    source_location = serializers.CharField(
        source="source_location_code", read_only=True, allow_null=True
    )
    destination_location = serializers.CharField(
        source="destination_location_code", read_only=True, allow_null=True
    )
    assignee = serializers.CharField(source="assignee_username", read_only=True, allow_null=True)

    def linked_order_reference(self, task: Task) -> str:
        return task.order_reference


class TaskFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    kind = serializers.ChoiceField(choices=Task.Kind.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Task.Status.choices, required=False, allow_blank=True)
    product = filter_text(40, "Product SKU.")
    order = filter_text(
        100, "The outbound order the tasks are for: its reference, or its id (digits)."
    )


class TaskClaimSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField(help_text="Code of the warehouse to work in.")
    kind = serializers.ChoiceField(
        choices=Task.Kind.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Only tasks of this kind.",
    )


# Far beyond any task; keeps quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000
SCAN_LENGTH = 200  # a GS1 label with lot, dates and count fits with room to spare


def _scan(help_text: str, *, required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        max_length=SCAN_LENGTH,
        required=required,
        allow_blank=not required,
        allow_null=not required,
        trim_whitespace=False,  # the scan parser strips what a scanner adds, GS included
        help_text=help_text,
    )


class TaskCompleteSerializer(serializers.Serializer):
    location = _scan("The source location as scanned (barcode or code): where the stock is.")
    product = _scan("The product as scanned: SKU, EAN/UPC barcode or GS1 label.")
    quantity = serializers.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        required=False,
        allow_null=True,
        help_text="Putaway: units moved now, at least 1 (default: all that is left; fewer "
        "leaves the task with the worker for the rest). Pick: units taken from the bin "
        "(default: all asked); fewer, down to 0, is a short pick. QC fail: how many failed, "
        "unless `failed_quantity`.",
    )
    lot = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The lot on the goods, checked against the task's (`wrong_lot`).",
    )
    destination_location = _scan(
        "Putaway: the bin actually used (default: the suggested one). Another bin is accepted "
        "when it is an unblocked storage or pick bin with room, and recorded as such.",
        required=False,
    )
    result = serializers.ChoiceField(
        choices=[(PASS, "Pass"), (FAIL, "Fail")],
        required=False,
        allow_null=True,
        help_text="QC: the inspection's result (required for QC tasks).",
    )
    failed_quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        required=False,
        allow_null=True,
        help_text="QC fail: how many units failed (default: all); a partial fail splits the "
        "goods, the failed units go to quarantine and the rest on to putaway.",
    )
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="QC fail: why the goods failed (required for a fail).",
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[TaskFilters],
        description=SCOPE_NOTE,
        responses={200: TaskSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: TaskSerializer, **error_responses(404)}),
)
class TaskViewSet(
    TaskControlMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):  # supervisors' PATCH, cancel and release: TaskControlMixin
    """Directed work: putaway, pick, QC, replenish and count tasks, most urgent first."""

    queryset = Task.objects.none()
    serializer_class = TaskSerializer
    filter_serializer_class = TaskFilters

    def get_queryset(self):
        filters = self.filters()
        tasks = tasks_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            kind=filters.get("kind", ""),
            status=filters.get("status", ""),
            product_sku=filters.get("product", ""),
        )
        if "order" in filters:
            tasks = tasks_of_order(tasks=tasks, order=filters["order"])
        return tasks_with_orders(tasks=tasks)

    @extend_schema(
        request=TaskClaimSerializer,
        responses={
            200: TaskSerializer,
            204: OpenApiResponse(description="No open task of that kind in the warehouse."),
            **error_responses(400),
        },
        description="Give the caller its next task: the one it already holds, else the most "
        "urgent open one (never the same task to two callers). Needs permission "
        "`warehouse.work_task` (floor staff, supervisors). " + SCOPE_NOTE,
    )
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated, CanWorkTasks])
    def claim(self, request: Request) -> Response:
        given = TaskClaimSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        kind = given.validated_data.get("kind")
        task = task_claim(
            user_id=request.user.pk,
            warehouse_id=given.validated_data["warehouse"].pk,
            kinds=[kind] if kind else None,
        )
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        task = tasks_with_orders(tasks=tasks_list(warehouses=self.warehouses())).get(pk=task.pk)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        request=TaskCompleteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: TaskSerializer, **error_responses(400, 404, 409)},
        description="Complete a putaway, replenish, QC or pick task with the worker's scans. "
        "A pick moves the units from the bin to staging; confirming fewer than asked (`quantity`"
        ", 0 included) is a short pick: the rest is reallocated from other stock (a new pick in "
        "the same batch) or backordered, and the bin gets a count task. An open "
        "task is claimed on the way; another's task is a 403. Every scan is checked and a "
        "wrong one changes nothing: `wrong_location` (source or destination), "
        "`wrong_product`, `wrong_lot`, `invalid_barcode`, `over_capacity` (the bin has no "
        "room), `location_blocked`; `invalid_quantity` for more than is left. Completing a "
        "done task again changes nothing and answers the task; a part quantity repeated "
        "moves again unless the request repeats its `Idempotency-Key`. Needs permission "
        "`warehouse.work_task`. " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanWorkTasks])
    @idempotent
    def complete(self, request: Request, pk: str) -> Response:
        # The scope check alone (404 outside the user's warehouses), nothing joined: this is the
        # handheld's busiest request, and a joined task costs more to plan than a pick to run.
        task = get_object_or_404(tasks_in_scope(warehouses=self.warehouses()), pk=pk)
        self.check_object_permissions(request, task)
        given = TaskCompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data: dict[str, Any] = given.validated_data
        # A wrong scan is refused (400) and also counted for the dashboard.
        with scan_refusals_recorded(task=task, user_id=request.user.pk, scans=data):
            task_complete(
                task_id=task.pk,
                user_id=request.user.pk,
                location=data["location"],
                product=data["product"],
                quantity=data.get("quantity"),
                lot=data.get("lot") or None,
                destination_location=data.get("destination_location") or None,
                result=data.get("result"),
                failed_quantity=data.get("failed_quantity"),
                reason=data.get("reason", ""),
                kind=task.kind,
            )
        return Response(TaskAnswerSerializer(task_answer(task_id=task.pk)).data)
