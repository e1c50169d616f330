"""The pick screen on the handheld: one pick of the picker's batch at a time, in route order.

Go to the bin (scan it), pick N of the product (scan it: EAN, SKU or a GS1 label whose lot
must be the pick's), confirm how many were found. Fewer than asked is a short pick, confirmed
on a screen of its own; the service then looks for the rest elsewhere (a new pick joins the
batch) or backorders it, and has the bin counted. Then straight on to the next pick of the
batch, and when none is left: take the picks to staging.

As on the putaway screen, the accepted scans travel in hidden fields and each is checked as it
comes, reading only; the confirmation calls ``pick_task_complete`` once with every scan, which
checks them again under its locks. A repeated confirmation finds the pick done and changes
nothing.
"""

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from inventory.errors import DomainError, WrongLocation
from inventory.gs1 import scan_text
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import PickScanForm
from warehouse.models import Task
from warehouse.selectors.order_pages import (
    batch_progress,
    next_pick,
    pick_for_screen,
    picks_by_ids,
    picks_held,
)
from warehouse.selectors.scan import scan_location
from warehouse.services.picking import pick_task_complete
from warehouse.services.scans import scans_check
from warehouse.views.floor import Notice, scan_refusal_record

TEMPLATE = "warehouse/floor/pick.html"
PERMISSION = "warehouse.work_task"

BIN, PRODUCT, QUANTITY, SHORT, BATCH_DONE = "bin", "product", "quantity", "short", "batch_done"
STEPS = ((BIN, "Bin"), (PRODUCT, "Product"), (QUANTITY, "Quantity"))
# A wrong scan of one of these is the fault of an earlier step: go back there.
_FIELD_STEP = {"location": BIN, "product": PRODUCT, "lot": PRODUCT}


@dataclass(frozen=True)
class Carried:
    """The scans accepted so far: the bin's code, the product's SKU, the label's lot."""

    source: str = ""
    product: str = ""
    lot: str = ""


@dataclass(frozen=True)
class StepDot:
    label: str
    state: str  # "done", "current" or "todo"


def _unavailable(task: Task, user_id: int) -> str:
    """Why this picker cannot work on the pick here; "" when they can."""
    if task.status == Task.Status.CANCELLED:
        return f"Pick #{task.pk} was cancelled (its order was cancelled or changed). Leave it."
    if task.status == Task.Status.OPEN:
        return f"Pick #{task.pk} is not yours: claim a task on the floor page to get a batch."
    if task.assignee_id != user_id:
        return f"Pick #{task.pk} is assigned to someone else."
    return ""


# --- pages ----------------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-home")
def pick_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """The pick's first step; a done pick opens the next of its batch, or the batch's end."""
    task = _pick_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _answer(request, {"task": task, "unavailable": problem})
    if task.status == Task.Status.DONE:
        following = next_pick(task=task, user_id=request.user.pk)
        if following is not None:
            return redirect("floor-pick", following.pk)
        return _answer(request, _batch_done(request, task))
    return _answer(request, _screen(request, task, BIN))


@require_POST
@role_page(PERMISSION)
def pick_scan_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """One step of the pick: a scan is checked at once; the confirmed quantity picks."""
    task = _pick_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _answer(request, {"task": task, "unavailable": problem}, 409)
    if task.status == Task.Status.DONE:  # a double tap, or a stale screen
        return _after_pick(request, task, Notice("info", f"Pick #{task.pk} is done already."))
    form = PickScanForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    carried = Carried(data.get("source", ""), data.get("product", ""), data.get("lot", ""))
    step = data.get("step") or BIN
    if (step != BIN and not carried.source) or (step == QUANTITY and not carried.product):
        error = "Scan the bin and the product first."
        return _answer(request, _screen(request, task, BIN, error=error), 422)
    if not valid:
        error = next(iter(form.errors.values()))[0]
        return _answer(request, _screen(request, task, step, carried, error=error), 422)
    handler = {BIN: _scan_bin, PRODUCT: _scan_product, QUANTITY: _confirm}[step]
    return handler(request, task, carried, data)


