"""Cycle count pages: the counter's blind count on the handheld, and the supervisor's counts
desk (plan counts, decide differences, recent results, record accuracy).

The handheld never shows what the books say: the count screen names the bin, the product
(and the lot), takes the bin scan, the product scan and the number counted, and answers
"recorded", whatever the difference. As on the pick screen, the accepted scans travel in
hidden fields and are checked as they come (reading only); the last step calls
``count_task_complete`` once with all of them, which checks them again under its locks. A
repeated submission finds the task done and changes nothing.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.errors import DomainError
from inventory.gs1 import InvalidBarcode, scan_text
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import QUANTITY_ERRORS, scan_clean
from warehouse.models import Task
from warehouse.selectors.counts import (
    count_of_task,
    count_queue,
    count_task_for_screen,
    count_zones,
    counts_recent,
    counts_waiting,
    record_accuracy,
)
from warehouse.selectors.scan import scan_location, scan_product
from warehouse.selectors.stock import location_by_code
from warehouse.services.count_planning import (
    count_flag_bin,
    counts_plan_by_class,
    counts_plan_zone,
)
from warehouse.services.counting import count_approve, count_reject, count_task_complete
from warehouse.views.floor import Notice

FLOOR_TEMPLATE = "warehouse/floor/count.html"
DESK_TEMPLATE = "warehouse/supervisor/counts.html"
FLOOR_PERMISSION = "warehouse.work_task"
DESK_PERMISSION = "warehouse.adjust_stock"
ACCURACY_DAYS = 30

BIN, PRODUCT, QUANTITY, DONE = "bin", "product", "quantity", "done"
STEPS = ((BIN, "Bin"), (PRODUCT, "Product"), (QUANTITY, "Count"))
# A refused scan of one of these is the fault of an earlier step: go back there.
_FIELD_STEP = {"location": BIN, "product": PRODUCT}


class CountScanForm(forms.Form):
    """One step of a count: the bin scan, the product scan, or the number counted (with the
    lot, for a lot-tracked product the task does not name one of)."""

    step = forms.ChoiceField(
        choices=[(step, step) for step in (BIN, PRODUCT, QUANTITY)],
        error_messages={"invalid_choice": "This form is out of date: reload the page."},
    )
    code = forms.CharField(
        required=False,
        max_length=128,
        strip=False,
        error_messages={"max_length": "That code is too long (at most 128 characters)."},
    )
    source = forms.CharField(required=False, max_length=40)
    product = forms.CharField(required=False, max_length=40)
    lot = forms.CharField(
        required=False,
        max_length=40,
        error_messages={"max_length": "A lot code has at most 40 characters."},
    )
    quantity = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=999_999,
        error_messages={**QUANTITY_ERRORS, "min_value": "Enter 0 or more units."},
    )

    def clean_code(self) -> str:
        return scan_clean(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        step = data.get("step")
        if step in (BIN, PRODUCT) and not data.get("code") and "code" not in self.errors:
            self.add_error("code", "Scan the label, or type the code and press Enter.")
        if step == QUANTITY and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter how many you counted (0 if none).")
        return data


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


# --- the handheld ---------------------------------------------------------------------------


def _unavailable(task: Task, user_id: int) -> str:
    if task.status == Task.Status.CANCELLED:
        return f"Count #{task.pk} was cancelled. Nothing to do here."
    if task.status == Task.Status.OPEN:
        return f"Count #{task.pk} is not yours: claim a task on the floor page."
    if task.assignee_id != user_id:
        return f"Count #{task.pk} is assigned to someone else."
    return ""


@require_GET
@role_page(FLOOR_PERMISSION, url_name="floor-home")
def count_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _floor(request, {"task": task, "unavailable": problem})
    step = DONE if task.status == Task.Status.DONE else BIN
    return _floor(request, _screen(task, step))


@require_POST
@role_page(FLOOR_PERMISSION)
def count_scan_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """One step of the count: scans are checked at once; the number counted records it."""
    task = _task_or_404(request, task_id)
    if problem := _unavailable(task, request.user.pk):
        return _floor(request, {"task": task, "unavailable": problem}, 409)
    if task.status == Task.Status.DONE:  # a double tap, or a stale screen
        return _floor(request, _screen(task, DONE, notice=Notice("info", "Already counted.")))
    form = CountScanForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    carried = Carried(data.get("source", ""), data.get("product", ""), data.get("lot", ""))
    step = data.get("step") or BIN
    if (step != BIN and not carried.source) or (step == QUANTITY and not carried.product):
        return _floor(request, _screen(task, BIN, error="Scan the bin and the product first."), 422)
    if not valid:
        error = next(iter(form.errors.values()))[0]
        return _floor(request, _screen(task, step, carried, error=error), 422)
    handler = {BIN: _scan_bin, PRODUCT: _scan_product, QUANTITY: _record}[step]
    return handler(request, task, carried, data)


def _scan_bin(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    location = scan_location(warehouse_id=task.warehouse_id, raw=data["code"])
    if location is None or location.pk != task.source_location_id:
        shown = location.code if location else scan_text(data["code"])
        error = f"Wrong bin: you scanned {shown}. Go to {task.source_location.code}."
        return _floor(request, _screen(task, BIN, error=error), 422)
    notice = Notice("success", f"{location.code} ✓ Right bin.")
    return _floor(request, _screen(task, PRODUCT, Carried(source=location.code), notice=notice))


def _scan_product(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    try:
        found = scan_product(raw=data["code"])
    except InvalidBarcode as exc:
        return _floor(request, _screen(task, PRODUCT, carried, error=exc.message), 422)
    if found is None:
        error = f"No product matches {scan_text(data['code'])}. Scan another label."
        return _floor(request, _screen(task, PRODUCT, carried, error=error), 422)
    if task.product_id and found.product.pk != task.product_id:
        error = f"Wrong product: you scanned {found.product.sku}. Count {task.product.sku}."
        return _floor(request, _screen(task, PRODUCT, carried, error=error), 422)
    if task.lot_id and found.lot_code and found.lot_code != task.lot.code:
        error = f"Wrong lot: you scanned lot {found.lot_code}. Count lot {task.lot.code}."
        return _floor(request, _screen(task, PRODUCT, carried, error=error), 422)
    lot = found.lot_code if found.product.is_lot_tracked else ""
    accepted = Carried(source=carried.source, product=found.product.sku, lot=lot or "")
    notice = Notice("success", f"{found.product.sku} ✓ Now count them.")
    return _floor(request, _screen(task, QUANTITY, accepted, notice=notice))


def _record(request: HttpRequest, task: Task, carried: Carried, data: dict) -> HttpResponse:
    lot = data.get("lot") or carried.lot
    try:
        count = count_task_complete(
            task_id=task.pk,
            user_id=request.user.pk,
            scanned_location=carried.source,
            scanned_product=carried.product,
            quantity=data["quantity"],
            lot_code=lot or None,
        )
    except DomainError as exc:
        back = _FIELD_STEP.get(exc.field or "", QUANTITY)
        kept = {BIN: Carried(), PRODUCT: Carried(source=carried.source)}.get(back, carried)
        return _floor(request, _screen(task, back, kept, error=exc.message), 422)
    task = _task_or_404(request, task.pk)
    where = f" of lot {count.lot.code}" if count.lot_id else ""
    text = (
        f"Recorded: {count.counted_quantity} × {count.product.sku}{where} "
        f"in {task.source_location.code}."
    )
    return _floor(request, _screen(task, DONE, notice=Notice("success", text)))


def _task_or_404(request: HttpRequest, task_id: int) -> Task:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    task = count_task_for_screen(task_id=task_id, warehouse_id=warehouse.pk)
    if task is None:
        raise Http404(f"No count task {task_id} in {warehouse.code}.")
    return task


def _screen(
    task: Task,
    step: str,
    carried: Carried | None = None,
    *,
    notice: Notice | None = None,
    error: str = "",
) -> dict[str, Any]:
    keys = [key for key, _ in STEPS]
    current = keys.index(step) if step in keys else len(keys)
    carried = carried or Carried()
    # A lot-tracked product counted without a lot named by the task: the counter says which.
    ask_lot = step == QUANTITY and not task.lot_id and _tracks_lot(task, carried)
    return {
        "task": task,
        "step": step,
        "carried": carried,
        "dots": [
            StepDot(label, "done" if i < current else "current" if i == current else "todo")
            for i, (_, label) in enumerate(STEPS)
        ],
        "ask_lot": ask_lot,
        "counted": count_of_task(task_id=task.pk) if step == DONE else None,
        "notice": Notice("error", error) if error else notice,
    }


def _tracks_lot(task: Task, carried: Carried) -> bool:
    if task.product_id:
        return task.product.is_lot_tracked
    found = scan_product(raw=carried.product) if carried.product else None
    return bool(found and found.product.is_lot_tracked)


def _floor(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if wants_fragment(request):
        return render(request, f"{FLOOR_TEMPLATE}#screen", context, status=status)
    return render(request, FLOOR_TEMPLATE, context, status=status)


# --- the supervisor's desk ------------------------------------------------------------------


class DecisionForm(forms.Form):
    reason = forms.CharField(
        max_length=150,
        error_messages={
            "required": "Give the reason for your decision.",
            "max_length": "Keep the reason under 150 characters.",
        },
    )


class PlanForm(forms.Form):
    by = forms.ChoiceField(
        choices=[("zone", "zone"), ("class", "class"), ("bin", "bin")],
        error_messages={"invalid_choice": "Choose what to count."},
    )
    zone = forms.IntegerField(required=False)
    location = forms.CharField(required=False, max_length=40, strip=True)
    product = forms.CharField(required=False, max_length=40, strip=True)
    reason = forms.CharField(required=False, max_length=150, strip=True)


@require_GET
@vary_on_headers("HX-Request")
@role_page(DESK_PERMISSION, url_name="supervisor-counts")
def counts_page(request: HttpRequest) -> HttpResponse:
    return _desk(request)


@require_POST
@role_page(DESK_PERMISSION)
def count_decide_view(request: HttpRequest, count_id: int, action: str) -> HttpResponse:
    """Approve or reject one waiting difference, with a reason."""
    services = {"approve": count_approve, "reject": count_reject}
    if action not in services:
        return _desk(
            request, notice=Notice("error", "Approve or reject, nothing else."), status=422
        )
    warehouse = request.shell.current  # type: ignore[attr-defined]
    if not any(c.pk == count_id for c in counts_waiting(warehouse_id=warehouse.pk)):
        error = "That count no longer waits for a decision here; the list is up to date now."
        return _desk(request, notice=Notice("error", error), status=409)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _desk(request, notice=Notice("error", error), failed=(count_id, form), status=422)
    try:
        count = services[action](
            count_id=count_id, user_id=request.user.pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        notice = Notice("error", exc.message)
        return _desk(request, notice=notice, failed=(count_id, form), status=422)
    if count.status == count.Status.APPROVED:
        change = count.adjusted_quantity or 0
        text = (
            f"Approved count #{count.pk}: {count.location.code} {count.product.sku} "
            f"{change:+d} in the books."
        )
    else:
        text = f"Rejected count #{count.pk}: the books stay as they are."
    return _desk_done(request, text)


@require_POST
@role_page(DESK_PERMISSION)
def counts_plan_view(request: HttpRequest) -> HttpResponse:
    """Plan count tasks: a zone, tonight's ABC share, or one flagged bin."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = PlanForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _desk(request, notice=Notice("error", error), status=422)
    data = form.cleaned_data
    try:
        plan, what = _plan(request, warehouse.pk, data)
    except DomainError as exc:
        return _desk(request, notice=Notice("error", exc.message), plan_form=form, status=422)
    created = len(plan.created)
    text = f"{created} count task{'s' if created != 1 else ''} created for {what}."
    if plan.skipped:
        text += f" {plan.skipped} already being counted."
    return _desk_done(request, text)


