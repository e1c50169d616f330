"""Django admin for the warehouse app. The ledger, quants and lots are read-only here: stock
changes only through the services, so that the ledger always sums to the quants."""

from django.contrib import admin

from warehouse.models import Location, Lot, Quant, StockMove, Task, Zone
from warehouse.services.layout import location_create, location_update


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "warehouse")
    list_filter = ("warehouse",)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "warehouse",
        "zone",
        "kind",
        "aisle",
        "rack",
        "shelf",
        "bin",
        "capacity_units",
        "pick_sequence",
        "is_blocked",
    )
    list_filter = ("warehouse", "kind", "is_blocked", "zone")
    search_fields = ("code", "barcode")
    list_select_related = ("warehouse", "zone")
    # Blocking moves stock between level buckets: use the API or the supervisor pages.
    readonly_fields = ("is_blocked", "blocked_reason")
    raw_id_fields = ("home_product",)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            location_update(
                location=Location.objects.get(pk=obj.pk), actor_id=request.user.pk, **fields
            )
        else:
            fields = {n: form.cleaned_data[n] for n in form.fields if n != "warehouse"}
            obj.pk = location_create(
                warehouse=form.cleaned_data["warehouse"], actor_id=request.user.pk, **fields
            ).pk


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("code", "product", "expiry_date", "received_at")
    search_fields = ("code", "product__sku")
    list_select_related = ("product",)


@admin.register(Quant)
class QuantAdmin(ReadOnlyAdmin):
    list_display = ("product", "location", "lot", "quantity", "reserved", "received_at")
    list_filter = ("warehouse",)
    search_fields = ("product__sku", "location__code", "lot__code")
    list_select_related = ("product", "location", "lot")


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "product",
        "lot",
        "from_location",
        "to_location",
        "quantity",
        "actor",
        "reference",
    )
    list_filter = ("kind", "warehouse")
    search_fields = ("product__sku", "reference", "from_location__code", "to_location__code")
    list_select_related = ("product", "lot", "from_location", "to_location", "actor")
    date_hierarchy = "created_at"


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "priority",
        "product",
        "quantity",
        "source_location",
        "destination_location",
        "assignee",
        "created_at",
    )
    list_filter = ("kind", "status", "warehouse")
    search_fields = ("reference", "product__sku")
    list_select_related = ("product", "source_location", "destination_location", "assignee")
