"""The data set of the authorization matrix (tests/test_authorization_matrix.py), built once
through the real services: warehouse A ("WHA") with something of every kind the matrix
addresses, an empty warehouse B ("WHB"), and one user per role.

Everything that belongs to A carries "WHA" in a name the pages and answers show (warehouse code,
SKUs, order references), so "B's user never sees A's data" can be checked on any body.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory.models import PurchaseOrder, StockLevel, UserScope, Warehouse
from inventory.services.imports.jobs import import_job_create
from inventory.services.purchasing import OrderLineInput, purchase_order_create
from inventory.services.replenishment import reorder_review
from tests.factories.inventory import WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.inventory.replenishment_setup import offer, rule
from tests.warehouse.views.inbound_scenario import expected_receipt, quarantined, sent_order
from tests.warehouse.views.outbound_scenario import (
    allocated,
    claimed_batch,
    outbound_site,
    picked_order,
)
from warehouse.models import Location, Quant, StockMove, Task, Wave
from warehouse.services.count_planning import count_flag_bin
from warehouse.services.counting import count_task_complete
from warehouse.services.pick_faces import pick_face_rule_create
from warehouse.services.task_board import task_board_priority_set
from warehouse.services.tasks import task_claim
from wms.roles import FLOOR, PURCHASER, SUPERVISOR

MARKER = "WHA"  # in every name of warehouse A's things (see the module docstring)


@dataclass
class World:
    a: Warehouse
    b: Warehouse
    users: dict[str, object]
    ids: dict[str, object] = field(default_factory=dict)


def user_make(username: str, *roles: str, warehouses: list[Warehouse] | None = None):
    # No password: nobody logs in through the form here, and hashing one costs 0.3 s.
    user = get_user_model().objects.create_user(username=username, password=None)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    scope = UserScope.objects.create(user=user, all_warehouses=warehouses is None)
    if warehouses:
        scope.warehouses.set(warehouses)
        scope.default_warehouse = warehouses[0]
        scope.save(update_fields=["default_warehouse"])
    return user


def world_build() -> World:
    site = outbound_site(MARKER)
    a = site.warehouse
    b = WarehouseFactory(code="WHB", name="B depot")
    floor = user_make("mx-floor", FLOOR)
    users = {
        "floor": floor,
        "purchaser": user_make("mx-buyer", PURCHASER),
        "supervisor": user_make("mx-sup", SUPERVISOR),
        # Every role, but B only: whatever refuses this user, it is the warehouse scope.
        "other": user_make("mx-other", SUPERVISOR, FLOOR, PURCHASER, warehouses=[b]),
    }
    world = World(a=a, b=b, users=users)
    ids = world.ids

    packed = picked_order(site, floor, (site.bolt, 2), reference=f"{MARKER}-SO-2")
    open_order = allocated(site, (site.glove, 3), reference=f"{MARKER}-SO-1")
    open_pick = claimed_batch(site, floor, open_order)  # assigned: it can be released
    unwaved = allocated(site, (site.glove, 1), reference=f"{MARKER}-SO-3")
    receipt = expected_receipt(a, (site.bolt, 5))
    unreceived = sent_order(a, (site.glove, 4), supplier=receipt.purchase_order.supplier)
    supplier = receipt.purchase_order.supplier
    draft = purchase_order_create(
        supplier=supplier, warehouse=a, lines=[OrderLineInput(site.glove, 10)]
    )
    # No marker in its SKU: B's user may see the product, only not A's stock of it.
    held = quarantined(a, 2, floor.pk, "torn")

    counted_bin = site.bins["A-01-02"]
    (count_task,) = count_flag_bin(
        warehouse_id=a.pk, location_id=counted_bin.pk, reason="matrix", user_id=None
    ).created
    task_claim(user_id=floor.pk, warehouse_id=a.pk, kinds=[Task.Kind.COUNT])
    count = count_task_complete(
        task_id=count_task.pk,
        user_id=floor.pk,
        scanned_location=counted_bin.code,
        scanned_product=site.glove.sku,
        quantity=49,
    )

    bolt_offer = offer(supplier, site.bolt)
    bolt_rule = rule(site.bolt, a, 200, 1000)
    reorder_review(warehouse_id=a.pk)

    face = LocationFactory(
        warehouse=a, code=f"{MARKER}-P-01", kind=Location.Kind.PICK, capacity_units=60
    )
    face_rule = pick_face_rule_create(
        location_id=face.pk, product_id=site.glove.pk, min_quantity=5, max_quantity=20
    )
    task_board_priority_set(task_id=open_pick.pk, priority=2, actor_id=users["supervisor"].pk)
    job = import_job_create(
        kind="products", user_id=users["supervisor"].pk, filename="p.csv", total=1, raw=b"x"
    )

    from inventory.models import AuditEvent, ReorderSuggestion

    ids.update(
        warehouse=a.pk,
        warehouse_code=a.code,
        location=site.bins["A-01-01"].pk,
        location_code="A-01-01",
        product=held.product_id,  # A-only stock: its pages must show B's user none of it
        product_sku=site.bolt.sku,
        glove_sku=site.glove.sku,
        supplier=supplier.pk,
        supplier_code=supplier.code,
        quant=Quant.objects.get(location=site.bins["A-01-01"], product=site.bolt).pk,
        quarantined=held.pk,
        level=StockLevel.objects.get(warehouse=a, product=site.bolt).pk,
        move=StockMove.objects.filter(product=site.bolt).first().pk,
        lot=site.lot_a.pk,
        open_order=open_order.pk,
        unwaved_order=unwaved.pk,
        unreceived_po=unreceived.pk,
        open_pick=open_pick.pk,
        packed_order=packed.pk,
        wave=Wave.objects.filter(warehouse=a).first().pk,
        receipt=receipt.pk,
        sent_po=receipt.purchase_order_id,
        draft_po=draft.pk,
        draft_po_product=site.glove.pk,
        count=count.pk,
        count_task=count_task.pk,
        offer=bolt_offer.pk,
        rule=bolt_rule.pk,
        suggestion=ReorderSuggestion.objects.get(warehouse=a, product=site.bolt).pk,
        pick_face=face_rule.pk,
        audit_event=AuditEvent.objects.filter(warehouse_id=a.pk).latest("pk").pk,
        import_job=job.id,
    )
    # The states that make each refusal mean something: the write would otherwise work.
    assert PurchaseOrder.objects.get(pk=draft.pk).status == PurchaseOrder.Status.DRAFT
    assert count.status == count.Status.PENDING, count.status
    assert open_pick.status == Task.Status.ASSIGNED
    assert ReorderSuggestion.objects.get(pk=ids["suggestion"]).status == "open"
    return world
