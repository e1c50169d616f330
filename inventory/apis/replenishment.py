"""Reorder rules and reorder suggestions over the API.

Writes validate their input with a serializer and call one service (``inventory.services.rules``
and ``inventory.services.suggestions``); the review runs ``reorder_review``. Purchasers and
supervisors (``inventory.manage_replenishment``) write rules and decide suggestions; reading
needs the model's view permission. Users see the warehouses they are scoped to only.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.apis.replenishment_serializers import (
    ApproveManyResultSerializer,
    ApproveManySerializer,
    ApproveSerializer,
    DismissSerializer,
    QuantitySerializer,
    ReorderRuleChangeSerializer,
    ReorderRuleCreateSerializer,
    ReorderRuleFilters,
    ReorderRuleSerializer,
    ReorderSuggestionFilters,
    ReorderSuggestionSerializer,
    ReviewResultSerializer,
    ReviewSerializer,
)
from inventory.errors import NotFound
from inventory.models import ReorderRule, ReorderSuggestion, Warehouse
from inventory.selectors import product_by_sku, supplier_by_code
from inventory.selectors.replenishment import (
    reorder_rules_list,
    suggestion_get,
    suggestions_list,
)
from inventory.services.replenishment import ReviewResult, reorder_review
from inventory.services.rules import reorder_rule_create, reorder_rule_update
from inventory.services.suggestions import (
    suggestion_dismiss,
    suggestion_quantity_set,
    suggestions_approve,
)
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet


class CanManageReplenishment(RequiresPermission):
    """Purchasers and supervisors: write reorder rules, approve and dismiss suggestions."""

    permission = "inventory.manage_replenishment"


def _read_only(data: Any, names: tuple[str, ...]) -> None:
    """Refuse fields that cannot change, by name, rather than ignore them."""
    given = [name for name in names if hasattr(data, "keys") and name in data]
    if given:
        raise ValidationError(
            {
                name: [ErrorDetail(f"The {name} of a rule cannot change.", code="read_only")]
                for name in given
            }
        )


# --- reorder rules ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[ReorderRuleFilters],
        description=SCOPE_NOTE,
        responses={200: ReorderRuleSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: ReorderRuleSerializer, **error_responses(404)}),
)
class ReorderRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """When and how much to buy of a product for a warehouse."""

    queryset = ReorderRule.objects.none()
    serializer_class = ReorderRuleSerializer
    filter_serializer_class = ReorderRuleFilters

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return super().get_permissions()
        return [IsAuthenticated(), CanManageReplenishment()]

    def get_queryset(self):
        filters = self.filters()
        return reorder_rules_list(
            warehouse_ids=self.warehouses().values_list("pk", flat=True),
            warehouse_code=filters.get("warehouse", ""),
            product_sku=filters.get("product", ""),
            supplier_code=filters.get("supplier", ""),
            policy=filters.get("policy", ""),
            is_active=filters.get("is_active"),
        )

    @extend_schema(
        request=ReorderRuleCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ReorderRuleSerializer, **error_responses(400, 409)},
        description="One rule per product and warehouse (else 409 `rule_exists`). Quantities "
        "are whole numbers >= 0 with the minimum not above the maximum (`invalid_quantity`, "
        "naming the field); MOQ and pack at least 1; the supplier must be active "
        "(`supplier_inactive`). Needs `inventory.manage_replenishment`. " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = ReorderRuleCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        rule = reorder_rule_create(actor_id=request.user.pk, **given.validated_data)
        return Response(ReorderRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReorderRuleChangeSerializer,
        responses={200: ReorderRuleSerializer, **error_responses(400, 404)},
        description="Change some fields; product and warehouse are fixed (`read_only`).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        _read_only(request.data, ("product", "warehouse"))
        given = ReorderRuleChangeSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        rule = reorder_rule_update(rule=rule, actor_id=request.user.pk, **given.validated_data)
        return Response(ReorderRuleSerializer(rule).data)


# --- reorder suggestions ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[ReorderSuggestionFilters],
        description="Most urgent first (fewest days of cover). " + SCOPE_NOTE,
        responses={200: ReorderSuggestionSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: ReorderSuggestionSerializer, **error_responses(404)}),
)
class ReorderSuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """What the review proposes to buy, and the purchasers' decisions."""

    queryset = ReorderSuggestion.objects.none()
    serializer_class = ReorderSuggestionSerializer
    filter_serializer_class = ReorderSuggestionFilters

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return super().get_permissions()
        return [IsAuthenticated(), CanManageReplenishment()]

    def _warehouse_ids(self):
        return self.warehouses().values_list("pk", flat=True)

    def get_queryset(self):
        filters = self.filters()
        warehouses = self.warehouses()
        if filters.get("warehouse"):
            warehouses = warehouses.filter(code=filters["warehouse"])
        supplier_id = product_id = None
        if filters.get("supplier"):
            supplier = supplier_by_code(code=filters["supplier"])
            supplier_id = supplier.pk if supplier else 0
        if filters.get("product"):
            product = product_by_sku(sku=filters["product"])
            product_id = product.pk if product else 0
        return suggestions_list(
            warehouse_ids=warehouses.values_list("pk", flat=True),
            status=filters.get("status") or None,
            supplier_id=supplier_id,
            product_id=product_id,
            urgency=filters.get("urgency") or None,
            order=filters.get("order") or "days_of_cover",
        )

    def _reload(self, pk: int) -> dict[str, Any]:
        found = suggestion_get(suggestion_id=pk, warehouse_ids=self._warehouse_ids())
        return ReorderSuggestionSerializer(found).data

    @extend_schema(
        request=QuantitySerializer,
        responses={200: ReorderSuggestionSerializer, **error_responses(400, 404, 409)},
        description="Set the quantity to order instead of the suggested one (open suggestions "
        "only, else 409 `suggestion_decided`).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        suggestion = self.get_object()
        given = QuantitySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        suggestion_quantity_set(
            suggestion_id=suggestion.pk,
            quantity=given.validated_data["quantity"],
            user_id=request.user.pk,
        )
        return Response(self._reload(suggestion.pk))

    @extend_schema(
        request=ApproveSerializer,
        responses={200: ReorderSuggestionSerializer, **error_responses(400, 404, 409)},
        description="Add the suggestion to the draft purchase order of its supplier and "
        "warehouse (created when none; a product already on it gets its line raised). The "
        "answer's `purchase_order` is that draft's id. An approved or dismissed suggestion "
        "is a 409 (`suggestion_decided`); one without a supplier a 400 (`no_supplier`).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        suggestion = self.get_object()
        given = ApproveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        quantity = given.validated_data.get("quantity")
        suggestions_approve(
            suggestion_ids=[suggestion.pk],
            user_id=request.user.pk,
            quantities={suggestion.pk: quantity} if quantity is not None else None,
        )
        return Response(self._reload(suggestion.pk))

    @extend_schema(
        operation_id="v1_reorder_suggestions_approve_many",
        request=ApproveManySerializer,
        responses={200: ApproveManyResultSerializer, **error_responses(400, 404, 409)},
        description="Approve several suggestions at once, all or nothing: one draft purchase "
        "order per supplier and warehouse.",
    )
    @action(detail=False, methods=["post"], url_path="approve", url_name="approve-many")
    def approve_many(self, request: Request) -> Response:
        given = ApproveManySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(given.validated_data["suggestions"]))
        visible = set(
            suggestions_list(warehouse_ids=self._warehouse_ids(), status=None)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        missing = [i for i in ids if i not in visible]
        if missing:
            raise NotFound(f"There is no reorder suggestion {missing[0]}.", field="suggestions")
        orders = suggestions_approve(
            suggestion_ids=ids,
            user_id=request.user.pk,
            quantities=given.validated_data.get("quantities"),
        )
        decided = suggestions_list(warehouse_ids=self._warehouse_ids(), status=None).filter(
            pk__in=ids
        )
        return Response(
            {
                "purchase_orders": [order.pk for order in orders],
                "suggestions": ReorderSuggestionSerializer(decided, many=True).data,
            }
        )

    @extend_schema(
        request=DismissSerializer,
        responses={200: ReorderSuggestionSerializer, **error_responses(400, 404, 409)},
        description="Dismiss an open suggestion, with an optional reason. A later review "
        "opens a new one if the product is still needed.",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        suggestion = self.get_object()
        given = DismissSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        suggestion_dismiss(
            suggestion_id=suggestion.pk,
            user_id=request.user.pk,
            reason=given.validated_data.get("reason", ""),
        )
        return Response(self._reload(suggestion.pk))

    @extend_schema(
        request=ReviewSerializer,
        responses={200: ReviewResultSerializer, **error_responses(400)},
        description="Run the reorder review now, for one warehouse or every warehouse you "
        "work in: counts of suggestions opened, updated and closed.",
    )
    @action(detail=False, methods=["post"])
    def review(self, request: Request) -> Response:
        given = ReviewSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        warehouse = given.validated_data.get("warehouse")
        if warehouse is not None:
            result = reorder_review(warehouse_id=warehouse.pk)
        else:
            result = self._review_scope()
        return Response(
            {"opened": result.opened, "updated": result.updated, "closed": result.closed}
        )

    def _review_scope(self) -> ReviewResult:
        """Every warehouse at once when the user works in all of them, else one by one."""
        mine = set(self._warehouse_ids())
        if mine == set(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True)):
            return reorder_review()
        results = [reorder_review(warehouse_id=pk) for pk in sorted(mine)]
        return ReviewResult(
            opened=sum(r.opened for r in results),
            updated=sum(r.updated for r in results),
            closed=sum(r.closed for r in results),
        )