def _plan(request: HttpRequest, warehouse_id: int, data: dict) -> tuple[Any, str]:
    user_id = request.user.pk
    if data["by"] == "zone":
        if data.get("zone") is None:
            raise DomainError("Choose the zone to count.", field="zone")
        plan = counts_plan_zone(warehouse_id=warehouse_id, zone_id=data["zone"], user_id=user_id)
        return plan, "the zone"
    if data["by"] == "class":
        return counts_plan_by_class(warehouse_id=warehouse_id, user_id=user_id), "today's ABC share"
    location = location_by_code(warehouse_id=warehouse_id, code=data.get("location") or "")
    if location is None:
        raise DomainError(f"No bin {data.get('location') or '(none)'} here.", field="location")
    product = None
    if data.get("product"):
        found = scan_product(raw=data["product"])
        if found is None:
            raise DomainError(f"No product {data['product']}.", field="product")
        product = found.product
    plan = count_flag_bin(
        warehouse_id=warehouse_id,
        location_id=location.pk,
        product=product,
        reason=data.get("reason") or "",
        user_id=user_id,
    )
    return plan, f"bin {location.code}"


def _desk_done(request: HttpRequest, text: str) -> HttpResponse:
    if not wants_fragment(request):
        messages.success(request, text)
        return redirect("supervisor-counts")
    return _desk(request, notice=Notice("success", text))


