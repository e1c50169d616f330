"""Django admin for the inventory app: master data through the services, levels read-only."""

from django.contrib import admin

from inventory.models import Product, StockLevel, Supplier, UserScope, Warehouse
from inventory.services.catalog import product_create, product_update


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")

    def has_add_permission(self, request) -> bool:
        # A site needs its virtual ledger ends and docks: create it through the API or
        # warehouse.services.layout.warehouse_setup.
        return False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "lead_time_days", "requires_qc", "is_active")
    search_fields = ("code", "name")
    list_filter = ("requires_qc", "is_active")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "name",
        "barcode",
        "unit_of_measure",
        "unit_cost",
        "tracking",
        "requires_qc",
        "is_active",
    )
    search_fields = ("sku", "name", "barcode")
    list_filter = ("tracking", "requires_qc", "is_active", "unit_of_measure")

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            original = Product.objects.get(pk=obj.pk)
            product_update(product=original, **fields)
        else:
            obj.pk = product_create(**{name: form.cleaned_data[name] for name in form.fields}).pk


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = (
        "product",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "in_receiving",
        "in_qc",
        "quarantined",
        "in_outbound",
        "blocked",
        "on_order",
    )
    list_select_related = ("product", "warehouse")
    list_filter = ("warehouse",)
    search_fields = ("product__sku", "product__name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a projection of the ledger: changed only by stock moves

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "all_warehouses", "default_warehouse")
    filter_horizontal = ("warehouses",)
