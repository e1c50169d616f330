"""The reorder review: which products each warehouse must buy now, how many, and from whom.

Set-based: one statement reviews every active rule in scope, however many. It computes each
pair's figures in a CTE, upserts ONE open suggestion per needy (product, warehouse) (the
partial unique index ``suggestion_one_open`` is the conflict target) and closes the open ones
no longer needed, and counts what it did. Approved and dismissed suggestions are never touched.

For a rule:

- reorder point = ``min_quantity`` (min_max), or max(forecast reorder point, ``min_quantity``)
  (forecast);
- target = ``max_quantity`` (min_max), or max(forecast order-up-to, ``max_quantity``, reorder
  point) (forecast);
- position = available + arriving (received, on the dock or in QC: a receipt turns on order
  into arriving, never into a need) + on order (sent purchase orders) + what already waits on draft
  purchase orders of the warehouse (approved suggestions not yet sent: without it the next
  review would suggest the same units again);
- when position <= reorder point and target > position: need = target - position, rounded up
  to the minimum order quantity, then up to a multiple of the pack (the rule's, else the
  offer's, else 1);
- the supplier is the rule's, else the product's cheapest, then fastest, active offer of an
  active supplier (none: the suggestion has no supplier and says so);
- unit cost is the offer's, else the product's; lead time the offer's, else the supplier's.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection, transaction

from inventory.locks import suggestions_review_lock

# Lead time assumed when no supplier offers the product (the Supplier model's default).
DEFAULT_LEAD_TIME_DAYS = 7

# The chosen offer per product when a rule names no supplier: the cheapest, then the fastest,
# active offer of an active supplier (ties: the lowest supplier id). ``{products}`` narrows the
# products (a subquery or an array), so a review of one pair reads only that product's offers.
BEST_OFFER_SQL = """
SELECT DISTINCT ON (o.product_id)
    o.product_id, o.supplier_id, o.unit_cost, o.min_order_quantity, o.pack_multiple,
    COALESCE(o.lead_time_days, s.lead_time_days) AS lead_time_days
FROM inventory_supplierproduct AS o
JOIN inventory_supplier AS s ON s.id = o.supplier_id AND s.is_active
WHERE o.is_active AND o.product_id IN ({products})
ORDER BY o.product_id, o.unit_cost, COALESCE(o.lead_time_days, s.lead_time_days), o.supplier_id
"""


@dataclass(frozen=True)
class ReviewResult:
    opened: int
    updated: int
    closed: int


# The figures of every active rule in scope ({scope}: extra conditions on the rule ``r``).
_FIGURES_SQL = """
rule AS MATERIALIZED (
    SELECT r.id, r.product_id, r.warehouse_id, r.policy, r.min_quantity, r.max_quantity,
           r.supplier_id, r.min_order_quantity, r.pack_multiple
    FROM inventory_reorderrule AS r
    JOIN inventory_product AS p ON p.id = r.product_id AND p.is_active
    JOIN inventory_warehouse AS w ON w.id = r.warehouse_id AND w.is_active
    WHERE r.is_active {scope}
),
best AS (
    {best_offer}
),
drafted AS (
    SELECT l.product_id, po.warehouse_id, sum(l.quantity) AS quantity
    FROM inventory_purchaseorder AS po
    JOIN inventory_purchaseorderline AS l ON l.purchase_order_id = po.id
    WHERE po.status = 'draft' {draft_scope}
    GROUP BY l.product_id, po.warehouse_id
),
base AS (
    SELECT rule.id AS rule_id, rule.product_id, rule.warehouse_id, rule.policy,
        rule.min_quantity,
        COALESCE(rule.supplier_id, best.supplier_id) AS supplier_id,
        COALESCE(ro.unit_cost, best.unit_cost, p.unit_cost) AS unit_cost,
        COALESCE(rule.min_order_quantity, ro.min_order_quantity, best.min_order_quantity, 1)
            AS moq,
        COALESCE(rule.pack_multiple, ro.pack_multiple, best.pack_multiple, 1) AS pack,
        COALESCE(ro.lead_time_days, rs.lead_time_days, best.lead_time_days, %(default_lead)s)
            AS lead_time_days,
        COALESCE(level.available, 0) AS available,
        COALESCE(level.on_order, 0) AS on_order,
        COALESCE(level.in_receiving + level.in_qc, 0) AS arriving,
        COALESCE(drafted.quantity, 0)::integer AS drafted,
        COALESCE(f.average_daily, 0) AS average_daily,
        f.safety_stock, f.reorder_point AS forecast_point, f.lead_time_days AS forecast_lead,
        CASE WHEN rule.policy = 'forecast'
             THEN GREATEST(COALESCE(f.reorder_point, 0), rule.min_quantity)
             ELSE rule.min_quantity END AS reorder_point,
        CASE WHEN rule.policy = 'forecast'
             THEN GREATEST(COALESCE(f.order_up_to, 0), rule.max_quantity,
                           COALESCE(f.reorder_point, 0), rule.min_quantity)
             ELSE rule.max_quantity END AS order_up_to
    FROM rule
    JOIN inventory_product AS p ON p.id = rule.product_id
    LEFT JOIN inventory_supplierproduct AS ro
        ON ro.product_id = rule.product_id AND ro.supplier_id = rule.supplier_id AND ro.is_active
    LEFT JOIN inventory_supplier AS rs ON rs.id = rule.supplier_id
    LEFT JOIN best ON rule.supplier_id IS NULL AND best.product_id = rule.product_id
    LEFT JOIN inventory_stocklevel AS level
        ON level.product_id = rule.product_id AND level.warehouse_id = rule.warehouse_id
    LEFT JOIN inventory_demandforecast AS f
        ON f.product_id = rule.product_id AND f.warehouse_id = rule.warehouse_id
    LEFT JOIN drafted
        ON drafted.product_id = rule.product_id AND drafted.warehouse_id = rule.warehouse_id
),
needs AS (
    SELECT base.*,
        available + arriving + on_order + drafted AS position,
        order_up_to - (available + arriving + on_order + drafted) AS need
    FROM base
),
figures AS MATERIALIZED (
    SELECT needs.*,
        position <= reorder_point AND need > 0 AS needed,
        ((GREATEST(need, moq) + pack - 1) / pack) * pack AS quantity,
        CASE WHEN average_daily > 0 THEN available / average_daily END AS days_of_cover,
        format('Available %%s', available)
        || CASE WHEN arriving > 0 THEN format(' + %%s on the dock or in QC', arriving) ELSE '' END
        || format(' + on order %%s', on_order)
        || CASE WHEN drafted > 0 THEN format(' + %%s on draft orders', drafted) ELSE '' END
        AS position_text
    FROM needs
)
"""

_REVIEW_SQL = (
    "WITH "
    + _FIGURES_SQL
    + """,
