"""Demand forecasts: average daily demand, its deviation, and the reorder point that follows.

Set-based: one statement computes every (product, warehouse) with demand in the last
``HISTORY_DAYS`` days, an active reorder rule or an earlier forecast, and upserts its
``DemandForecast``. Days without a ``DemandRecord`` are days without demand (zeros), so the
sums below need only the records that exist.

Over the n days from the first demand in the window (at most ``HISTORY_DAYS``) to yesterday
(today is not over yet), with weights w = (1 - ALPHA) ** age in days (yesterday: age 0):

- ``ewma``: average = sum(w x) / sum(w), deviation = sqrt(sum(w x^2) / sum(w) - average^2),
  where sum(w) over all n days = (1 - (1 - ALPHA) ** n) / ALPHA. This is the exponentially
  weighted moving average with its start-up bias removed (the recursion S = ALPHA x +
  (1 - ALPHA) S from S = 0, divided by 1 - (1 - ALPHA) ** n);
- ``new`` (fewer than ``NEW_PRODUCT_DAYS`` days since the first demand): the plain average
  and population deviation over those days;
- ``none``: no demand in the window: zeros.

ABC classes per warehouse by demand value over the last ``ABC_DAYS`` days (units x the
product's unit cost): the pairs making up the top 80 % of the value are A, the next 15 % B,
the rest (and no demand) C. Service level: the rule's, else by class (A .98, B .95, C .90).
Lead time: the chosen supplier's (the rule's, else the cheapest then fastest active offer; the
offer's lead time, else the supplier's; no offer: ``DEFAULT_LEAD_TIME_DAYS``).

safety stock = z(service level) x deviation x sqrt(lead time);
reorder point = ceil(average x lead time + safety stock);
order-up-to = ceil(reorder point + average x ``REVIEW_PERIOD_DAYS``).
"""

from datetime import date, timedelta
from decimal import Decimal
from statistics import NormalDist

from django.db import connection, transaction
from django.utils import timezone

from inventory.models import ReorderRule
from inventory.services.replenishment import BEST_OFFER_SQL, DEFAULT_LEAD_TIME_DAYS

ALPHA = 0.1  # smoothing: yesterday weighs 10 %, a day a month ago about 4 %
HISTORY_DAYS = 365
NEW_PRODUCT_DAYS = 28
ABC_DAYS = 90
REVIEW_PERIOD_DAYS = 7
CLASS_SERVICE_LEVELS = {"A": Decimal("0.98"), "B": Decimal("0.95"), "C": Decimal("0.90")}
ABC_SHARES = (0.80, 0.95)  # cumulative value share before a pair: below 80 % A, below 95 % B


def z_score(service_level: Decimal | float) -> float:
    """The standard normal quantile of a service level (0.95 -> 1.645)."""
    return NormalDist().inv_cdf(float(service_level))


