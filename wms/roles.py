"""The three roles (Django groups) and where each one's work starts."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SUPERVISOR = "supervisor"
FLOOR = "floor"
PURCHASER = "purchaser"
ROLES = (SUPERVISOR, FLOOR, PURCHASER)

# Permissions each group holds, as "app_label.codename".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPERVISOR: [
        "warehouse.view_location",
        "warehouse.add_location",
        "warehouse.change_location",
        "warehouse.view_zone",
        "warehouse.add_zone",
        "warehouse.change_zone",
        "warehouse.view_quant",
        "warehouse.view_lot",
        "warehouse.view_stockmove",
        "warehouse.adjust_stock",
        "warehouse.view_task",
        "warehouse.work_task",
        "warehouse.control_task",
        "warehouse.receive_goods",
        "warehouse.view_receipt",
        "warehouse.view_order",
        "warehouse.add_order",
        "warehouse.change_order",
        "warehouse.release_wave",
        "warehouse.ship_order",
        "inventory.view_purchaseorder",
        "inventory.view_warehouse",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "inventory.view_product",
        "inventory.add_product",
        "inventory.change_product",
        "inventory.view_supplier",
        "inventory.add_supplier",
        "inventory.change_supplier",
        "inventory.view_stocklevel",
        "inventory.view_reorderrule",
        "inventory.view_reordersuggestion",
        "inventory.view_demandforecast",
        "inventory.view_supplierproduct",
        "inventory.manage_replenishment",
        "inventory.view_auditevent",  # the audit trail (issue 6)
    ],
    FLOOR: [
        "warehouse.view_location",
        "warehouse.view_quant",
        "warehouse.view_lot",
        "warehouse.view_task",
        "warehouse.work_task",
        "warehouse.receive_goods",
        "warehouse.view_receipt",
        "warehouse.view_order",
        "warehouse.ship_order",
        "inventory.view_purchaseorder",
        "inventory.view_product",
        "inventory.view_warehouse",
    ],
    PURCHASER: [
        "inventory.view_warehouse",
        "inventory.view_product",
        "inventory.add_product",
        "inventory.change_product",
        "inventory.view_supplier",
        "inventory.add_supplier",
        "inventory.change_supplier",
        "inventory.view_stocklevel",
        "inventory.view_purchaseorder",
        "inventory.add_purchaseorder",
        "inventory.change_purchaseorder",
        "inventory.manage_purchasing",
        "inventory.view_reorderrule",
        "inventory.view_reordersuggestion",
        "inventory.view_demandforecast",
        "inventory.view_supplierproduct",
        "inventory.add_supplierproduct",
        "inventory.change_supplierproduct",
        "inventory.manage_replenishment",
        "warehouse.view_stockmove",
        "warehouse.view_receipt",
    ],
}

HOME_URL_NAMES = {
    SUPERVISOR: "supervisor-dashboard",  # the dashboard; stock is one click away (issue 6)
    FLOOR: "floor-home",
    PURCHASER: "purchaser-home",
}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    preloaded = getattr(user, "wms_group_names", None)  # read with the user (wms.access)
    names = set(preloaded) if preloaded is not None else {g.name for g in user.groups.all()}
    if user.is_superuser:
        names.add(SUPERVISOR)
    return names & set(ROLES)


def home_url_name(user: AbstractBaseUser | AnonymousUser) -> str:
    """Supervisors first: a user in several groups lands on the widest screen."""
    roles = user_roles(user)
    for role in ROLES:
        if role in roles:
            return HOME_URL_NAMES[role]
    return "no-role"


def roles_sync(**_kwargs: object) -> None:
    """Create the role groups and give each exactly its permissions (run after migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.append((app_label, codename))
        permissions = [
            perm
            for perm in Permission.objects.select_related("content_type").filter(
                codename__in=[codename for _, codename in wanted]
            )
            if (perm.content_type.app_label, perm.codename) in wanted
        ]
        group.permissions.set(permissions)