upserted AS (
    INSERT INTO inventory_reordersuggestion AS s (
        created_at, updated_at, reviewed_at, product_id, warehouse_id, rule_id, supplier_id,
        status, suggested_quantity, unit_cost, available, on_order, reorder_point, order_up_to,
        average_daily, days_of_cover, lead_time_days, reason, dismiss_reason)
    SELECT now(), now(), now(), product_id, warehouse_id, rule_id, supplier_id,
        'open', quantity, unit_cost, available, on_order, reorder_point, order_up_to,
        average_daily, days_of_cover, lead_time_days,
        position_text
        || format(' is at or below the %%s %%s', CASE WHEN policy = 'forecast'
               THEN 'reorder point' ELSE 'minimum' END, reorder_point)
        || CASE
               WHEN policy = 'forecast' AND forecast_point IS NOT NULL
                    AND forecast_point >= min_quantity
               THEN format(' (lead time %%s d x %%s/day + safety %%s)', forecast_lead,
                           round(average_daily::numeric, 1), round(safety_stock::numeric))
               WHEN policy = 'forecast' THEN ' (the rule''s minimum)'
               ELSE '' END
        || format('. Order %%s to reach %%s', quantity, order_up_to)
        || CASE WHEN quantity > need
               THEN format(' (%%s needed; %%s)', need, concat_ws(', ',
                   CASE WHEN moq > 1 THEN format('MOQ %%s', moq) END,
                   CASE WHEN pack > 1 THEN format('packs of %%s', pack) END))
               ELSE '' END
        || '.'
        || CASE WHEN supplier_id IS NULL
               THEN ' No active supplier offers this product: choose one.' ELSE '' END,
        ''
    FROM figures
    WHERE needed
    ON CONFLICT (product_id, warehouse_id) WHERE status = 'open' DO UPDATE SET
        updated_at = now(), reviewed_at = now(), rule_id = EXCLUDED.rule_id,
        supplier_id = EXCLUDED.supplier_id, suggested_quantity = EXCLUDED.suggested_quantity,
        unit_cost = EXCLUDED.unit_cost, available = EXCLUDED.available,
        on_order = EXCLUDED.on_order, reorder_point = EXCLUDED.reorder_point,
        order_up_to = EXCLUDED.order_up_to, average_daily = EXCLUDED.average_daily,
        days_of_cover = EXCLUDED.days_of_cover, lead_time_days = EXCLUDED.lead_time_days,
        reason = EXCLUDED.reason
    -- Unchanged suggestions are left alone: no dead rows for nothing every 15 minutes.
    WHERE (s.rule_id, s.supplier_id, s.suggested_quantity, s.unit_cost, s.available,
           s.on_order, s.reorder_point, s.order_up_to, s.average_daily, s.days_of_cover,
           s.lead_time_days, s.reason)
        IS DISTINCT FROM
          (EXCLUDED.rule_id, EXCLUDED.supplier_id, EXCLUDED.suggested_quantity,
           EXCLUDED.unit_cost, EXCLUDED.available, EXCLUDED.on_order, EXCLUDED.reorder_point,
           EXCLUDED.order_up_to, EXCLUDED.average_daily, EXCLUDED.days_of_cover,
           EXCLUDED.lead_time_days, EXCLUDED.reason)
    RETURNING (s.xmax = 0) AS inserted
),
closed AS (
    UPDATE inventory_reordersuggestion AS s
    SET status = 'dismissed', updated_at = now(), decided_at = now(),
        dismiss_reason = left('no longer needed: ' || CASE
            WHEN figures.rule_id IS NULL THEN 'no active reorder rule'
            WHEN figures.position > figures.reorder_point THEN
                lower(figures.position_text)
                || format(' is above the reorder point %%s', figures.reorder_point)
            ELSE lower(figures.position_text)
                || format(' already reaches %%s', figures.order_up_to)
            END, 300)
    FROM inventory_reordersuggestion AS cur
    LEFT JOIN figures
        ON figures.product_id = cur.product_id AND figures.warehouse_id = cur.warehouse_id
    WHERE s.id = cur.id AND cur.status = 'open' {open_scope}
      AND (figures.rule_id IS NULL OR NOT figures.needed)
    RETURNING s.id
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
       (SELECT count(*) FROM closed)
FROM upserted
"""
)


def review_statement(
    *, warehouse_id: int | None, product_ids: Collection[int] | None
) -> tuple[str, dict[str, object]]:
    """The review's SQL and parameters for a scope (also used by the benchmark's EXPLAIN)."""
    params: dict[str, object] = {"default_lead": DEFAULT_LEAD_TIME_DAYS}
    scope, draft_scope, open_scope = [], [], []
    if warehouse_id is not None:
        params["warehouse_id"] = warehouse_id
        scope.append("r.warehouse_id = %(warehouse_id)s")
        draft_scope.append("po.warehouse_id = %(warehouse_id)s")
        open_scope.append("cur.warehouse_id = %(warehouse_id)s")
    if product_ids is not None:
        params["product_ids"] = sorted(set(product_ids))
        scope.append("r.product_id = ANY(%(product_ids)s::bigint[])")
        draft_scope.append("l.product_id = ANY(%(product_ids)s::bigint[])")
        open_scope.append("cur.product_id = ANY(%(product_ids)s::bigint[])")
    sql = _REVIEW_SQL.format(
        scope="".join(f" AND {c}" for c in scope),
        draft_scope="".join(f" AND {c}" for c in draft_scope),
        open_scope="".join(f" AND {c}" for c in open_scope),
        best_offer=BEST_OFFER_SQL.format(
            products="SELECT product_id FROM rule WHERE supplier_id IS NULL"
        ).replace("%", "%%"),
    )
    return sql, params


@transaction.atomic(durable=True)
def reorder_review(
    *, warehouse_id: int | None = None, product_ids: Collection[int] | None = None
) -> ReviewResult:
    """Review the active reorder rules (of one warehouse, of some products, or all).

    Opens one suggestion per (product, warehouse) whose available + on order (+ draft orders)
    is at or below its reorder point, updates the open one when its figures changed, and
    closes (status dismissed, reason "no longer needed: ...") open suggestions in scope that
    are no longer needed or have no active rule. Two statements: the suggestions lock (taken
    exclusive: reviews take turns with each other and with decisions) and the review itself.
    Idempotent: a second run with nothing changed writes nothing.
    """
    if product_ids is not None and not product_ids:
        return ReviewResult(0, 0, 0)
    suggestions_review_lock(shared=False)
    sql, params = review_statement(warehouse_id=warehouse_id, product_ids=product_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        opened, updated, closed = cursor.fetchone()
    return ReviewResult(opened=opened, updated=updated, closed=closed)
