"""Pick-face replenishment: replenish tasks from reserve storage for pick faces below their min.

A pick face's stock is what its bin holds of the product plus what open putaway and replenish
tasks are bringing to it. Below the rule's minimum, and with no replenish task of its own still
open, the face gets a need of (maximum - stock) units, never more than the bin has room for;
the units come from reserve storage bins (kind ``storage``, not blocked) of the same warehouse,
unreserved units only and not already promised to another open replenish task, oldest receipt
first (FIFO), expired lots never. One task per source bin and lot, so a need met from several
bins is several tasks; a reserve that holds less than the need gives what it holds, an empty one
nothing (the face is looked at again on the next run).

The planner is set-based: a fixed number of statements whatever the number of faces. It runs in
the worker, every minute from beat and after the events that empty faces (a pick confirmed from
one, a wave released against them), and is idempotent: an open replenish task keeps its face
out of the next plan, and each task's origin key ``replenish:<location>:<product>:<n>`` numbers
the face's replenishments, so a redelivered run adds nothing.
"""

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from warehouse.locks import pick_faces_planning_lock
from warehouse.models import PickFaceRule, Task
from warehouse.services.tasks import tasks_create_many
from wms.db import rows_update
from wms.outbox import enqueue_on_commit

REPLENISH_PRIORITY = 3  # before putaway (4-5) and most picks (5): pickers must not run dry
EMPTY_FACE_PRIORITY = 2  # a face with nothing left stops picking now
ORIGIN_PREFIX = "replenish"


@dataclass(frozen=True)
class FaceNeed:
    """A pick face below its minimum, and how many units it should get."""

    rule_id: int
    warehouse_id: int
    location_id: int
    location_code: str
    product_id: int
    min_quantity: int
    max_quantity: int
    stock: int  # on the face plus on its way to it
    need: int  # up to the maximum, within the bin's room
    replenishments: int  # tasks made for it so far


@dataclass
class ReserveUnits:
    """Unreserved units of one quant in a reserve bin that no open task has promised yet."""

    location_id: int
    lot_id: int | None
    free: int


@transaction.atomic(durable=True)
def pick_faces_replenish(
    *, warehouse_id: int | None = None, location_ids: Sequence[int] | None = None
) -> list[Task]:
    """Plan replenish tasks for the pick faces below their minimum: every face with an active
    rule, or those of one warehouse, or the faces in ``location_ids``. Returns the tasks made.

    Takes the warehouses' planning locks (shared with putaway planning) before reading, so two
    planners never count the same room or the same reserve units. Idempotent.
    """
    warehouse_ids = _warehouses_with_rules(warehouse_id=warehouse_id, location_ids=location_ids)
    if not warehouse_ids:
        return []
    pick_faces_planning_lock(warehouse_ids=warehouse_ids)
    needs = _faces_below_min(warehouse_ids=warehouse_ids, location_ids=location_ids)
    if not needs:
        return []
    reserve = _reserve_units({(n.warehouse_id, n.product_id) for n in needs})
    planned, counts = _plan(needs, reserve)
    if not planned:
        return []
    tasks = tasks_create_many(tasks=planned)
    rows_update(
        table=PickFaceRule._meta.db_table,
        ids=list(counts),
        columns={"replenishments": ("integer", list(counts.values()))},
    )
    return tasks


def pick_faces_check_on_commit(*, location_ids: Iterable[int]) -> None:
    """After the caller's commit (at once outside a transaction), have the worker look at
    these pick faces. The worker finds which have rules and are below their minimum."""
    ids = sorted(set(location_ids))
    if not ids:
        return
    from warehouse.tasks import pick_faces_replenish_task  # the tasks module imports services

    enqueue_on_commit(pick_faces_replenish_task, location_ids=ids)


def pick_face_below_min(*, location_id: int, product_id: int) -> bool:
    """Whether the bin has an active pick-face rule for the product and holds fewer units than
    its minimum now: the database function the one-trip pick asks too (one indexed query; the
    worker does the full count, with what is on its way)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT warehouse_pick_face_low(%s, %s)", [location_id, product_id])
        return cursor.fetchone()[0]


# --- reading the state ---------------------------------------------------------------------


def _warehouses_with_rules(
    *, warehouse_id: int | None, location_ids: Sequence[int] | None
) -> list[int]:
    rules = PickFaceRule.objects.filter(is_active=True)
    if warehouse_id is not None:
        rules = rules.filter(location__warehouse_id=warehouse_id)
    if location_ids is not None:
        rules = rules.filter(location_id__in=list(location_ids))
    return sorted(set(rules.values_list("location__warehouse_id", flat=True).distinct()))


_ACTIVE = "('open', 'assigned')"
_FACES_SQL = f"""
WITH faces AS (
    SELECT r.id, l.warehouse_id, r.location_id, l.code, r.product_id, r.min_quantity,
           r.max_quantity, r.replenishments, l.capacity_units,
           on_face.units + coming.units AS stock
    FROM warehouse_pickfacerule AS r
    JOIN warehouse_location AS l ON l.id = r.location_id
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(q.quantity), 0) AS units FROM warehouse_quant AS q
        WHERE q.location_id = r.location_id AND q.product_id = r.product_id
    ) AS on_face
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(t.quantity - t.quantity_done), 0) AS units,
               count(*) FILTER (WHERE t.kind = 'replenish') AS replenishing
        FROM warehouse_task AS t
        WHERE t.destination_location_id = r.location_id AND t.product_id = r.product_id
          AND t.kind IN ('putaway', 'replenish') AND t.status IN {_ACTIVE}
    ) AS coming
    WHERE r.is_active AND l.kind = 'pick' AND NOT l.is_blocked
      AND l.warehouse_id = ANY(%(warehouses)s::bigint[])
      AND (%(locations)s::bigint[] IS NULL OR r.location_id = ANY(%(locations)s::bigint[]))
      AND coming.replenishing = 0
      AND on_face.units + coming.units < r.min_quantity
)
SELECT faces.*,
       CASE WHEN faces.capacity_units IS NULL THEN NULL
            ELSE faces.capacity_units - held.units - bound.units END AS room
