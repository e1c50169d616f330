"""The supervisor's task board: every task of the current warehouse, filtered, sorted and paged,
and the actions that steer them: give a task to a worker, change its priority, cancel it,
release it back to the queue; one row at a time or ticked rows at once; and a task's history.

A row's action answers htmx with the row drawn again (its outcome above it; 409 when the task
moved on meanwhile, 422 for bad input), a plain form post with a redirect back to the board.
Ticked rows are acted on one by one (``task_board_apply_many``): the board comes back with a
summary and each refused row marked. Every action calls a service of
``warehouse.services.task_board``, which records it in the audit trail.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.errors import DomainError
from inventory.selectors.audit import audit_rows
from inventory.views.shell import role_page, wants_fragment
from warehouse.models import Task
from warehouse.selectors.pages import zones_list
from warehouse.selectors.task_board import (
    AGES,
    ALL,
    EXCEPTIONS,
    SORTS,
    STATUSES,
    UNASSIGNED,
    TaskBoardFilters,
    task_board_counts,
    task_board_get,
    task_board_list,
    task_board_rows_get,
    task_history,
    task_rows,
    task_workers,
)
from warehouse.services.task_board import (
    task_board_apply_many,
    task_board_assign,
    task_board_cancel,
    task_board_priority_set,
    task_board_release,
)

TEMPLATE = "warehouse/supervisor/tasks.html"
HISTORY_PAGE = "warehouse/supervisor/tasks_history.html"
ROW = "warehouse/partials/task_row.html"
HISTORY = "warehouse/partials/task_row_history.html"
PERMISSION = "warehouse.control_task"
PAGE_SIZE = 50
MAX_TICKED = 500
PRIORITIES = [(n, str(n)) for n in range(1, 10)]
# What each action did, for the notice: "Task #12 given to floor2."
DONE = {
    "assign": "given to {assignee}",
    "priority": "set to priority {priority}",
    "cancel": "cancelled",
    "release": "back in the queue",
}


# --- forms -----------------------------------------------------------------------------------


class TaskBoardFilterForm(forms.Form):
    """The board's filters; a bad value is reported and left out, never a 500."""

    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Task.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Default"), *STATUSES.items()])
    assignee = forms.CharField(required=False, max_length=150, strip=True)
    exception = forms.ChoiceField(required=False, choices=[("", "None"), *EXCEPTIONS.items()])
    product = forms.CharField(required=False, max_length=40, strip=True)
    location = forms.CharField(required=False, max_length=40, strip=True)
    zone = forms.ChoiceField(required=False)
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *PRIORITIES]
    )
    age = forms.ChoiceField(
        required=False, choices=[("", "Any age"), *((k, v[0]) for k, v in AGES.items())]
    )
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for name in SORTS for key in (name, f"-{name}")]
    )

    def __init__(self, data: Any, *, zones: list[str]) -> None:
        super().__init__(data)
        self.fields["zone"].choices = [("", "All zones"), *((z, z) for z in zones)]
        self.is_valid()

    def filters(self) -> TaskBoardFilters:
        data = self.cleaned_data
        return TaskBoardFilters(
            kind=data.get("kind", ""),
            status=self.status_value(),
            assignee=data.get("assignee", ""),
            exception=data.get("exception", ""),
            product=data.get("product", ""),
            location=data.get("location", ""),
            zone=data.get("zone", ""),
            priority=data.get("priority"),
            age=data.get("age", ""),
            search=data.get("q", ""),
            sort=data.get("sort") or "priority",
        )

    def status_value(self) -> str:
        """The status shown: as chosen, else every status with an exception, else active."""
        chosen = self.cleaned_data.get("status", "")
        return chosen or (ALL if self.cleaned_data.get("exception") else "active")

    @property
    def filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields if name != "sort")


class TaskActionForm(forms.Form):
    assignee = forms.CharField(required=False, max_length=150, strip=True)
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=PRIORITIES,
        error_messages={"invalid_choice": "Priority runs from 1 (most urgent) to 9."},
    )
    reason = forms.CharField(required=False, max_length=200, strip=True)


