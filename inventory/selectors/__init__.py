"""Read paths of the inventory app: warehouses a user may see, products, levels."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from inventory.models import Product, StockLevel, Supplier, UserScope, Warehouse


def warehouses_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Warehouse]:
    """The active warehouses the user works in: assigned ones, or all when so marked."""
    active = Warehouse.objects.filter(is_active=True)
    if not user.is_authenticated:
        return active.none()
    if user.is_superuser:
        return active
    preloaded = getattr(user, "wms_warehouses", None)  # read with the user this request
    if preloaded is not None:  # (inventory.selectors.access): no statement for the scope
        return active.filter(pk__in=[row["id"] for row in preloaded])
    scope = UserScope.objects.filter(user=user).first()
    if scope is None:
        return active.none()
    if scope.all_warehouses:
        return active
    return active.filter(user_scopes=scope)


def warehouse_default_for_user(*, user: AbstractBaseUser) -> Warehouse | None:
    """The user's default warehouse if they may still see it, else their first one."""
    allowed = warehouses_for_user(user=user)
    scope = UserScope.objects.filter(user=user).only("default_warehouse_id").first()
    if scope and scope.default_warehouse_id:
        chosen = allowed.filter(pk=scope.default_warehouse_id).first()
        if chosen:
            return chosen
    return allowed.first()


def products_list(*, search: str = "", sku: str = "", barcode: str = "") -> QuerySet[Product]:
    products = Product.objects.all()
    if sku:
        products = products.filter(sku=sku)
    if barcode:
        products = products.filter(barcode=barcode)
    if search:
        products = products.filter(
            Q(sku__icontains=search) | Q(name__icontains=search) | Q(barcode=search)
        )
    return products.order_by("sku")


def suppliers_list() -> QuerySet[Supplier]:
    return Supplier.objects.order_by("code")


def stock_levels_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    product_sku: str = "",
    search: str = "",
) -> QuerySet[StockLevel]:
    levels = StockLevel.objects.filter(warehouse__in=warehouses).select_related(
        "product", "warehouse"
    )
    if warehouse_code:
        levels = levels.filter(warehouse__code=warehouse_code)
    if product_sku:
        levels = levels.filter(product__sku=product_sku)
    if search:
        levels = levels.filter(
            Q(product__sku__icontains=search)
            | Q(product__name__icontains=search)
            | Q(product__barcode=search)
        )
    return levels.order_by("product__sku", "warehouse__code")


# --- lookups by natural key and filtered lists for the REST API ----------------------------


def warehouse_by_code(*, code: str) -> Warehouse | None:
    """Any warehouse (active or not) by its exact code; the caller checks the user's scope."""
    return Warehouse.objects.filter(code=code).first()


def product_by_sku(*, sku: str) -> Product | None:
    return Product.objects.filter(sku=sku).first()


def supplier_by_code(*, code: str) -> Supplier | None:
    return Supplier.objects.filter(code=code).first()


def warehouses_list(
    *, warehouses: QuerySet[Warehouse], code: str = "", search: str = ""
) -> QuerySet[Warehouse]:
    """``warehouses`` (the user's scope) narrowed by exact code or a search on code and name."""
    if code:
        warehouses = warehouses.filter(code=code)
    if search:
        warehouses = warehouses.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return warehouses.order_by("code")


def suppliers_search(*, code: str = "", search: str = "") -> QuerySet[Supplier]:
    suppliers = Supplier.objects.all()
    if code:
        suppliers = suppliers.filter(code=code)
    if search:
        suppliers = suppliers.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return suppliers.order_by("code")
