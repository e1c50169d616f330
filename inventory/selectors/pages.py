"""Read paths of the purchaser's pages: purchase orders with their totals, one product's
levels, rules, forecasts and open orders, and the choices the filters offer.

Money is rounded in the database, line by line (``round(quantity x unit cost, 2)``), and an
order's total is the sum of its rounded lines: the page, the PDF and a supplier's invoice add
up the same way.
"""

from collections.abc import Iterable

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round

from inventory.models import (
    DemandForecast,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRule,
    ReorderSuggestion,
    StockLevel,
    Supplier,
    SupplierProduct,
)
from inventory.selectors.replenishment import suggestions_list

MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO_MONEY = Value(0, output_field=MONEY)


def _line_total(prefix: str = "") -> ExpressionWrapper:
    return ExpressionWrapper(
        Round(F(f"{prefix}quantity") * F(f"{prefix}unit_cost"), precision=2), output_field=MONEY
    )


def _order_totals() -> dict[str, Subquery]:
    """Per order: lines, units ordered and received, and the total of the rounded lines.

    Subqueries rather than a join with GROUP BY, so counting a page of orders stays a plain
    count and each figure is one index scan of the order's lines.
    """
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk")).order_by()

    def aggregate(expression, output_field):
        return Coalesce(
            Subquery(
                lines.values("purchase_order").annotate(result=expression).values("result")[:1],
                output_field=output_field,
            ),
            Value(0, output_field=output_field),
        )

    return {
        "line_count": aggregate(Count("id"), IntegerField()),
        "units_ordered": aggregate(Sum("quantity"), IntegerField()),
        "units_received": aggregate(Sum("received_quantity"), IntegerField()),
        "total_value": aggregate(Sum(_line_total()), MONEY),
    }


def purchase_orders_page(
    *,
    warehouse_ids: Iterable[int],
    status: str = "",
    supplier_id: int | None = None,
    warehouse_id: int | None = None,
) -> QuerySet[PurchaseOrder]:
    """Orders of ``warehouse_ids`` (the caller's scope), newest first, each with its totals
    (``line_count``, ``units_ordered``, ``units_received``, ``total_value``). One query for
    any page, plus the paginator's count."""
    orders = (
        PurchaseOrder.objects.filter(warehouse_id__in=list(warehouse_ids))
        .select_related("supplier", "warehouse", "created_by")
        .annotate(**_order_totals())
    )
    if status:
        orders = orders.filter(status=status)
    if supplier_id is not None:
        orders = orders.filter(supplier_id=supplier_id)
    if warehouse_id is not None:
        orders = orders.filter(warehouse_id=warehouse_id)
    return orders.order_by("-created_at", "-id")


