"""Read paths for pick-face rules: each with what its face holds and what is on its way."""

from collections.abc import Iterable

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from warehouse.models import Location, PickFaceRule, Quant, Task

_COMING_KINDS = (Task.Kind.PUTAWAY, Task.Kind.REPLENISH)


def pick_face_rules_list(
    *,
    warehouse_ids: Iterable[int],
    warehouse_code: str = "",
    location_code: str = "",
    product_sku: str = "",
    is_active: bool | None = None,
) -> QuerySet[PickFaceRule]:
    """Rules of the warehouses given, in pick-path order, with ``on_face`` (units of the
    product in the bin) and ``coming`` (units open putaway and replenish tasks bring)."""
    on_face = (
        Quant.objects.filter(location_id=OuterRef("location_id"), product_id=OuterRef("product_id"))
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    coming = (
        Task.objects.filter(
            destination_location_id=OuterRef("location_id"),
            product_id=OuterRef("product_id"),
            kind__in=_COMING_KINDS,
            status__in=Task.ACTIVE_STATUSES,
        )
        .values("product_id")
        .annotate(units=Sum("quantity") - Sum("quantity_done"))
        .values("units")
    )
    rules = (
        PickFaceRule.objects.filter(location__warehouse_id__in=list(warehouse_ids))
        .select_related("location", "location__warehouse", "product")
        .annotate(
            on_face=Coalesce(Subquery(on_face, output_field=IntegerField()), 0),
            coming=Coalesce(Subquery(coming, output_field=IntegerField()), 0),
        )
    )
    if warehouse_code:
        rules = rules.filter(location__warehouse__code=warehouse_code)
    if location_code:
        rules = rules.filter(location__code=location_code)
    if product_sku:
        rules = rules.filter(product__sku=product_sku)
    if is_active is not None:
        rules = rules.filter(is_active=is_active)
    return rules.order_by(
        "location__warehouse__code", "location__pick_sequence", "location__code", "product__sku"
    )


def location_by_code(*, warehouse_id: int, code: str) -> Location | None:
    return Location.objects.filter(warehouse_id=warehouse_id, code=code.strip()).first()
