from .inbound import QcInspection, Receipt, ReceiptItem, ReceiptLine
from .layout import Location, Zone
from .stock import Lot, Quant, StockMove
from .tasks import Task

__all__ = [
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
