from .counts import BinCount as BinCount  # cycle counts (issue 6)
from .exceptions import ScanRefusal as ScanRefusal  # refused scans (issue 6)
from .inbound import QcInspection, Receipt, ReceiptItem, ReceiptLine
from .layout import Location, Zone
from .outbound import Allocation, Order, OrderLine, Package, PackageItem, PickBatch, Wave
from .outbox import OutboxMessage as OutboxMessage  # Celery sends owed (issue 7)
from .replenishment import PickFaceRule
from .stock import Lot, Quant, StockMove
from .tasks import Task

__all__ = [
    "Allocation",
    "Order",
    "OrderLine",
    "Package",
    "PackageItem",
    "PickBatch",
    "PickFaceRule",
    "Wave",
    "Location",
    "Lot",
    "QcInspection",
    "Quant",
    "Receipt",
    "ReceiptItem",
    "ReceiptLine",
    "StockMove",
    "Task",
    "Zone",
]