_FORECAST_SQL = """
WITH hist AS (
    SELECT d.product_id, d.warehouse_id,
        LEAST(%(yesterday)s::date - min(d.date) + 1, %(history_days)s) AS days,
        sum(d.quantity * power(%(decay)s, %(yesterday)s::date - d.date)) AS s1,
        sum(d.quantity::float8 * d.quantity * power(%(decay)s, %(yesterday)s::date - d.date))
            AS s2,
        sum(d.quantity)::float8 AS total,
        sum(d.quantity::float8 * d.quantity) AS total2,
        COALESCE(sum(d.quantity) FILTER (WHERE d.date >= %(abc_start)s::date), 0) AS recent
    FROM inventory_demandrecord AS d
    WHERE d.date BETWEEN %(window_start)s::date AND %(yesterday)s::date {demand_scope}
    GROUP BY d.product_id, d.warehouse_id
),
rule AS MATERIALIZED (
    SELECT r.product_id, r.warehouse_id, r.supplier_id, r.service_level
    FROM inventory_reorderrule AS r
    WHERE r.is_active {rule_scope}
),
pairs AS MATERIALIZED (
    SELECT product_id, warehouse_id FROM hist
    UNION SELECT product_id, warehouse_id FROM rule
    UNION SELECT product_id, warehouse_id FROM inventory_demandforecast AS f
          WHERE true {forecast_scope}
),
best AS (
    {best_offer}
),
stats AS (
    SELECT pairs.product_id, pairs.warehouse_id,
        CASE WHEN hist.days IS NULL THEN 'none'
             WHEN hist.days < %(new_days)s THEN 'new' ELSE 'ewma' END AS method,
        COALESCE(hist.days, 0) AS days,
        hist.s1, hist.s2, hist.total, hist.total2,
        (1 - power(%(decay)s, hist.days)) / %(alpha)s AS weight,
        COALESCE(hist.recent, 0) * p.unit_cost AS value,
        rule.service_level AS rule_service_level,
        COALESCE(ro.lead_time_days, rs.lead_time_days, best.lead_time_days,
                 %(default_lead)s) AS lead_time_days
    FROM pairs
    JOIN inventory_product AS p ON p.id = pairs.product_id
    LEFT JOIN hist
        ON hist.product_id = pairs.product_id AND hist.warehouse_id = pairs.warehouse_id
    LEFT JOIN rule
        ON rule.product_id = pairs.product_id AND rule.warehouse_id = pairs.warehouse_id
    LEFT JOIN inventory_supplierproduct AS ro
        ON ro.product_id = rule.product_id AND ro.supplier_id = rule.supplier_id AND ro.is_active
    LEFT JOIN inventory_supplier AS rs ON rs.id = rule.supplier_id
    LEFT JOIN best ON rule.supplier_id IS NULL AND best.product_id = pairs.product_id
),
averaged AS (
    SELECT stats.*,
        CASE method WHEN 'ewma' THEN s1 / weight WHEN 'new' THEN total / days ELSE 0 END
            AS average,
        CASE method WHEN 'ewma' THEN s2 / weight WHEN 'new' THEN total2 / days ELSE 0 END
            AS mean_square,
        sum(value) OVER (PARTITION BY warehouse_id) AS warehouse_value,
        sum(value) OVER (PARTITION BY warehouse_id ORDER BY value DESC, product_id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS value_before
    FROM stats
),
classed AS (
    SELECT averaged.*,
        sqrt(GREATEST(mean_square - average * average, 0)) AS deviation,
        CASE WHEN value <= 0 THEN 'C'
             WHEN COALESCE(value_before, 0) < %(share_a)s * warehouse_value THEN 'A'
             WHEN COALESCE(value_before, 0) < %(share_b)s * warehouse_value THEN 'B'
             ELSE 'C' END AS abc_class
    FROM averaged
),
levelled AS (
    SELECT classed.*, z.level AS service_level, z.z
    FROM classed
    JOIN unnest(%(levels)s::numeric[], %(zs)s::float8[]) AS z(level, z)
        ON z.level = COALESCE(classed.rule_service_level, CASE classed.abc_class
            WHEN 'A' THEN %(level_a)s::numeric WHEN 'B' THEN %(level_b)s::numeric
            ELSE %(level_c)s::numeric END)
),
safety AS (
    SELECT levelled.*, z * deviation * sqrt(lead_time_days) AS safety_stock,
        ceil(round((average * lead_time_days + z * deviation * sqrt(lead_time_days))::numeric,
                   6))::integer AS reorder_point
    FROM levelled
),
written AS (
    INSERT INTO inventory_demandforecast AS f (
        product_id, warehouse_id, method, history_days, average_daily, deviation_daily,
        abc_class, service_level, lead_time_days, safety_stock, reorder_point, order_up_to,
        computed_at)
    SELECT product_id, warehouse_id, method, days, average, deviation, abc_class,
        service_level, lead_time_days, safety_stock, reorder_point,
        ceil(round((reorder_point + average * %(review_days)s)::numeric, 6))::integer, now()
    FROM safety
    ON CONFLICT (product_id, warehouse_id) DO UPDATE SET
        method = EXCLUDED.method, history_days = EXCLUDED.history_days,
        average_daily = EXCLUDED.average_daily, deviation_daily = EXCLUDED.deviation_daily,
        abc_class = EXCLUDED.abc_class, service_level = EXCLUDED.service_level,
        lead_time_days = EXCLUDED.lead_time_days, safety_stock = EXCLUDED.safety_stock,
        reorder_point = EXCLUDED.reorder_point, order_up_to = EXCLUDED.order_up_to,
        computed_at = EXCLUDED.computed_at
    RETURNING 1
)
SELECT count(*) FROM written
"""


def forecast_statement(
    *, today: date, warehouse_id: int | None, rule_levels: set[Decimal]
) -> tuple[str, dict[str, object]]:
    """The forecast's SQL and parameters (also used by the benchmark's EXPLAIN)."""
    yesterday = today - timedelta(days=1)
    levels = sorted(set(CLASS_SERVICE_LEVELS.values()) | rule_levels)
    params: dict[str, object] = {
        "yesterday": yesterday,
        "window_start": yesterday - timedelta(days=HISTORY_DAYS - 1),
        "abc_start": today - timedelta(days=ABC_DAYS),
        "history_days": HISTORY_DAYS,
        "new_days": NEW_PRODUCT_DAYS,
        "alpha": ALPHA,
        "decay": 1 - ALPHA,
        "share_a": ABC_SHARES[0],
        "share_b": ABC_SHARES[1],
        "level_a": CLASS_SERVICE_LEVELS["A"],
        "level_b": CLASS_SERVICE_LEVELS["B"],
        "level_c": CLASS_SERVICE_LEVELS["C"],
        "levels": levels,
        "zs": [z_score(level) for level in levels],
        "review_days": REVIEW_PERIOD_DAYS,
        "default_lead": DEFAULT_LEAD_TIME_DAYS,
    }
    scope = {"demand_scope": "", "rule_scope": "", "forecast_scope": ""}
    if warehouse_id is not None:
        params["warehouse_id"] = warehouse_id
        scope = {
            "demand_scope": "AND d.warehouse_id = %(warehouse_id)s",
            "rule_scope": "AND r.warehouse_id = %(warehouse_id)s",
            "forecast_scope": "AND f.warehouse_id = %(warehouse_id)s",
        }
    sql = _FORECAST_SQL.format(
        **scope,
        best_offer=BEST_OFFER_SQL.format(products="SELECT product_id FROM pairs"),
    )
    return sql, params


@transaction.atomic(durable=True)
def demand_forecasts_compute(*, today: date | None = None, warehouse_id: int | None = None) -> int:
    """Recompute the demand forecasts (of one warehouse, or all) as of ``today`` (default: the
    local date; its own demand is not counted, the day is not over). Returns the rows written.

    Two statements: the distinct service levels the active rules set (for their z, from
    ``statistics.NormalDist``), then the forecast itself. Idempotent: rerunning it rewrites the
    same figures.
    """
    today = today or timezone.localdate()
    rules = ReorderRule.objects.filter(is_active=True, service_level__isnull=False)
    if warehouse_id is not None:
        rules = rules.filter(warehouse_id=warehouse_id)
    rule_levels = set(rules.values_list("service_level", flat=True).distinct())
    sql, params = forecast_statement(
        today=today, warehouse_id=warehouse_id, rule_levels=rule_levels
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
