"""The floor worker's handheld screen: the task in hand, the queue, claim, release, scan.

Every action answers an htmx request with the fragment it changed, and a plain form post with
a redirect back to the page (so the screen also works when JavaScript did not load).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from inventory.errors import Conflict, DomainError
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import ScanForm
from warehouse.models import Task
from warehouse.selectors.inbound import task_for_work
from warehouse.selectors.pages import scan_lookup
from warehouse.selectors.tasks import task_queue_summary, tasks_for_worker
from warehouse.services.scan_refusals import scan_refusal_of_error
from warehouse.services.tasks import task_claim, task_release

TEMPLATE = "warehouse/floor/home.html"
PERMISSION = "warehouse.work_task"
# Kinds of task with a work screen of their own (warehouse.views.work); others are shown as a
# card on this page until their screens exist.
WORK_KINDS = frozenset({Task.Kind.PUTAWAY, Task.Kind.REPLENISH, Task.Kind.QC})
# Every kind with a screen, and its URL name: picks have the pick screen (warehouse.views.picking).
SCREENS = {**dict.fromkeys(WORK_KINDS, "floor-task"), Task.Kind.PICK: "floor-pick"}
SCREENS[Task.Kind.COUNT] = "floor-count"  # the blind count screen (warehouse.views.counting)


@dataclass(frozen=True)
class Notice:
    """One line of feedback after an action; ``level`` is a CSS modifier and message level."""

    level: str  # "success", "info" or "error"
    text: str


@dataclass(frozen=True)
class QueueCount:
    kind: str
    label: str
    count: int


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="floor-home")
def floor_home(request: HttpRequest) -> HttpResponse:
    """The page; for htmx (the queue's poll while the worker holds nothing) its work area."""
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#work", _work_context(request))
    return render(request, TEMPLATE, _work_context(request))


@require_POST
@role_page(PERMISSION)
def task_claim_view(request: HttpRequest) -> HttpResponse:
    """Give the worker the task they hold, or the most urgent open one of this warehouse."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    task = task_claim(user_id=request.user.pk, warehouse_id=warehouse.pk)
    if task is None:
        notice = Notice("info", f"No tasks are waiting in {warehouse.code}. Check again soon.")
        return _work_response(request, notice)
    notice = Notice("success", f"{task.get_kind_display()} task #{task.pk} is yours.")
    if task.kind == Task.Kind.PICK and task.batch_id:
        notice = Notice("success", "A pick batch is yours: follow the route, pick by pick.")
    if task.kind not in SCREENS:
        return _work_response(request, notice)
    # Straight to the task's own screen: one task per screen.
    messages.success(request, notice.text)
    url = reverse(SCREENS[task.kind], args=[task.pk])
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_POST
@role_page(PERMISSION)
def task_release_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """Hand a held task back to the queue (the worker cannot do it now)."""
    # Only a task of the warehouse the user works in now: a supervisor's control_task must not
    # reach another warehouse's queue (found by tests/test_authorization_matrix.py).
    if task_for_work(task_id=task_id, warehouse_id=request.shell.current.pk) is None:  # type: ignore[attr-defined]
        return _work_response(request, Notice("error", f"There is no task #{task_id}."), 422)
    try:
        task = task_release(
            task_id=task_id,
            user_id=request.user.pk,
            can_control=request.user.has_perm("warehouse.control_task"),
        )
    except Task.DoesNotExist:
        return _work_response(request, Notice("error", f"There is no task #{task_id}."), 422)
    except DomainError as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return _work_response(request, Notice("error", exc.message), status)
    return _work_response(request, Notice("success", f"Task #{task.pk} is back in the queue."))


@require_GET
@role_page(PERMISSION)
def scan_lookup_view(request: HttpRequest) -> HttpResponse:
    """What a scanned code is: a bin with its contents, or a product and where it lies."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = ScanForm(request.GET)
    scan, error = None, ""
    if not form.is_valid():
        error = form.errors["code"][0]
    else:
        scan = scan_lookup(warehouse=warehouse, code=form.cleaned_data["code"])
        if not scan.found:
            error = (
                f"No bin or product matches “{scan.code}” in {warehouse.code}. "
                "Check the label and scan again."
            )
    context = {"scan": scan, "scan_error": error}
    status = 422 if error else 200
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#scan-result", context, status=status)
    return render(request, TEMPLATE, _work_context(request, **context), status=status)


def _work_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    tasks = _one_card_per_batch(
        list(tasks_for_worker(user_id=request.user.pk, warehouse_id=warehouse.pk))
    )
    waiting = task_queue_summary(warehouse_id=warehouse.pk)
    queue = [QueueCount(kind, label, waiting[kind]) for kind, label in Task.Kind.choices]
    return {
        "tasks": tasks,
        "queue": queue,
        "queue_total": sum(waiting.values()),
        "work_kinds": frozenset(SCREENS),
        **extra,
    }


def _one_card_per_batch(tasks: list[Task]) -> list[Task]:
    """A batch's picks show as one card, its next stop in route order; ``batch_left`` on it
    says how many picks of the batch are left."""
    shown: list[Task] = []
    first: dict[int, Task] = {}
    left: dict[int, int] = {}
    for task in tasks:
        if task.kind != Task.Kind.PICK or task.batch_id is None:
            shown.append(task)
            continue
        left[task.batch_id] = left.get(task.batch_id, 0) + 1
        held = first.get(task.batch_id)
        if held is None:
            first[task.batch_id] = task
            shown.append(task)
        elif (task.route_sequence, task.pk) < (held.route_sequence, held.pk):
            shown[shown.index(held)] = first[task.batch_id] = task
    for task in first.values():
        task.batch_left = left[task.batch_id]  # type: ignore[attr-defined]
    return shown


def _work_response(request: HttpRequest, notice: Notice, status: int = 200) -> HttpResponse:
    if wants_fragment(request):
        context = _work_context(request, notice=notice)
        return render(request, f"{TEMPLATE}#work", context, status=status)
    level = {"success": messages.SUCCESS, "info": messages.INFO}.get(notice.level, messages.ERROR)
    messages.add_message(request, level, notice.text)
    return redirect("floor-home")


def scan_refusal_record(request: HttpRequest, task: Task, exc: DomainError) -> None:
    """Count a refused scan on a task screen for the dashboard (the service keeps only the
    scans' own faults: wrong bin, product, lot, unreadable label)."""
    scan_refusal_of_error(
        error=exc,
        warehouse_id=task.warehouse_id,
        user_id=request.user.pk,
        scanned=request.POST.get("code", ""),
        task=task,
    )
