from .layout import Location, Zone
from .stock import Lot, Quant, StockMove
from .tasks import Task

__all__ = ["Location", "Lot", "Quant", "StockMove", "Task", "Zone"]
