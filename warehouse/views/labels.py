"""The supervisor's label printing: choose bins (zone, aisle, range), products (search) or the
lots of a receipt, preview what will print, and get a PDF (thermal roll or A4 sheets) or ZPL
for a Zebra printer. Reads only; a bad request re-renders the page with the reason (422).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from inventory.selectors import warehouses_for_user
from inventory.views.shell import role_page
from warehouse.labels.forms import FORMATS, SIZES, WHAT, LabelRequestForm
from warehouse.labels.pdf import labels_pdf
from warehouse.labels.selection import (
    MAX_LABELS,
    LabelRequestError,
    LabelSelection,
    labels_select,
)
from warehouse.labels.zpl import CONTENT_TYPE as ZPL_CONTENT_TYPE
from warehouse.labels.zpl import labels_zpl
from warehouse.selectors.pages import zones_list

PERMISSION = "warehouse.control_task"
TEMPLATE = "warehouse/supervisor/labels.html"
PREVIEW = 50


def _select(request: HttpRequest, form: LabelRequestForm) -> LabelSelection:
    """Raises LabelRequestError (the form must be valid)."""
    return labels_select(
        request=form.label_request(),
        warehouse=request.shell.current,  # type: ignore[attr-defined]
        warehouses=warehouses_for_user(user=request.user),
        today=timezone.localdate(),
    )


def _page(
    request: HttpRequest,
    form: LabelRequestForm,
    *,
    selection: LabelSelection | None = None,
    error: str = "",
    error_field: str = "",
    status: int = 200,
) -> HttpResponse:
    what = form.data.get("what") or "bins"
    context: dict[str, Any] = {
        "form": form,
        "what": what if what in dict(WHAT) else "bins",
        "kinds": WHAT,
        "formats": FORMATS,
        "sizes": SIZES,
        "zones": zones_list(warehouse_id=request.shell.current.pk),  # type: ignore[attr-defined]
        "selection": selection,
        # One row per bin, product or lot, not per copy.
        "preview": selection.labels[:: selection.copies][:PREVIEW] if selection else [],
        "error": error,
        "error_field": error_field,
        "max_labels": MAX_LABELS,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@role_page(PERMISSION, url_name="supervisor-labels")
def labels_page(request: HttpRequest) -> HttpResponse:
    """The form; with a selection in the query, a preview of what it prints."""
    if "what" not in request.GET:
        return _page(request, LabelRequestForm(initial={"what": "bins"}))
    form = LabelRequestForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        selection = _select(request, form)
    except LabelRequestError as error:
        return _page(request, form, error=error.message, error_field=error.field, status=422)
    return _page(request, form, selection=selection)


@require_GET
@role_page(PERMISSION, url_name="supervisor-labels")
def labels_print(request: HttpRequest) -> HttpResponse:
    """The labels as a PDF (inline, to print from the browser) or ZPL (text to send to the
    printer)."""
    form = LabelRequestForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        selection = _select(request, form)
    except LabelRequestError as error:
        return _page(request, form, error=error.message, error_field=error.field, status=422)
    data = form.cleaned_data
    name = slugify(selection.title) or "labels"
    if data["format"] == "zpl":
        response = HttpResponse(labels_zpl(labels=selection.labels), content_type=ZPL_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="labels-{name}.zpl"'
    else:
        pdf = labels_pdf(labels=selection.labels, size=data["size"], title=selection.title)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="labels-{name}-{data["size"]}.pdf"'
    response["X-Label-Count"] = str(len(selection.labels))
    return response
