"""Django admin for the inventory app: master data through the services, levels read-only."""

from typing import Any

from django.contrib import admin

from inventory.errors import DomainError
from inventory.models import (
    DemandForecast,
    Product,
    ReorderRule,
    ReorderSuggestion,
    StockLevel,
    Supplier,
    SupplierProduct,
    UserScope,
    Warehouse,
)
from inventory.services.catalog import product_create, product_update
from inventory.services.offers import supplier_offer_create, supplier_offer_update
from inventory.services.rules import reorder_rule_create, reorder_rule_update


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves call a service (``save_model``).

    The service owns its transaction (``atomic(durable=True)``), so the change form must not
    open one around it as Django's ``changeform_view`` does for a POST. A DomainError the
    service raises is shown on the form, on the field it names, instead of a server error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # Nothing was written (the service rolled back): render the form again with it.
            request._service_error = error
            return self._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error: DomainError | None = getattr(request, "_service_error", None)
        if error is None:
            return form

        class WithServiceError(form):
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                self.add_error(error.field if error.field in self.fields else None, error.message)
                return cleaned

        return WithServiceError


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
class ProductAdmin(ServiceAdmin):
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
            product_update(product=original, actor_id=request.user.pk, **fields)
        else:
            obj.pk = product_create(
                actor_id=request.user.pk,
                **{name: form.cleaned_data[name] for name in form.fields},
            ).pk


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


# --- replenishment ----------------------------------------------------------------------------


@admin.register(SupplierProduct)
class SupplierProductAdmin(ServiceAdmin):
    """Supplier offers; withdrawn by deactivating (the services never delete one)."""

    list_display = (
        "product",
        "supplier",
        "supplier_sku",
        "unit_cost",
        "lead_time_days",
        "min_order_quantity",
        "pack_multiple",
        "is_active",
    )
    list_select_related = ("product", "supplier")
    list_filter = ("is_active", "supplier")
    search_fields = ("product__sku", "product__name", "supplier__code", "supplier_sku")
    autocomplete_fields = ("product", "supplier")

    def get_readonly_fields(self, request, obj=None):
        return ("supplier", "product") if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            supplier_offer_update(
                offer=SupplierProduct.objects.get(pk=obj.pk), actor_id=request.user.pk, **fields
            )
        else:
            obj.pk = supplier_offer_create(
                actor_id=request.user.pk,
                **{name: form.cleaned_data[name] for name in form.fields},
            ).pk


@admin.register(ReorderRule)
class ReorderRuleAdmin(ServiceAdmin):
    """Reorder rules; switched off by deactivating (the services never delete one)."""

    list_display = (
        "product",
        "warehouse",
        "policy",
        "min_quantity",
        "max_quantity",
        "supplier",
        "min_order_quantity",
        "pack_multiple",
        "service_level",
        "is_active",
    )
    list_select_related = ("product", "warehouse", "supplier")
    list_filter = ("warehouse", "policy", "is_active")
    search_fields = ("product__sku", "product__name", "supplier__code")
    autocomplete_fields = ("product", "warehouse", "supplier")

    def get_readonly_fields(self, request, obj=None):
        return ("product", "warehouse") if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            reorder_rule_update(
                rule=ReorderRule.objects.get(pk=obj.pk), actor_id=request.user.pk, **fields
            )
        else:
            obj.pk = reorder_rule_create(
                actor_id=request.user.pk,
                **{name: form.cleaned_data[name] for name in form.fields},
            ).pk


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the nightly forecast and the reorder review (and purchasers' decisions
    on their pages): look, never touch."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DemandForecast)
class DemandForecastAdmin(ReadOnlyAdmin):
    list_display = (
        "product",
        "warehouse",
        "method",
        "abc_class",
        "average_daily",
        "deviation_daily",
        "service_level",
        "lead_time_days",
        "safety_stock",
        "reorder_point",
        "order_up_to",
        "computed_at",
    )
    list_select_related = ("product", "warehouse")
    list_filter = ("warehouse", "method", "abc_class")
    search_fields = ("product__sku", "product__name")


@admin.register(ReorderSuggestion)
class ReorderSuggestionAdmin(ReadOnlyAdmin):
    list_display = (
        "product",
        "warehouse",
        "supplier",
        "status",
        "suggested_quantity",
        "quantity",
        "available",
        "on_order",
        "reorder_point",
        "days_of_cover",
        "reviewed_at",
        "purchase_order",
    )
    list_select_related = ("product", "warehouse", "supplier", "purchase_order")
    list_filter = ("status", "warehouse")
    search_fields = ("product__sku", "product__name", "supplier__code")


# --- the audit trail (issue 6): written by the services, read only here --------------------
from inventory.models import AuditEvent  # noqa: E402


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_label", "warehouse")
    list_select_related = ("actor", "warehouse")
    list_filter = ("object_type", "action", "warehouse")
    search_fields = ("object_label", "note", "actor__username")
    date_hierarchy = "at"
