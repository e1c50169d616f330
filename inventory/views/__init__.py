"""Pages of the inventory app (purchasing) and the shell every role page shares."""

from inventory.views.account import no_role, warehouse_switch
from inventory.views.purchasing import purchaser_home

__all__ = ["no_role", "purchaser_home", "warehouse_switch"]
