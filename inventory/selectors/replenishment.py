"""Read paths for replenishment: suggestions with their urgency, demand series, rules."""

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.errors import DomainError
from inventory.models import ReorderRule, ReorderSuggestion
from inventory.services.forecasting import REVIEW_PERIOD_DAYS

# How soon a suggestion's product runs out, from its days of cover:
# critical: nothing available, or it runs out before an order placed now could arrive;
# soon: it runs out within the lead time plus one review period;
# later: the rest (no demand, or plenty of cover).
URGENCIES = ("critical", "soon", "later")
ORDERINGS = {
    "days_of_cover": (F("days_of_cover").asc(nulls_last=True), "available", "id"),
    "-days_of_cover": (F("days_of_cover").desc(nulls_last=True), "-available", "id"),
    "product": ("product__sku", "warehouse__code"),
    "-product": ("-product__sku", "warehouse__code"),
    "warehouse": ("warehouse__code", "product__sku"),
    "supplier": (F("supplier__code").asc(nulls_first=True), "product__sku"),
    "quantity": ("order_units", "id"),
    "-quantity": ("-order_units", "id"),
    "value": ("order_value", "id"),
    "-value": ("-order_value", "id"),
    "reviewed": ("reviewed_at", "id"),
    "-reviewed": ("-reviewed_at", "id"),
}


def _ids(values: Iterable[int]) -> QuerySet | list[int]:
    """A queryset of ids stays a subquery; anything else becomes a list."""
    return values if isinstance(values, QuerySet) else list(values)


def _urgency() -> Case:
    return Case(
        When(
            Q(available__lte=0) | Q(days_of_cover__lt=F("lead_time_days")), then=Value("critical")
        ),
        When(
            days_of_cover__lt=F("lead_time_days") + REVIEW_PERIOD_DAYS,
            then=Value("soon"),
        ),
        default=Value("later"),
        output_field=CharField(),
    )


def suggestions_list(
    *,
    warehouse_ids: Iterable[int],
    status: str | None = "open",
    supplier_id: int | None = None,
    urgency: str | None = None,
    order: str = "days_of_cover",
    product_id: int | None = None,
) -> QuerySet[ReorderSuggestion]:
    """Suggestions of ``warehouse_ids`` (the caller's scope), most urgent first by default.

    Annotated: ``urgency`` (see ``URGENCIES``), ``order_units`` (the edited quantity, else the
    suggested one) and ``order_value`` (units x unit cost). Product, warehouse, supplier, rule
    and purchase order come joined: one query for any page. ``status`` None: every status.
    ``order`` is one of ``ORDERINGS``; an unknown order or urgency is a DomainError.
    """
    if order not in ORDERINGS:
        raise DomainError(f"Order by one of: {', '.join(ORDERINGS)}.", field="order")
    if urgency and urgency not in URGENCIES:
        raise DomainError(f"Urgency is one of: {', '.join(URGENCIES)}.", field="urgency")
    suggestions = (
        ReorderSuggestion.objects.filter(warehouse_id__in=_ids(warehouse_ids))
        .select_related("product", "warehouse", "supplier", "rule", "purchase_order")
        .annotate(
            urgency=_urgency(),
            order_units=Coalesce("quantity", "suggested_quantity"),
        )
        .annotate(
            order_value=ExpressionWrapper(
                F("order_units") * F("unit_cost"),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            )
        )
    )
    if status:
        suggestions = suggestions.filter(status=status)
    if supplier_id is not None:
        suggestions = suggestions.filter(supplier_id=supplier_id)
    if product_id is not None:
        suggestions = suggestions.filter(product_id=product_id)
    if urgency:
        suggestions = suggestions.filter(urgency=urgency)
    return suggestions.order_by(*ORDERINGS[order])


def suggestion_get(*, suggestion_id: int, warehouse_ids: Iterable[int]) -> ReorderSuggestion | None:
    """One suggestion of the caller's warehouses, annotated as in ``suggestions_list``."""
    return (
        suggestions_list(warehouse_ids=warehouse_ids, status=None).filter(pk=suggestion_id).first()
    )


def suggestion_demand_series(
    *, pairs: Collection[tuple[int, int]], days: int = 56, today: date | None = None
) -> dict[tuple[int, int], list[int]]:
    """Units shipped per day for each (product_id, warehouse_id), the ``days`` days up to and
    including ``today`` (default: the local date), oldest first, zeros for days without
    demand. One query for any number of pairs."""
    today = today or timezone.localdate()
    wanted = sorted(set(pairs))
    series = {pair: [0] * days for pair in wanted}
    if not wanted or days <= 0:
        return series
    first = today - timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.product_id, d.warehouse_id, d.date, d.quantity
            FROM inventory_demandrecord AS d
            JOIN unnest(%s::bigint[], %s::bigint[]) AS pair(product_id, warehouse_id)
                ON pair.product_id = d.product_id AND pair.warehouse_id = d.warehouse_id
            WHERE d.date BETWEEN %s AND %s
            """,
            [[p for p, _ in wanted], [w for _, w in wanted], first, today],
        )
        for product_id, warehouse_id, day, quantity in cursor.fetchall():
            series[(product_id, warehouse_id)][(day - first).days] = quantity
    return series


def reorder_rules_list(
    *,
    warehouse_ids: Iterable[int],
    warehouse_code: str = "",
    product_sku: str = "",
    supplier_code: str = "",
    policy: str = "",
    is_active: bool | None = None,
) -> QuerySet[ReorderRule]:
    """Rules of ``warehouse_ids`` (the caller's scope), with product, warehouse and supplier."""
    rules = ReorderRule.objects.filter(warehouse_id__in=_ids(warehouse_ids)).select_related(
        "product", "warehouse", "supplier"
    )
    if warehouse_code:
        rules = rules.filter(warehouse__code=warehouse_code)
    if product_sku:
        rules = rules.filter(product__sku=product_sku)
    if supplier_code:
        rules = rules.filter(supplier__code=supplier_code)
    if policy:
        rules = rules.filter(policy=policy)
    if is_active is not None:
        rules = rules.filter(is_active=is_active)
    return rules.order_by("warehouse__code", "product__sku")
