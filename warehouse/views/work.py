"""The work screen of one task in the worker's hands: putaway and replenish (scan the source,
the product, the bin), QC (bring the goods to the bench, then pass or fail them).

One step per screen. The scans accepted so far travel with the form (hidden fields), so the
page holds no state on the server and a reload starts the task's current step again. Source
and product scans are checked as they come, reading only; the step that moves stock calls the
service once with every scan, and the service checks them all again under its locks. The
drop carries the task's progress as the screen showed it (``expected_done``), so a double tap
moves stock once.
"""

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from inventory.errors import DomainError, WrongLocation
from inventory.gs1 import scan_text
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import QC_REASONS, InspectForm, WorkScanForm
from warehouse.models import QcInspection, Task
from warehouse.selectors.inbound import inspection_of_task, task_for_work, task_last_drop
from warehouse.selectors.scan import scan_location
from warehouse.services.putaway import PUTAWAY_KINDS, putaway_task_complete
from warehouse.services.qc import FAIL, qc_task_record, qc_task_to_bench
from warehouse.services.scans import scans_check
from warehouse.views.floor import WORK_KINDS, Notice, scan_refusal_record

TEMPLATE = "warehouse/floor/work.html"
PERMISSION = "warehouse.work_task"

SOURCE, PRODUCT, DESTINATION, BENCH, INSPECT, DONE = (
    "source",
    "product",
    "destination",
    "bench",
    "inspect",
    "done",
)
# A wrong scan of one of these is the fault of an earlier step: go back there.
_FIELD_STEP = {"location": SOURCE, "product": PRODUCT, "lot": PRODUCT}


@dataclass(frozen=True)
class Carried:
    """The scans this screen accepted so far: canonical codes, never the raw scan."""

    source: str = ""
    product: str = ""
    lot: str = ""


@dataclass(frozen=True)
class StepDot:
    label: str
    state: str  # "done", "current" or "todo"


def _steps(task: Task) -> list[tuple[str, str]]:
    if task.kind in PUTAWAY_KINDS:
        return [(SOURCE, "From"), (PRODUCT, "Product"), (DESTINATION, "Into bin")]
    if task.destination_location_id:
        return [(SOURCE, "From"), (PRODUCT, "Product"), (BENCH, "To bench"), (INSPECT, "Inspect")]
    return [(SOURCE, "From"), (PRODUCT, "Product"), (INSPECT, "Inspect")]


def _first_step(task: Task) -> str:
    if task.status == Task.Status.DONE:
        return DONE
    if task.kind == Task.Kind.QC and task.started_at is not None:
        return INSPECT
    return SOURCE


def _after_product(task: Task) -> str:
    if task.kind in PUTAWAY_KINDS:
        return DESTINATION
    return BENCH if task.destination_location_id else INSPECT


def _allowed(task: Task, step: str) -> bool:
    """Whether a scan for ``step`` fits the task as it stands now."""
    if task.kind == Task.Kind.QC and task.started_at is not None:
        return False  # at the bench: only the inspection is left
    if step in (SOURCE, PRODUCT):
        return True
    return step == _after_product(task)


def _unavailable(task: Task, user_id: int) -> str:
    """Why this worker cannot work on the task here; "" when they can."""
    if task.kind not in WORK_KINDS:
        kind = task.get_kind_display().lower()
        return f"Task #{task.pk} is a {kind} task; open it from the floor page."
    if task.status == Task.Status.CANCELLED:
        return f"Task #{task.pk} was cancelled; leave the goods where they are."
    if task.status == Task.Status.OPEN:
        return f"Task #{task.pk} is back in the queue, not yours any more. Claim a task to go on."
    if task.assignee_id != user_id:
        return f"Task #{task.pk} is assigned to someone else."
    return ""


# --- pages ----------------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-home")
def task_work_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _answer(request, {"task": task, "unavailable": problem})
    return _answer(request, _screen(task, _first_step(task)))