FROM faces
CROSS JOIN LATERAL (
    SELECT coalesce(sum(q.quantity), 0) AS units FROM warehouse_quant AS q
    WHERE q.location_id = faces.location_id
) AS held
CROSS JOIN LATERAL (
    SELECT coalesce(sum(t.quantity - t.quantity_done), 0) AS units FROM warehouse_task AS t
    WHERE t.destination_location_id = faces.location_id
      AND t.kind IN ('putaway', 'replenish') AND t.status IN {_ACTIVE}
) AS bound
ORDER BY faces.warehouse_id, faces.stock::float / nullif(faces.min_quantity, 0),
         faces.location_id, faces.product_id
"""


def _faces_below_min(
    *, warehouse_ids: Sequence[int], location_ids: Sequence[int] | None = None
) -> list[FaceNeed]:
    """Active rules of unblocked pick bins whose stock (on the face plus on its way) is below
    the minimum and that have no open replenish task, emptiest first (their share of the
    minimum), with the units each needs. One statement."""
    params = {
        "warehouses": list(warehouse_ids),
        "locations": list(location_ids) if location_ids is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_FACES_SQL, params)
        rows = cursor.fetchall()
    needs = []
    for (
        rule_id,
        warehouse_id,
        location_id,
        code,
        product_id,
        low,
        high,
        replenishments,
        _capacity,
        stock,
        room,
    ) in rows:
        need = high - stock if room is None else min(high - stock, room)
        if need > 0:
            needs.append(
                FaceNeed(
                    rule_id,
                    warehouse_id,
                    location_id,
                    code,
                    product_id,
                    low,
                    high,
                    stock,
                    need,
                    replenishments,
                )
            )
    return needs


_RESERVE_SQL = f"""
SELECT warehouse_id, product_id, location_id, lot_id, free FROM (
    SELECT q.id, q.warehouse_id, q.product_id, q.location_id, q.lot_id, q.received_at,
           q.quantity - q.reserved - coalesce(promised.units, 0) AS free
    FROM warehouse_quant AS q
    JOIN warehouse_location AS l ON l.id = q.location_id
    LEFT JOIN warehouse_lot AS lot ON lot.id = q.lot_id
    CROSS JOIN LATERAL (
        SELECT sum(t.quantity - t.quantity_done) AS units FROM warehouse_task AS t
        WHERE t.source_location_id = q.location_id AND t.product_id = q.product_id
          AND t.lot_id IS NOT DISTINCT FROM q.lot_id
          AND t.kind = 'replenish' AND t.status IN {_ACTIVE}
    ) AS promised
    WHERE (q.warehouse_id, q.product_id) IN (
            SELECT * FROM unnest(%(warehouses)s::bigint[], %(products)s::bigint[]))
      AND q.quantity > 0 AND q.quantity > q.reserved
      AND l.kind = 'storage' AND NOT l.is_blocked
      AND (lot.expiry_date IS NULL OR lot.expiry_date >= CURRENT_DATE)
) AS reserve
WHERE free > 0
ORDER BY warehouse_id, product_id, received_at, id
"""


def _reserve_units(keys: set[tuple[int, int]]) -> dict[tuple[int, int], deque[ReserveUnits]]:
    """Free reserve units per (warehouse, product), oldest receipt first. One statement."""
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            _RESERVE_SQL,
            {"warehouses": [w for w, _ in ordered], "products": [p for _, p in ordered]},
        )
        rows = cursor.fetchall()
    reserve: dict[tuple[int, int], deque[ReserveUnits]] = defaultdict(deque)
    for warehouse_id, product_id, location_id, lot_id, free in rows:
        reserve[(warehouse_id, product_id)].append(ReserveUnits(location_id, lot_id, free))
    return reserve


# --- planning ------------------------------------------------------------------------------


def _plan(
    needs: Sequence[FaceNeed], reserve: dict[tuple[int, int], deque[ReserveUnits]]
) -> tuple[list[Task], dict[int, int]]:
    """Tasks for the needs in order (emptiest face first when faces share a product's reserve),
    and each rule's new count of replenishments."""
    tasks: list[Task] = []
    counts: dict[int, int] = {}
    for face in needs:
        queue = reserve.get((face.warehouse_id, face.product_id))
        wanted, made = face.need, face.replenishments
        while wanted and queue:
            units = queue[0]
            take = min(wanted, units.free)
            made += 1
            tasks.append(_task(face, units, take, made))
            wanted -= take
            units.free -= take
            if not units.free:
                queue.popleft()
        if made != face.replenishments:
            counts[face.rule_id] = made
    return tasks, counts


def _task(face: FaceNeed, units: ReserveUnits, quantity: int, n: int) -> Task:
    return Task(
        warehouse_id=face.warehouse_id,
        kind=Task.Kind.REPLENISH,
        product_id=face.product_id,
        lot_id=units.lot_id,
        quantity=quantity,
        source_location_id=units.location_id,
        destination_location_id=face.location_id,
        priority=EMPTY_FACE_PRIORITY if face.stock <= 0 else REPLENISH_PRIORITY,
        reference=f"pick-face:{face.location_code}",
        origin_key=f"{ORIGIN_PREFIX}:{face.location_id}:{face.product_id}:{n}",
        notes=(
            f"{face.location_code} has {face.stock} (min {face.min_quantity}); "
            f"replenish up to {face.max_quantity}"
        ),
    )