def _desk(
    request: HttpRequest,
    *,
    notice: Notice | None = None,
    failed: tuple[int, DecisionForm] | None = None,
    plan_form: PlanForm | None = None,
    status: int = 200,
) -> HttpResponse:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    failed_id, failed_form = failed or (None, None)
    since = timezone.now() - timedelta(days=ACCURACY_DAYS)
    waiting = [
        {
            "count": count,
            "key": uuid.uuid4().hex,
            "form": failed_form if count.pk == failed_id else None,
        }
        for count in counts_waiting(warehouse_id=warehouse.pk)
    ]
    accuracy = record_accuracy(warehouse_id=warehouse.pk, since=since)
    context = {
        "waiting": waiting,
        "recent": counts_recent(warehouse_id=warehouse.pk),
        "accuracy": accuracy,
        "accuracy_percent": round(accuracy.share * 100, 1) if accuracy.share is not None else None,
        "accuracy_days": ACCURACY_DAYS,
        "queue": count_queue(warehouse_id=warehouse.pk),
        "zones": count_zones(warehouse_id=warehouse.pk),
        "plan": plan_form,
        "notice": notice,
    }
    template = f"{DESK_TEMPLATE}#counts-results" if wants_fragment(request) else DESK_TEMPLATE
    return render(request, template, context, status=status)