def _scan_bin(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    location = scan_location(warehouse_id=task.warehouse_id, raw=data["code"])
    if location is None or location.pk != task.source_location_id:
        shown = location.code if location else scan_text(data["code"])
        error = f"Wrong bin: you scanned {shown}. Go to {task.source_location.code}."
        scan_refusal_record(request, task, WrongLocation(error, field="location"))
        return _answer(request, _screen(request, task, BIN, error=error), 422)
    notice = Notice("success", f"{location.code} ✓ Right bin.")
    accepted = Carried(source=location.code)
    return _answer(request, _screen(request, task, PRODUCT, accepted, notice=notice))


def _scan_product(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    try:
        check = scans_check(
            task=task, scanned_location=carried.source, scanned_product=data["code"]
        )
    except DomainError as exc:
        return _refused(request, task, carried, exc, PRODUCT)
    lot = check.product_scan.lot_code or ""
    accepted = Carried(source=carried.source, product=task.product.sku, lot=lot)
    notice = Notice("success", f"{task.product.sku} ✓ Right product.")
    return _answer(request, _screen(request, task, QUANTITY, accepted, notice=notice))


def _confirm(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    """Pick the confirmed quantity; fewer than asked needs the short pick confirmed first."""
    quantity = data["quantity"]
    if data.get("recount"):  # "no, let me count again" on the short pick question
        return _answer(request, _screen(request, task, QUANTITY, carried, found=quantity))
    if quantity > task.quantity:
        error = f"The pick is for {task.quantity}; take only {task.quantity} from the bin."
        return _answer(request, _screen(request, task, QUANTITY, carried, error=error), 422)
    if quantity < task.quantity and not data.get("short"):
        return _answer(request, _screen(request, task, SHORT, carried, found=quantity))
    held_before = picks_held(task=task, user_id=request.user.pk)
    try:
        done = pick_task_complete(
            task_id=task.pk,
            user_id=request.user.pk,
            scanned_location=carried.source,
            scanned_product=carried.product,
            quantity=quantity,
            lot_code=carried.lot or None,
        )
    except DomainError as exc:
        return _refused(request, task, carried, exc, QUANTITY)
    done = _pick_or_404(request, done.pk)
    return _after_pick(request, done, _picked_notice(request, done, held_before))


def _picked_notice(request: HttpRequest, task: Task, held_before: set[int]) -> Notice:
    sku, found, asked = task.product.sku, task.quantity_done, task.quantity
    if found == asked:
        return Notice("success", f"Picked {found} × {sku}.")
    bin_code = task.source_location.code
    text = f"Short pick recorded: {found} of {asked} × {sku}. {bin_code} will be counted."
    if task.batch_id is None:  # no batch to add to: the service queued or backordered it
        return Notice("info", f"{text} The missing {asked - found} are reallocated or backordered.")
    added = picks_by_ids(ids=picks_held(task=task, user_id=request.user.pk) - held_before)
    if added:
        bins = ", ".join(t.source_location.code for t in added)
        units = sum(t.quantity for t in added)
        text += f" {units} more to pick from {bins}: added to your batch."
    else:
        text += f" {asked - found} could not be found elsewhere: backordered."
    return Notice("info", text)


def _after_pick(request: HttpRequest, task: Task, notice: Notice) -> HttpResponse:
    """On to the next pick of the batch (the address bar follows), or the batch's end."""
    following = next_pick(task=task, user_id=request.user.pk)
    if following is None:
        return _answer(request, _batch_done(request, task, notice=notice))
    following = _pick_or_404(request, following.pk)
    response = _answer(request, _screen(request, following, BIN, notice=notice))
    if wants_fragment(request):
        response["HX-Push-Url"] = reverse("floor-pick", args=[following.pk])
    return response


# --- helpers --------------------------------------------------------------------------------


def _pick_or_404(request: HttpRequest, task_id: int) -> Task:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    task = pick_for_screen(task_id=task_id, warehouse_id=warehouse.pk)
    if task is None or task.kind != Task.Kind.PICK:
        raise Http404(f"No pick {task_id} in {warehouse.code}.")
    return task


def _refused(
    request: HttpRequest, task: Task, carried: Carried, exc: DomainError, step: str
) -> HttpResponse:
    """A refused scan: back to the step whose scan was wrong, the scans before it kept."""
    scan_refusal_record(request, task, exc)
    back = _FIELD_STEP.get(exc.field or "", step)
    if back == BIN:
        carried = Carried()
    elif back == PRODUCT:
        carried = Carried(source=carried.source)
    return _answer(request, _screen(request, task, back, carried, error=exc.message), 422)


def _screen(
    request: HttpRequest,
    task: Task,
    step: str,
    carried: Carried | None = None,
    *,
    notice: Notice | None = None,
    error: str = "",
    found: int | None = None,
) -> dict[str, Any]:
    keys = [key for key, _ in STEPS]
    current = keys.index(QUANTITY if step == SHORT else step)
    return {
        "task": task,
        "step": step,
        "carried": carried or Carried(),
        "dots": [
            StepDot(label, "done" if i < current else "current" if i == current else "todo")
            for i, (_, label) in enumerate(STEPS)
        ],
        "progress": batch_progress(task=task, user_id=request.user.pk),
        "notice": Notice("error", error) if error else notice,
        "found": found,
        "missing": task.quantity - found if found is not None else None,
    }


def _batch_done(request: HttpRequest, task: Task, *, notice: Notice | None = None) -> dict:
    return {
        "task": task,
        "step": BATCH_DONE,
        "progress": batch_progress(task=task, user_id=request.user.pk),
        "notice": notice,
    }


def _answer(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#screen", context, status=status)
    return render(request, TEMPLATE, context, status=status)
