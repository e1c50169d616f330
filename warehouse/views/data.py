"""The data page: CSV imports of products, locations and reorder rules, and CSV exports of
stock and the ledger.

An upload is checked as a whole in the request (a bad file is refused at once, on the page);
a good one is queued for the worker, and the browser goes to the import's own address, where
htmx asks every second for its progress until the result is there: the counts, or every bad
row and nothing written. Exports stream: the ledger of a year is not built in memory first.
Who may import what is the import kinds' business (``warehouse.services.data_import``).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.errors import DomainError, NotAllowed
from inventory.selectors import warehouses_for_user
from inventory.selectors.exports import ExportTable, stock_levels_export
from inventory.services.imports.files import MAX_BYTES, MAX_ROWS, csv_template
from inventory.views.shell import role_page, wants_fragment
from warehouse.data_forms import ExportScopeForm, ImportUploadForm, MovesExportForm
from warehouse.selectors.exports import moves_export, quants_export
from warehouse.services.data_import import (
    IMPORT_KINDS,
    ImportKind,
    csv_import_start,
    import_job_of,
    import_kinds_for_user,
)
from wms.csv_safety import csv_lines

TEMPLATE = "warehouse/supervisor/data.html"
PERMISSION = "inventory.view_stocklevel"  # supervisors and purchasers
URL_NAME = "supervisor-data"
STOP_POLLING = 286  # htmx stops an "every" trigger on this status


@dataclass(frozen=True)
class ImportCard:
    kind: ImportKind
    error: str = ""


@dataclass(frozen=True)
class Export:
    name: str
    label: str
    about: str
    permission: str


EXPORTS = (
    Export(
        "stock",
        "Stock per bin and lot",
        "Each bin's stock per product and lot: lot, expiry, quantity, reserved, received.",
        "warehouse.view_quant",
    ),
    Export(
        "stock-levels",
        "Stock levels",
        "Per product and warehouse: on hand, reserved, available, on the dock, in QC, "
        "quarantined, on order.",
        "inventory.view_stocklevel",
    ),
    Export(
        "moves",
        "Stock moves",
        "The ledger: every move between the two days, oldest first; what, how many, from "
        "where to where, who and why.",
        "warehouse.view_stockmove",
    ),
)


@require_GET
@role_page(PERMISSION, url_name=URL_NAME)
def data_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@role_page(PERMISSION, url_name=URL_NAME)
def data_import_start_view(request: HttpRequest) -> HttpResponse:
    """Check the uploaded file and queue it; a bad file is named on its form (422)."""
    kind = request.POST.get("kind", "")
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _page(request, errors={kind: message}, status=422)
    upload = form.cleaned_data["file"]
    try:
        job = csv_import_start(
            kind=form.cleaned_data["kind"],
            user=request.user,
            filename=upload.name,
            raw=upload.read(),
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        return _page(request, errors={kind: exc.message}, status=422)
    return redirect("supervisor-data-import", job.id)


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name=URL_NAME)
def data_import_page(request: HttpRequest, job_id: str) -> HttpResponse:
    """The import's progress and result: the whole page, or (htmx polling) its panel."""
    job = import_job_of(job_id=job_id, user=request.user)
    fragment = wants_fragment(request)
    if job is None:
        if fragment:
            return HttpResponse(status=STOP_POLLING)  # expired: stop asking
        raise Http404("No such import.")
    context = {"job": job, "job_kind": IMPORT_KINDS.get(job.kind)}
    if fragment:
        return render(request, f"{TEMPLATE}#import-job", context)
    return _page(request, **context)


@require_GET
@role_page(PERMISSION, url_name=URL_NAME)
def data_template_view(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV file with just the header row of one kind of import."""
    spec = IMPORT_KINDS.get(kind)
    if spec is None:
        raise Http404("No such import.")
    response = HttpResponse(csv_template(spec.columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{spec.name}-template.csv"'
    return response


@require_GET
@role_page(PERMISSION, url_name=URL_NAME)
def data_export_view(request: HttpRequest, what: str) -> HttpResponseBase:
    """A CSV export, streamed; a bad date range re-draws the page with its error (422)."""
    export = next((e for e in EXPORTS if e.name == what), None)
    if export is None:
        raise Http404("No such export.")
    if not request.user.has_perm(export.permission):
        raise PermissionDenied
    shell = request.shell  # type: ignore[attr-defined]
    form = (MovesExportForm if what == "moves" else ExportScopeForm)(request.GET)
    if not form.is_valid():
        return _page(request, moves_form=form, status=422)
    everywhere = form.cleaned_data.get("scope") == "all"
    warehouses = warehouses_for_user(user=request.user) if everywhere else shell.scope
    name = f"{what}-{'all' if everywhere else shell.current.code.replace('/', '-')}"
    if isinstance(form, MovesExportForm):
        since, before = form.range()
        days = [str(form.cleaned_data[f]) for f in ("since", "until") if form.cleaned_data[f]]
        table = moves_export(
            warehouses=warehouses, name="-".join([name, *days]), since=since, before=before
        )
    elif what == "stock":
        table = quants_export(warehouses=warehouses, name=f"{name}-{timezone.localdate()}")
    else:
        table = stock_levels_export(warehouses=warehouses, name=f"{name}-{timezone.localdate()}")
    return _csv_response(table)


def _csv_response(table: ExportTable) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(table.header, table.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    moves_form: MovesExportForm | ExportScopeForm | None = None,
    status: int = 200,
    **extra: object,
) -> HttpResponse:
    user = request.user
    errors = errors or {}
    kinds = import_kinds_for_user(user=user)
    context = {
        "cards": [ImportCard(kind, errors.get(kind.name, "")) for kind in kinds],
        # An error about a kind the page has no form for (a hand-made request).
        "upload_error": " ".join(
            message for name, message in errors.items() if name not in {k.name for k in kinds}
        ),
        "exports": [e for e in EXPORTS if user.has_perm(e.permission)],
        "moves_form": moves_form if isinstance(moves_form, MovesExportForm) else MovesExportForm(),
        "scope_error": moves_form.errors.get("scope") if moves_form is not None else None,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)
