"""Forms of the supervisor's order pages: filters, releasing a wave, cancelling, a new order
typed in, and a CSV file of orders. They parse and check input (products looked up by SKU or
barcode, references against the orders taken), nothing more: the views call the services.

A CSV upload is checked whole before anything is created, and every bad row is named; only a
file without a single problem creates orders.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms

from inventory.gs1 import InvalidBarcode, ScanCode, parse_scan
from inventory.models import Product
from warehouse.forms import FormKeyField
from warehouse.models import Order
from warehouse.selectors.order_pages import DUE_CHOICES, references_taken
from warehouse.selectors.receipts import products_by_scans
from warehouse.services.orders import OrderLineInput
from warehouse.services.waves import RELEASE_ORDERINGS

REFERENCE_MAX = Order._meta.get_field("reference").max_length
CUSTOMER_MAX = Order._meta.get_field("customer").max_length
MAX_QUANTITY = 100_000_000  # as the API: sums stay inside the database's integers
MAX_LINES = 200  # rows of the typed-in form
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 20_000
CSV_COLUMNS = ("reference", "sku", "quantity", "priority", "requested_ship_date")
CSV_REQUIRED = CSV_COLUMNS[:3]
DATE_FORMATS = ["%Y-%m-%d"]
RELEASE_BY = {
    "priority": "Priority",
    "ship_date": "Requested ship date",
    "cutoff": "Carrier cut-off",
}
assert set(RELEASE_BY) == set(RELEASE_ORDERINGS)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "All statuses"), *Order.Status.choices],
        error_messages={"invalid_choice": "There is no status %(value)s; showing all orders."},
    )
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    due = forms.ChoiceField(
        required=False,
        choices=[("", "Any ship date"), *DUE_CHOICES],
        error_messages={"invalid_choice": "There is no filter %(value)s; showing all orders."},
    )

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is left out and its error shown)."""
        self.is_valid()
        return {
            "status": self.cleaned_data.get("status", ""),
            "search": self.cleaned_data.get("q", ""),
            "due": self.cleaned_data.get("due", ""),
        }


class IdsField(forms.Field):
    """Ticked checkboxes of one name: a list of ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "The list of orders is out of date: reload the page."}

    def to_python(self, value: Any) -> list[int]:
        values = value or []
        if not all(str(v).isdigit() and len(str(v)) <= 18 for v in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(v) for v in values})


class WaveReleaseForm(forms.Form):
    order = IdsField(
        required=True,
        error_messages={"required": "Tick the orders to release first."},
    )
    by = forms.ChoiceField(
        choices=list(RELEASE_BY.items()),
        initial="priority",
        error_messages={"invalid_choice": "Release by priority, ship date or carrier cut-off."},
    )
    picks_per_batch = forms.IntegerField(
        min_value=1,
        max_value=200,
        initial=20,
        error_messages={
            "required": "Say how many picks one picker gets per batch.",
            "invalid": "Enter the picks per batch as a whole number, like 20.",
            "min_value": "A batch holds at least 1 pick.",
            "max_value": "A batch holds at most 200 picks.",
        },
    )
    key = FormKeyField()


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Say why the order is cancelled.",
            "max_length": "Keep the reason under 200 characters.",
        },
    )


# --- one order typed in ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    """A row of the form's lines as typed, for drawing it again with its error."""

    sku: str
    quantity: str
    error: str = ""


