"""Forms of the purchaser's pages (suggestions, purchase orders): they parse and check input,
nothing more. Every message says what was wrong and what to type instead; the views call the
services, whose own errors are shown the same way.
"""

from typing import Any

from django import forms

from inventory.models import PurchaseOrder, Supplier, Warehouse
from inventory.selectors.replenishment import URGENCIES

MAX_QUANTITY = 100_000_000  # as the services: sums stay inside the database's integers
ALL_WAREHOUSES = "all"

URGENCY_LABELS = {
    "critical": "Critical: runs out within the lead time",
    "soon": "Soon: runs out within lead time + a week",
    "later": "Later",
}
assert set(URGENCY_LABELS) == set(URGENCIES)

# Sort keys of the suggestions table (the selector's orderings), as the column headers use them.
SUGGESTION_SORTS = {
    "days_of_cover": "Days of cover (fewest first)",
    "-days_of_cover": "Days of cover (most first)",
    "-value": "Value (highest first)",
    "value": "Value (lowest first)",
    "product": "Product (A to Z)",
    "-product": "Product (Z to A)",
    "supplier": "Supplier (A to Z)",
    "warehouse": "Warehouse (A to Z)",
}


def _warehouse_choices(warehouses: list[Warehouse]) -> list[tuple[str, str]]:
    choices = [(str(w.pk), f"{w.code} · {w.name}") for w in warehouses]
    if len(warehouses) > 1:
        choices.insert(0, (ALL_WAREHOUSES, "All my warehouses"))
    return choices


def _supplier_choices(suppliers: list[Supplier]) -> list[tuple[str, str]]:
    return [("", "All suppliers")] + [
        (str(s.pk), f"{s.code} · {s.name}{'' if s.is_active else ' (inactive)'}") for s in suppliers
    ]


class ScopeFilterForm(forms.Form):
    """Warehouse and supplier filters shared by the suggestions and purchase-order lists.

    ``warehouse`` is one of the user's warehouses or "all" of them; absent, the current one.
    A bad value is reported and left out (the current warehouse / every supplier is shown).
    """

    warehouse = forms.ChoiceField(
        required=False,
        error_messages={
            "invalid_choice": "You do not work in warehouse %(value)s; showing the current one."
        },
    )
    supplier = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "There is no supplier %(value)s; showing all suppliers."},
    )

    def __init__(
        self,
        data: Any,
        *,
        warehouses: list[Warehouse],
        current: Warehouse,
        suppliers: list[Supplier],
    ) -> None:
        super().__init__(data)
        self.warehouses = warehouses
        self.current = current
        self.fields["warehouse"].choices = _warehouse_choices(warehouses)
        self.fields["supplier"].choices = _supplier_choices(suppliers)
        self.is_valid()

    @property
    def warehouse_value(self) -> str:
        """The warehouse the list shows, as its choice value (for the select)."""
        return self.cleaned_data.get("warehouse") or str(self.current.pk)

    def warehouse_ids(self) -> list[int]:
        if self.warehouse_value == ALL_WAREHOUSES:
            return [w.pk for w in self.warehouses]
        return [int(self.warehouse_value)]

    def supplier_id(self) -> int | None:
        value = self.cleaned_data.get("supplier")
        return int(value) if value else None


class SuggestionFilterForm(ScopeFilterForm):
    urgency = forms.ChoiceField(
        required=False,
        choices=[("", "Any urgency"), *URGENCY_LABELS.items()],
        error_messages={
            "invalid_choice": "Urgency is critical, soon or later, not %(value)s; showing all."
        },
    )
    sort = forms.ChoiceField(
        required=False,
        choices=list(SUGGESTION_SORTS.items()),
        error_messages={
            "invalid_choice": "Cannot sort by %(value)s; sorted by days of cover instead."
        },
    )

    def filters(self) -> dict[str, Any]:
        return {
            "warehouse_ids": self.warehouse_ids(),
            "supplier_id": self.supplier_id(),
            "urgency": self.cleaned_data.get("urgency") or None,
            "order": self.cleaned_data.get("sort") or "days_of_cover",
        }

    @property
    def filtered(self) -> bool:
        return bool(self.cleaned_data.get("supplier") or self.cleaned_data.get("urgency"))


class PurchaseOrderFilterForm(ScopeFilterForm):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "All statuses"), *PurchaseOrder.Status.choices],
        error_messages={"invalid_choice": "There is no status %(value)s; showing all orders."},
    )

    def filters(self) -> dict[str, Any]:
        return {
            "warehouse_ids": self.warehouse_ids(),
            "supplier_id": self.supplier_id(),
            "status": self.cleaned_data.get("status") or "",
        }

    @property
    def filtered(self) -> bool:
        return bool(self.cleaned_data.get("supplier") or self.cleaned_data.get("status"))


def _quantity_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={
            "required": "Enter a quantity, like 60.",
            "invalid": "Enter the quantity as a whole number, like 60.",
            "min_value": "The quantity must be at least 1.",
            "max_value": f"The quantity must be at most {MAX_QUANTITY:,}.",
        },
        **kwargs,
    )


class QuantityForm(forms.Form):
    """A quantity typed in place (a suggestion's, a draft line's)."""

    quantity = _quantity_field()


class IdsField(forms.Field):
    """Ticked checkboxes of one name: a list of ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "The list is out of date: reload the page."}

    def to_python(self, value: Any) -> list[int]:
        values = value or []
        if not all(str(v).isdigit() and len(str(v)) <= 18 for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(v) for v in values})


class SuggestionsApproveForm(forms.Form):
    suggestion = IdsField(
        required=True,
        error_messages={"required": "Tick the suggestions to approve first."},
    )


class SuggestionDismissForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        strip=True,
        error_messages={"max_length": "Keep the reason within 300 characters."},
    )


class OrderLineAddForm(forms.Form):
    """A product (SKU or barcode) and a quantity to put on a draft."""

    product = forms.CharField(
        max_length=40,
        strip=True,
        error_messages={
            "required": "Enter the SKU or barcode of the product to add.",
            "max_length": "A SKU or barcode is at most 40 characters.",
        },
    )
    quantity = _quantity_field()
