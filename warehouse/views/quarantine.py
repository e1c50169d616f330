"""The supervisor's quarantine page: what failed QC, since when and why; release or scrap it.

Both decisions take a quantity and a reason and write a ledger row through the quarantine
services. Each form is drawn with a key, so a double click decides once.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.errors import DomainError
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import QuarantineDecisionForm
from warehouse.selectors.inbound import move_by_key, quarantine_quant_get, quarantine_stock
from warehouse.services.quarantine import quarantine_release, quarantine_scrap
from warehouse.views.floor import Notice

TEMPLATE = "warehouse/supervisor/quarantine.html"
PERMISSION = "warehouse.adjust_stock"
ACTIONS = {
    "release": (quarantine_release, "Released {quantity} × {sku} to the dock; putaway follows."),
    "scrap": (quarantine_scrap, "Scrapped {quantity} × {sku}."),
}


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-quarantine")
def quarantine_page(request: HttpRequest) -> HttpResponse:
    return _answer(request)


@require_POST
@role_page(PERMISSION)
def quarantine_decide_view(request: HttpRequest, quant_id: int, action: str) -> HttpResponse:
    """Release or scrap quarantined units of one quant (one row of the page)."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    if action not in ACTIONS:
        return _answer(
            request, notice=Notice("error", "Release or scrap, nothing else."), status=422
        )
    quant = quarantine_quant_get(warehouse_id=warehouse.pk, quant_id=quant_id)
    if quant is None:
        error = "That stock is no longer in quarantine here; the list is up to date now."
        return _answer(request, notice=Notice("error", error), status=422)
    form = QuarantineDecisionForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _answer(
            request, notice=Notice("error", error), failed=(quant.pk, action, form), status=422
        )
    data = form.cleaned_data
    service, done_text = ACTIONS[action]
    key = f"quarantine:{action}:{data['key']}"
    text = done_text.format(quantity=data["quantity"], sku=quant.product.sku)
    if move_by_key(idempotency_key=key) is None:  # a repeat of a done decision changes nothing
        try:
            service(
                quant_id=quant.pk,
                quantity=data["quantity"],
                reason=data["reason"],
                actor_id=request.user.pk,
                idempotency_key=key,
            )
        except DomainError as exc:
            notice = Notice("error", exc.message)
            return _answer(request, notice=notice, failed=(quant.pk, action, form), status=422)
    if not wants_fragment(request):
        messages.success(request, text)
        return redirect("supervisor-quarantine")
    return _answer(request, notice=Notice("success", text))


def _answer(
    request: HttpRequest,
    *,
    notice: Notice | None = None,
    failed: tuple[int, str, QuarantineDecisionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(request, notice=notice, failed=failed)
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#quarantine-results", context, status=status)
    return render(request, TEMPLATE, context, status=status)


def _context(
    request: HttpRequest,
    *,
    notice: Notice | None,
    failed: tuple[int, str, QuarantineDecisionForm] | None,
) -> dict[str, Any]:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    quants = list(quarantine_stock(warehouse_id=warehouse.pk))
    # The row whose decision was refused keeps what the supervisor typed.
    failed_id, failed_action, failed_form = failed or (None, "", None)
    rows = [
        {
            "quant": quant,
            "key": uuid.uuid4().hex,
            "action": failed_action if quant.pk == failed_id else "",
            "form": failed_form if quant.pk == failed_id else None,
        }
        for quant in quants
    ]
    return {
        "rows": rows,
        "notice": notice,
        "units": sum(quant.quantity for quant in quants),
    }
