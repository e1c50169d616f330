"""The audit trail page for supervisors: who changed what master data, and which tasks they
steered, and when; filtered by object type, action, who, days and text, newest first.

The records of the supervisor's warehouses and those of what all warehouses share (products,
suppliers, offers). Read only: the services write the records.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.models import AuditEvent
from inventory.selectors.audit import AuditRow, audit_actors, audit_events_list, audit_rows
from inventory.services.audit import ACTIONS, OBJECT_TYPES
from inventory.views.shell import role_page, wants_fragment

TEMPLATE = "warehouse/supervisor/audit.html"
PERMISSION = "inventory.view_auditevent"
PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    """The page's filters; a bad value is reported and left out."""

    object_type = forms.ChoiceField(
        required=False, choices=[("", "Everything"), *OBJECT_TYPES.items()]
    )
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *ACTIONS.items()])
    actor = forms.CharField(required=False, max_length=150, strip=True)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.is_valid()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The last day is before the first.")
        return data

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "object_type": data.get("object_type", ""),
            "action": data.get("action", ""),
            "actor": data.get("actor", ""),
            "since": data.get("since"),
            "until": data.get("until"),
            "search": data.get("q", ""),
        }

    @property
    def filtered(self) -> bool:
        return any(self.filters().values())


@dataclass(frozen=True)
class AuditLine:
    """A record of the page, with where its object can be seen (if anywhere)."""

    row: AuditRow
    link: str


def _link(event: AuditEvent) -> str:
    if event.object_type == "task":
        query = urlencode({"q": f"#{event.object_id}", "status": "all"})
        return f"{reverse('supervisor-tasks')}?{query}"
    if event.object_type == "product":
        return reverse("product-stock", args=[event.object_id])
    return ""


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-audit")
def audit_page(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: actors, count, page."""
    shell = request.shell  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET)
    events = audit_events_list(warehouses=shell.scope, **form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [AuditLine(row, _link(row.event)) for row in audit_rows(page.object_list)]
    context = {"form": form, "page": page, "actors": list(audit_actors())}
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#audit-results", context)
    return render(request, TEMPLATE, context)