def purchase_order_status_counts(*, warehouse_ids: Iterable[int]) -> dict[str, int]:
    """How many orders of the scope are in each status (every status present, zeros too)."""
    counts = dict.fromkeys(PurchaseOrder.Status.values, 0)
    rows = (
        PurchaseOrder.objects.filter(warehouse_id__in=list(warehouse_ids))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    return counts


def purchase_order_page_get(
    *, purchase_order_id: int, warehouse_ids: Iterable[int]
) -> PurchaseOrder | None:
    """One order of the caller's warehouses with its totals, and ``lines`` prefetched (product
    joined, ``line_total`` and ``open_units`` annotated), or None. Two queries."""
    lines = (
        PurchaseOrderLine.objects.select_related("product")
        .annotate(line_total=_line_total())
        .order_by("product__sku", "id")
    )
    return (
        PurchaseOrder.objects.filter(pk=purchase_order_id, warehouse_id__in=list(warehouse_ids))
        .select_related("supplier", "warehouse", "created_by")
        .annotate(**_order_totals())
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


def purchase_order_scope_get(
    *, purchase_order_id: int, warehouse_ids: Iterable[int]
) -> PurchaseOrder | None:
    """One order of the caller's warehouses, plain (for the actions), or None."""
    return (
        PurchaseOrder.objects.filter(pk=purchase_order_id, warehouse_id__in=list(warehouse_ids))
        .select_related("supplier", "warehouse")
        .first()
    )


def purchase_orders_by_ids(
    *, ids: Iterable[int], warehouse_ids: Iterable[int]
) -> list[PurchaseOrder]:
    """Orders of the caller's warehouses by id, with totals (what an approval made)."""
    return list(
        PurchaseOrder.objects.filter(pk__in=list(ids), warehouse_id__in=list(warehouse_ids))
        .select_related("supplier", "warehouse")
        .annotate(**_order_totals())
        .order_by("id")
    )


def supplier_offers_for_order(*, supplier_id: int, limit: int = 500) -> list[SupplierProduct]:
    """The supplier's active offers (product joined), to suggest products on a draft."""
    return list(
        SupplierProduct.objects.filter(
            supplier_id=supplier_id, is_active=True, product__is_active=True
        )
        .select_related("product")
        .order_by("product__sku")[:limit]
    )


def product_for_order_line(*, code: str) -> Product | None:
    """A product by exact SKU, else by barcode (what a purchaser types or scans)."""
    code = code.strip()
    if not code:
        return None
    return Product.objects.filter(sku=code).first() or Product.objects.filter(barcode=code).first()


def suppliers_for_filter() -> list[Supplier]:
    return list(Supplier.objects.order_by("code").only("id", "code", "name", "is_active"))


def suggestions_in_scope(*, ids: Iterable[int], warehouse_ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are suggestions of the caller's warehouses (any status)."""
    return set(
        ReorderSuggestion.objects.filter(
            pk__in=list(ids), warehouse_id__in=list(warehouse_ids)
        ).values_list("pk", flat=True)
    )


def open_suggestions_summary(*, warehouse_ids: Iterable[int]) -> dict[str, int]:
    """Open suggestions of the scope: how many, and how many are critical (nothing available,
    or fewer days of cover than the lead time)."""
    rows = (
        suggestions_list(warehouse_ids=list(warehouse_ids))
        .order_by()
        .values_list("urgency")
        .annotate(n=Count("id"))
    )
    by_urgency = dict(rows)
    return {"open": sum(by_urgency.values()), "critical": by_urgency.get("critical", 0)}


# --- one product -----------------------------------------------------------------------------


def product_page_get(*, product_id: int) -> Product | None:
    return Product.objects.filter(pk=product_id).first()


def product_levels(*, product_id: int, warehouse_ids: Iterable[int]) -> list[StockLevel]:
    """The product's stock level in each of the caller's warehouses that has one."""
    return list(
        StockLevel.objects.filter(product_id=product_id, warehouse_id__in=list(warehouse_ids))
        .select_related("warehouse")
        .order_by("warehouse__code")
    )


def product_rules(*, product_id: int, warehouse_ids: Iterable[int]) -> list[ReorderRule]:
    return list(
        ReorderRule.objects.filter(product_id=product_id, warehouse_id__in=list(warehouse_ids))
        .select_related("warehouse", "supplier")
        .order_by("warehouse__code")
    )


def product_forecasts(*, product_id: int, warehouse_ids: Iterable[int]) -> list[DemandForecast]:
    return list(
        DemandForecast.objects.filter(product_id=product_id, warehouse_id__in=list(warehouse_ids))
        .select_related("warehouse")
        .order_by("warehouse__code")
    )


def product_offers(*, product_id: int) -> list[SupplierProduct]:
    return list(
        SupplierProduct.objects.filter(product_id=product_id)
        .select_related("supplier")
        .order_by("-is_active", "unit_cost", "supplier__code")
    )


def product_order_lines(
    *, product_id: int, warehouse_ids: Iterable[int], limit: int = 20
) -> list[PurchaseOrderLine]:
    """The product's lines on draft and open purchase orders of the scope, oldest first."""
    statuses = (PurchaseOrder.Status.DRAFT, *PurchaseOrder.OPEN_STATUSES)
    return list(
        PurchaseOrderLine.objects.filter(
            product_id=product_id,
            purchase_order__warehouse_id__in=list(warehouse_ids),
            purchase_order__status__in=statuses,
        )
        .select_related("purchase_order__supplier", "purchase_order__warehouse")
        .order_by("purchase_order__created_at", "purchase_order_id")[:limit]
    )