class OrderForm(forms.Form):
    """A new order: header fields, and rows of SKU (or barcode) and quantity from the lists
    ``sku`` and ``quantity``; empty rows are ignored. ``cleaned_data["lines"]`` holds the
    lines; ``rows`` the rows as typed with an error on each bad one."""

    reference = forms.CharField(
        max_length=REFERENCE_MAX,
        error_messages={
            "required": "Give the order's reference.",
            "max_length": f"A reference has at most {REFERENCE_MAX} characters.",
        },
    )
    customer = forms.CharField(required=False, max_length=CUSTOMER_MAX)
    priority = forms.IntegerField(
        min_value=1,
        max_value=9,
        initial=5,
        error_messages={
            "required": "Give a priority from 1 (most urgent) to 9.",
            "invalid": "Priority is a whole number from 1 to 9.",
            "min_value": "Priority runs from 1 (most urgent) to 9.",
            "max_value": "Priority runs from 1 (most urgent) to 9.",
        },
    )
    requested_ship_date = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the ship date like 2031-06-30."},
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        skus = data.getlist("sku") if data is not None else []
        quantities = data.getlist("quantity") if data is not None else []
        width = max(len(skus), len(quantities))
        skus += [""] * (width - len(skus))
        quantities += [""] * (width - len(quantities))
        self.rows: list[LineRow] = [
            LineRow(sku.strip()[:60], quantity.strip()[:12])
            for sku, quantity in zip(skus, quantities, strict=True)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        filled = [(i, row) for i, row in enumerate(self.rows) if row.sku or row.quantity]
        if not filled:
            self.add_error(None, "Add at least one line: a SKU and a quantity.")
            return data
        if len(filled) > MAX_LINES:
            self.add_error(None, f"At most {MAX_LINES} lines; upload a CSV file for more.")
            return data
        errors: dict[int, str] = {}
        quantities: dict[int, int] = {}
        scans: dict[int, ScanCode] = {}
        for index, row in filled:
            quantity = _whole(row.quantity, 1, MAX_QUANTITY)
            if not row.sku:
                errors[index] = "Give the SKU or barcode."
            elif quantity is None:
                errors[index] = "The quantity must be a whole number of at least 1."
            else:
                try:
                    scans[index] = parse_scan(row.sku)
                except InvalidBarcode as exc:
                    errors[index] = exc.message
                quantities[index] = quantity
        products = dict(zip(scans, products_by_scans(scans=list(scans.values())), strict=True))
        lines: list[OrderLineInput] = []
        seen: dict[int, int] = {}
        for index, product in products.items():
            if product is None:
                errors[index] = f"No product has the SKU or barcode {self.rows[index].sku}."
            elif product.pk in seen:
                errors[index] = f"{product.sku} is on line {seen[product.pk] + 1} already."
            else:
                seen[product.pk] = index
                lines.append(OrderLineInput(product, quantities[index]))
        if errors:
            self.rows = [
                LineRow(row.sku, row.quantity, errors.get(i, "")) for i, row in enumerate(self.rows)
            ]
            self.add_error(None, f"{len(errors)} line{'s' if len(errors) > 1 else ''} to fix.")
        data["lines"] = lines
        return data


def _whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in [low, high], or None."""
    text = text.strip()
    if not text.isdigit() or len(text) > 12:
        return None
    value = int(text)
    return value if low <= value <= high else None


# --- a CSV file of orders ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the line of the file, 1 being the first (the header, if there is one)
    reference: str
    message: str


@dataclass
class OrderDraft:
    """One order of the file, checked: what ``order_create`` will be called with. Priority
    and ship date may be given on any of its rows, the same on each that gives them."""

    reference: str
    first_row: int
    given_priority: tuple[int, int] | None = None  # (value, row that gave it)
    given_ship_date: tuple[date, int] | None = None
    rows: list[int] = field(default_factory=list)
    skus: list[tuple[int, str, int]] = field(default_factory=list)  # (row, sku, quantity)
    lines: list[OrderLineInput] = field(default_factory=list)

    @property
    def priority(self) -> int:
        return self.given_priority[0] if self.given_priority else 5

    @property
    def requested_ship_date(self) -> date | None:
        return self.given_ship_date[0] if self.given_ship_date else None


class OrdersUploadForm(forms.Form):
    """A CSV file: ``reference,sku,quantity[,priority,requested_ship_date]`` per row, rows of
    one reference making one order. A header row naming the columns is optional (with one,
    the columns may come in any order). Commas or semicolons.

    Valid means every row is: ``cleaned_data["orders"]`` then holds the drafts, in the order
    of the file. Otherwise ``problems`` names each bad row.
    """

    file = forms.FileField(
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to upload.",
        }
    )

    def __init__(self, *args: Any, warehouse_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse_id = warehouse_id
        self.problems: list[RowError] = []
        self.existing: set[str] = set()  # references taken here before: not created again

    def clean_file(self) -> list[tuple[int, list[str]]]:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1024} KB; at most {CSV_MAX_BYTES // 1024} KB."
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”."
            ) from exc
        rows = _csv_rows(text)
        if not rows:
            raise forms.ValidationError("The file has no rows.")
        if len(rows) > CSV_MAX_ROWS:
            raise forms.ValidationError(f"At most {CSV_MAX_ROWS:,} rows in one file.")
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rows = data.get("file")
        if not rows:
            return data
        drafts = _drafts(rows, self.problems)
        _products_resolve(drafts, self.problems)
        taken = references_taken(references=[d.reference for d in drafts])
        for draft in drafts:
            elsewhere = taken.get(draft.reference)
            if elsewhere is None:
                continue
            if elsewhere == self.warehouse_id:
                self.existing.add(draft.reference)
            else:
                self.problems.append(
                    RowError(
                        draft.first_row,
                        draft.reference,
                        "This reference is taken by an order of another warehouse.",
                    )
                )
        self.problems.sort(key=lambda p: (p.row, p.message))
        if self.problems:
            count = len({p.row for p in self.problems})
            self.add_error(
                None,
                f"{count} row{'s' if count > 1 else ''} to fix. Nothing was created: correct "
                "the file and upload it again.",
            )
        data["orders"] = drafts
        return data


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    start = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((start, [cell.strip() for cell in cells]))
        start = reader.line_num + 1
    return rows


def _columns(rows: list[tuple[int, list[str]]], problems: list[RowError]) -> dict[str, int] | None:
    """Where each column is: from the header row (which is then removed), or the documented
    order. None when the header is wrong (a problem is recorded)."""
    number, cells = rows[0]
    names = [cell.lower().replace(" ", "_") for cell in cells]
    if "reference" not in names and "sku" not in names:
        return {name: i for i, name in enumerate(CSV_COLUMNS)}
    del rows[0]
    unknown = [
        cell for cell, name in zip(cells, names, strict=True) if name and name not in CSV_COLUMNS
    ]
    missing = [name for name in CSV_REQUIRED if name not in names]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(unknown))
        expected = ",".join(CSV_COLUMNS)
        problems.append(RowError(number, "", f"Header: {'; '.join(parts)}. Use {expected}."))
        return None
    return {name: names.index(name) for name in CSV_COLUMNS if name in names}


def _drafts(rows: list[tuple[int, list[str]]], problems: list[RowError]) -> list[OrderDraft]:
    columns = _columns(rows, problems)
    if columns is None:
        return []
    drafts: dict[str, OrderDraft] = {}
    for number, cells in rows:
        draft_row = _row(number, cells, columns, problems)
        if draft_row is None:
            continue
        reference, sku, quantity, priority, ship_date = draft_row
        draft = drafts.get(reference)
        if draft is None:
            draft = drafts[reference] = OrderDraft(reference, number)
        if priority is not None:
            if draft.given_priority is None:
                draft.given_priority = (priority, number)
            elif draft.given_priority[0] != priority:
                value, row = draft.given_priority
                problems.append(
                    RowError(
                        number,
                        reference,
                        f"Priority {priority} differs from row {row}'s {value}: one order, "
                        "one priority.",
                    )
                )
        if ship_date is not None:
            if draft.given_ship_date is None:
                draft.given_ship_date = (ship_date, number)
            elif draft.given_ship_date[0] != ship_date:
                value, row = draft.given_ship_date
                problems.append(
                    RowError(
                        number,
                        reference,
                        f"Ship date {ship_date} differs from row {row}'s {value}: one order, "
                        "one date.",
                    )
                )
        draft.rows.append(number)
        draft.skus.append((number, sku, quantity))
    return list(drafts.values())


def _row(
    number: int, cells: Sequence[str], columns: dict[str, int], problems: list[RowError]
) -> tuple[str, str, int, int | None, date | None] | None:
    """One row's values, or None when a value is bad (each problem recorded)."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    reference, sku, quantity_text = cell("reference"), cell("sku"), cell("quantity")
    found: list[str] = []
    if len(cells) > max(columns.values()) + 1 and any(cells[max(columns.values()) + 1 :]):
        found.append(f"{len(cells)} columns; at most {len(CSV_COLUMNS)}")
    if not reference:
        found.append("no reference")
    elif len(reference) > REFERENCE_MAX:
        found.append(f"the reference is longer than {REFERENCE_MAX} characters")
    if not sku:
        found.append("no SKU")
    quantity = _whole(quantity_text, 1, MAX_QUANTITY)
    if quantity is None:
        found.append(f"quantity “{quantity_text}” is not a whole number of at least 1")
    priority = None
    if text := cell("priority"):
        priority = _whole(text, 1, 9)
        if priority is None:
            found.append(f"priority “{text}” is not 1 to 9")
    ship_date = None
    if text := cell("requested_ship_date"):
        try:
            ship_date = date.fromisoformat(text)
        except ValueError:
            found.append(f"ship date “{text}” is not a date like 2031-06-30")
    if found:
        problems.append(RowError(number, reference[:REFERENCE_MAX], _sentence(found)))
        return None
    return reference, sku, quantity, priority, ship_date  # type: ignore[return-value]


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _products_resolve(drafts: list[OrderDraft], problems: list[RowError]) -> None:
    """Find every SKU (or barcode) of the file in one query; name rows whose product is
    unknown, or on their order twice."""
    entries = [(draft, row, sku, qty) for draft in drafts for row, sku, qty in draft.skus]
    scans: list[ScanCode | None] = []
    for draft, row, sku, _qty in entries:
        try:
            scans.append(parse_scan(sku))
        except InvalidBarcode as exc:
            problems.append(RowError(row, draft.reference, exc.message))
            scans.append(None)
    found = iter(products_by_scans(scans=[s for s in scans if s is not None]))
    seen: dict[tuple[str, int], int] = {}
    for (draft, row, sku, qty), scan in zip(entries, scans, strict=True):
        if scan is None:
            continue
        product: Product | None = next(found)
        if product is None:
            problems.append(RowError(row, draft.reference, f"No product has the SKU {sku}."))
        elif (draft.reference, product.pk) in seen:
            first = seen[(draft.reference, product.pk)]
            problems.append(
                RowError(
                    row,
                    draft.reference,
                    f"{product.sku} is on this order already (row {first}): one row per product.",
                )
            )
        else:
            seen[(draft.reference, product.pk)] = row
            draft.lines.append(OrderLineInput(product, qty))
