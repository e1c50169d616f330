"""What an inbound request could change, to assert that a refused one changed nothing."""

from inventory.models import PurchaseOrder, PurchaseOrderLine, StockLevel
from warehouse.models import (
    Lot,
    QcInspection,
    Quant,
    Receipt,
    ReceiptItem,
    ReceiptLine,
    StockMove,
    Task,
)


def inbound_state() -> dict[str, object]:
    return {
        "orders": sorted(PurchaseOrder.objects.values_list("id", "status")),
        "order_lines": sorted(PurchaseOrderLine.objects.values_list("id", "received_quantity")),
        "receipts": sorted(Receipt.objects.values_list("id", "status")),
        "receipt_lines": sorted(ReceiptLine.objects.values_list("id", "received_quantity")),
        "items": ReceiptItem.objects.count(),
        "lots": Lot.objects.count(),
        "moves": StockMove.objects.count(),
        "quants": sorted(
            Quant.objects.values_list("product_id", "location_id", "lot_id", "quantity", "reserved")
        ),
        "levels": sorted(
            StockLevel.objects.values_list(
                "product_id",
                "warehouse_id",
                "on_hand",
                "in_receiving",
                "in_qc",
                "quarantined",
                "available",
                "on_order",
            )
        ),
        "tasks": sorted(
            Task.objects.values_list("id", "status", "quantity_done", "assignee_id", "started_at")
        ),
        "inspections": QcInspection.objects.count(),
    }