@require_POST
@role_page(PERMISSION)
def task_scan_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """One scan of the task's route: checked at once; the bin (or bench) scan moves stock."""
    task = _task_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _answer(request, {"task": task, "unavailable": problem}, 409)
    form = WorkScanForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    carried = Carried(data.get("source", ""), data.get("product", ""), data.get("lot", ""))
    if task.status == Task.Status.DONE:
        return _answer(request, _screen(task, DONE, notice=Notice("info", "This task is done.")))
    step = data.get("step") or _first_step(task)
    if not _allowed(task, step):
        first = _first_step(task)
        error = "That scan belongs to another step of this task; go on from here."
        return _answer(request, _screen(task, first, error=error), 422)
    if not valid:
        error = next(iter(form.errors.values()))[0]
        return _answer(request, _screen(task, step, carried, error=error), 422)
    handler = {SOURCE: _scan_source, PRODUCT: _scan_product, DESTINATION: _drop, BENCH: _bench}
    return handler[step](request, task, carried, data)


def _scan_source(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    location = scan_location(warehouse_id=task.warehouse_id, raw=data["code"])
    if location is None or location.pk != task.source_location_id:
        shown = location.code if location else scan_text(data["code"])
        error = f"You scanned {shown}; this stock is in {task.source_location.code}."
        scan_refusal_record(request, task, WrongLocation(error, field="location"))
        return _answer(request, _screen(task, SOURCE, error=error), 422)
    notice = Notice("success", f"{location.code} ✓ Right place.")
    return _answer(request, _screen(task, PRODUCT, Carried(source=location.code), notice=notice))


def _scan_product(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    try:
        check = scans_check(
            task=task, scanned_location=carried.source, scanned_product=data["code"]
        )
    except DomainError as exc:
        return _refused(request, task, carried, exc, PRODUCT)
    lot = check.product_scan.lot_code or ""
    accepted = Carried(source=carried.source, product=task.product.sku, lot=lot)
    step = _after_product(task)
    notice = Notice("success", f"{task.product.sku} ✓ Right product.")
    return _answer(request, _screen(task, step, accepted, notice=notice))


def _drop(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    """Put (some of) the units into the scanned bin: the one service call that moves them."""
    try:
        task = putaway_task_complete(
            task_id=task.pk,
            user_id=request.user.pk,
            scanned_location=carried.source,
            scanned_product=carried.product,
            destination=data["code"],
            quantity=data.get("quantity"),
            lot_code=carried.lot or None,
            expected_done=data["done"],
        )
    except DomainError as exc:
        return _refused(request, task, carried, exc, DESTINATION)
    task = _task_or_404(request, task.pk)
    drop = task_last_drop(task_id=task.pk)
    text = f"Put {drop.quantity} into {drop.to_location.code}." if drop else "Recorded."
    if drop and drop.reason:
        text += f" Recorded: {drop.reason}."
    if task.status == Task.Status.DONE:
        return _answer(request, _screen(task, DONE, notice=Notice("success", text), drop=drop))
    left = task.quantity - task.quantity_done
    notice = Notice("success", f"{text} {left} left: scan the next bin.")
    return _answer(request, _screen(task, DESTINATION, carried, notice=notice, drop=drop))


def _bench(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    """QC step 1 done: the goods are on the bench (moved in the ledger)."""
    try:
        qc_task_to_bench(
            task_id=task.pk,
            user_id=request.user.pk,
            scanned_location=carried.source,
            scanned_product=carried.product,
            scanned_bench=data["code"],
            lot_code=carried.lot or None,
        )
    except DomainError as exc:
        return _refused(request, task, carried, exc, BENCH)
    task = _task_or_404(request, task.pk)
    bench = task.destination_location.code if task.destination_location else ""
    notice = Notice("success", f"On the bench {bench}. Inspect the goods.")
    return _answer(request, _screen(task, INSPECT, notice=notice))


@require_POST
@role_page(PERMISSION)
def task_inspect_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """QC step 2: pass everything, or fail some (or all) units with a reason."""
    task = _task_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _answer(request, {"task": task, "unavailable": problem}, 409)
    form = InspectForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    carried = Carried(data.get("source", ""), data.get("product", ""), data.get("lot", ""))
    if task.kind != Task.Kind.QC:
        return _answer(
            request, _screen(task, _first_step(task), error="This is not a QC task."), 422
        )
    if task.status == Task.Status.DONE:
        return _answer(request, _screen(task, DONE, notice=Notice("info", "Already recorded.")))
    if task.started_at is None and not (carried.source and carried.product):
        error = "Scan the goods first."
        return _answer(request, _screen(task, _first_step(task), error=error), 422)
    if not valid:
        error = next(iter(form.errors.values()))[0]
        return _answer(request, _screen(task, INSPECT, carried, error=error, inspect=form), 422)
    try:
        inspection = qc_task_record(
            task_id=task.pk,
            user_id=request.user.pk,
            result=data["result"],
            failed_quantity=data.get("failed_quantity") if data["result"] == FAIL else None,
            reason=data["reason_text"],
            scanned_location=carried.source or None,
            scanned_product=carried.product or None,
            lot_code=carried.lot or None,
        )
    except DomainError as exc:
        return _answer(
            request, _screen(task, INSPECT, carried, error=exc.message, inspect=form), 422
        )
    task = _task_or_404(request, task.pk)
    return _answer(request, _screen(task, DONE, notice=_inspection_notice(inspection)))


def _inspection_notice(inspection: QcInspection) -> Notice:
    if not inspection.failed_quantity:
        return Notice("success", f"Passed all {inspection.passed_quantity}. Putaway follows.")
    text = f"{inspection.failed_quantity} failed ({inspection.reason}): they go to quarantine."
    if inspection.passed_quantity:
        text += f" {inspection.passed_quantity} passed: putaway follows."
    return Notice("success", text)


# --- helpers --------------------------------------------------------------------------------


def _task_or_404(request: HttpRequest, task_id: int) -> Task:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    task = task_for_work(task_id=task_id, warehouse_id=warehouse.pk)
    if task is None:
        raise Http404(f"No task {task_id} in {warehouse.code}.")
    return task


def _refused(
    request: HttpRequest, task: Task, carried: Carried, exc: DomainError, step: str
) -> HttpResponse:
    """A refused scan: back to the step whose scan was wrong, the rest kept."""
    scan_refusal_record(request, task, exc)
    back = _FIELD_STEP.get(exc.field or "", step)  # a wrong bin or bench: scan another one
    if back == SOURCE:
        carried = Carried()
    elif back == PRODUCT:
        carried = Carried(source=carried.source)
    return _answer(request, _screen(task, back, carried, error=exc.message), 422)


def _screen(
    task: Task,
    step: str,
    carried: Carried | None = None,
    *,
    notice: Notice | None = None,
    error: str = "",
    drop: Any = None,
    inspect: InspectForm | None = None,
) -> dict[str, Any]:
    order = _steps(task)
    keys = [key for key, _ in order]
    current = keys.index(step) if step in keys else len(keys)
    dots = [
        StepDot(label, "done" if i < current else "current" if i == current else "todo")
        for i, (_, label) in enumerate(order)
    ]
    inspection = None
    if step == DONE and task.kind == Task.Kind.QC:
        inspection = inspection_of_task(task_id=task.pk)
    elif step == DONE and drop is None:
        drop = task_last_drop(task_id=task.pk)  # where it went, also on a reload
    return {
        "task": task,
        "step": step,
        "carried": carried or Carried(),
        "dots": dots,
        "remaining": task.quantity - task.quantity_done,
        "percent": task.quantity_done * 100 // task.quantity if task.quantity else 0,
        "notice": Notice("error", error) if error else notice,
        "drop": drop,
        "inspection": inspection,
        "inspect": inspect,
        "qc_reasons": QC_REASONS,
    }


def _answer(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#screen", context, status=status)
    return render(request, TEMPLATE, context, status=status)
