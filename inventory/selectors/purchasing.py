"""Read paths for purchase orders: the list and the detail, lines and products included."""

from django.db.models import Prefetch, QuerySet

from inventory.models import PurchaseOrder, PurchaseOrderLine, Warehouse


def purchase_orders_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    supplier_code: str = "",
    status: str = "",
) -> QuerySet[PurchaseOrder]:
    """Orders of ``warehouses`` (the user's scope), newest first, with their lines' products.

    Three queries for any page: the count, the orders (supplier, warehouse, creator joined)
    and their lines (product joined).
    """
    orders = (
        PurchaseOrder.objects.filter(warehouse__in=warehouses)
        .select_related("supplier", "warehouse", "created_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("product").order_by("id"),
            )
        )
    )
    if warehouse_code:
        orders = orders.filter(warehouse__code=warehouse_code)
    if supplier_code:
        orders = orders.filter(supplier__code=supplier_code)
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def purchase_order_get(*, purchase_order_id: int) -> PurchaseOrder | None:
    """One order by id with its supplier and warehouse, or None."""
    return (
        PurchaseOrder.objects.filter(pk=purchase_order_id)
        .select_related("supplier", "warehouse")
        .first()
    )