class BulkForm(TaskActionForm):
    action = forms.ChoiceField(
        choices=[(name, name) for name in DONE],
        error_messages={"required": "Choose what to do with the ticked tasks."},
    )
    task = forms.CharField(required=False)  # read with getlist() in clean_task

    def clean_task(self) -> list[int]:
        values = self.data.getlist("task")
        if not values:
            raise forms.ValidationError("Tick the tasks first.")
        if len(values) > MAX_TICKED or not all(v.isdigit() and len(v) <= 18 for v in values):
            raise forms.ValidationError("The list of tasks is out of date: reload the page.")
        return list(dict.fromkeys(int(v) for v in values))


class _BadInput(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _action(name: str, form: TaskActionForm, actor_id: int) -> Callable[[int], Task]:
    """The service for action ``name`` bound to the form's values; _BadInput if one is
    missing or wrong."""
    if not form.is_valid():
        raise _BadInput(next(iter(form.errors.values()))[0])
    data = form.cleaned_data
    if name == "assign":
        if not data["assignee"]:
            raise _BadInput("Choose the worker to give the task to.")
        return partial(_assign, assignee=data["assignee"], actor_id=actor_id)
    if name == "priority":
        if data["priority"] is None:
            raise _BadInput("Choose a priority from 1 (most urgent) to 9.")
        return partial(_priority, priority=data["priority"], actor_id=actor_id)
    if name == "cancel":
        return partial(_cancel, reason=data["reason"], actor_id=actor_id)
    return partial(_release, actor_id=actor_id)


def _assign(task_id: int, *, assignee: str, actor_id: int) -> Task:
    return task_board_assign(task_id=task_id, assignee=assignee, actor_id=actor_id)


def _priority(task_id: int, *, priority: int, actor_id: int) -> Task:
    return task_board_priority_set(task_id=task_id, priority=priority, actor_id=actor_id)


def _cancel(task_id: int, *, reason: str, actor_id: int) -> Task:
    return task_board_cancel(task_id=task_id, reason=reason, actor_id=actor_id)


def _release(task_id: int, *, actor_id: int) -> Task:
    return task_board_release(task_id=task_id, actor_id=actor_id)


def _done_text(name: str, form: TaskActionForm) -> str:
    return DONE[name].format(**form.cleaned_data)


def _status(exc: DomainError) -> int:
    """409 when the task moved on (or cannot do this), else 422; both swap in their fragment."""
    return 409 if exc.http_status == 409 else 422


# --- the board -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    level: str  # success | error | info
    text: str


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-tasks")
def task_board_page(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: zones, workers, count, page, chips."""
    return _board(request)


def _board(
    request: HttpRequest,
    *,
    notice: Notice | None = None,
    errors: dict[int, str] | None = None,
    notices: dict[int, str] | None = None,
    ticked: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    warehouse_id = request.shell.current.pk  # type: ignore[attr-defined]
    form = TaskBoardFilterForm(
        request.GET, zones=[z.code for z in zones_list(warehouse_id=warehouse_id)]
    )
    filters = form.filters()
    # Page through ids alone, then load the page's rows with what they show: sorting 10,000
    # tasks joined to their products, bins and workers took 40 ms, the ids alone a few.
    tasks = task_board_list(warehouse_id=warehouse_id, filters=filters)
    page = Paginator(tasks.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = task_board_rows_get(warehouse_id=warehouse_id, task_ids=list(page.object_list))
    page.object_list = task_rows(shown, notices=notices, errors=errors)
    key = filters.sort
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "workers": list(task_workers(warehouse_id=warehouse_id)),
        "unassigned": UNASSIGNED,
        "priorities": PRIORITIES,
        "counts": task_board_counts(warehouse_id=warehouse_id),
        "status_value": form.status_value(),
        "sort": key,
        # A header sorts by its column; clicked again, the other way round.
        "sort_next": {name: f"-{name}" if key == name else name for name in SORTS},
        "notice": notice,
        "ticked": ticked or set(),
        "query": request.GET.urlencode(),
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#tasks-results", context, status=status)
    return render(request, TEMPLATE, context, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    url = reverse("supervisor-tasks")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


# --- one row ---------------------------------------------------------------------------------


@require_POST
@role_page(PERMISSION)
def task_action_view(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    """Assign, reprioritise, cancel or release one task; the row comes back drawn again."""
    if action not in DONE:
        raise Http404(f"No action {action}.")
    warehouse_id = request.shell.current.pk  # type: ignore[attr-defined]
    if task_board_get(warehouse_id=warehouse_id, task_id=task_id) is None:
        raise Http404(f"No task {task_id} in this warehouse.")
    form = TaskActionForm(request.POST)
    try:
        _action(action, form, request.user.pk)(task_id)
    except _BadInput as exc:
        return _row(request, task_id, error=exc.message, status=422)
    except DomainError as exc:
        return _row(request, task_id, error=exc.message, status=_status(exc))
    return _row(request, task_id, notice=f"Task #{task_id} {_done_text(action, form)}.")


def _row(
    request: HttpRequest, task_id: int, *, notice: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    if not wants_fragment(request):
        messages.add_message(
            request, messages.ERROR if error else messages.SUCCESS, error or notice
        )
        return _back(request)
    warehouse_id = request.shell.current.pk  # type: ignore[attr-defined]
    task = task_board_get(warehouse_id=warehouse_id, task_id=task_id)
    (row,) = task_rows([task], notices={task_id: notice}, errors={task_id: error})
    context = {
        "row": row,
        "workers": list(task_workers(warehouse_id=warehouse_id)),
        "priorities": PRIORITIES,
        "query": request.GET.urlencode(),
    }
    return render(request, ROW, context, status=status)


# --- ticked rows -----------------------------------------------------------------------------


@require_POST
@role_page(PERMISSION)
def task_bulk_view(request: HttpRequest) -> HttpResponse:
    """Apply one action to every ticked task, each on its own; say what worked and what not."""
    warehouse_id = request.shell.current.pk  # type: ignore[attr-defined]
    form = BulkForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _bulk_answer(request, Notice("error", error), status=422)
    ids = form.cleaned_data["task"]
    if len(task_board_rows_get(warehouse_id=warehouse_id, task_ids=ids)) != len(ids):
        error = "Some ticked tasks are not in this warehouse any more: reload the page."
        return _bulk_answer(request, Notice("error", error), ticked=set(ids), status=422)
    name = form.cleaned_data["action"]
    try:
        action = _action(name, form, request.user.pk)
    except _BadInput as exc:
        return _bulk_answer(request, Notice("error", exc.message), ticked=set(ids), status=422)
    outcomes = task_board_apply_many(task_ids=ids, action=action)
    errors = {o.task_id: o.error for o in outcomes if not o.ok}
    done = len(ids) - len(errors)
    text = f"{done} of {len(ids)} task{'s' if len(ids) != 1 else ''} {_done_text(name, form)}."
    if errors:
        text += f" {len(errors)} refused: see the marked rows."
    notice = Notice("error" if not done else "success" if not errors else "info", text)
    notices = {o.task_id: _done_text(name, form) for o in outcomes if o.ok}
    return _bulk_answer(request, notice, errors=errors, notices=notices, ticked=set(errors))


def _bulk_answer(
    request: HttpRequest, notice: Notice, *, status: int = 200, **rows: Any
) -> HttpResponse:
    if not wants_fragment(request):
        level = {"success": messages.SUCCESS, "info": messages.INFO}.get(notice.level)
        messages.add_message(request, level or messages.ERROR, notice.text)
        return _back(request)
    return _board(request, notice=notice, status=status, **rows)


# --- history ---------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-tasks")
def task_history_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """What supervisors did to a task, with its own milestones; ``?hide=1`` folds it away."""
    warehouse_id = request.shell.current.pk  # type: ignore[attr-defined]
    task = task_board_get(warehouse_id=warehouse_id, task_id=task_id)
    if task is None:
        raise Http404(f"No task {task_id} in this warehouse.")
    fragment = wants_fragment(request)
    if fragment and request.GET.get("hide"):
        return HttpResponse("")
    context = {
        "task": task,
        "events": audit_rows(task_history(task_id=task_id)),
        "fragment": fragment,
    }
    return render(request, HISTORY if fragment else HISTORY_PAGE, context)
