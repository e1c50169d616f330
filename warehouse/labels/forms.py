"""The label request as the page and its links send it (GET parameters), checked.

``what`` is bins, products or lots; ``format`` pdf or zpl; ``size`` thermal (100 x 50 mm, one
per page) or a4 (sheets of 3 x 8). Ids come as repeated parameters (``lot=3&lot=7``).
"""

from typing import Any

from django import forms

from .selection import MAX_LABELS, LabelRequest

MAX_COPIES = 100
MAX_ID = 2**31 - 1

FORMATS = [("pdf", "PDF"), ("zpl", "ZPL for Zebra printers")]
SIZES = [
    ("thermal", "100 × 50 mm, one label per page"),
    ("a4", "A4 sheets, 24 of 70 × 37 mm"),
]
WHAT = [("bins", "Bins"), ("products", "Products"), ("lots", "Lots")]


class IdListField(forms.Field):
    """Repeated ``name=<id>`` parameters as a tuple of ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> tuple[int, ...]:
        values = [v for v in (value or []) if str(v).strip()]
        if len(values) > MAX_LABELS:
            raise forms.ValidationError(f"At most {MAX_LABELS:,} ids in one request.")
        ids = []
        for raw in values:
            text = str(raw).strip()
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(f"“{text[:20]}” is not an id.")
            ids.append(int(text))
        return tuple(dict.fromkeys(ids))


class LabelRequestForm(forms.Form):
    what = forms.ChoiceField(
        choices=WHAT,
        error_messages={
            "required": "Choose what to label: bins, products or lots.",
            "invalid_choice": "What to label must be bins, products or lots.",
        },
    )
    format = forms.ChoiceField(
        choices=FORMATS,
        required=False,
        error_messages={"invalid_choice": "Format must be pdf or zpl."},
    )
    size = forms.ChoiceField(
        choices=SIZES,
        required=False,
        error_messages={"invalid_choice": "Size must be thermal or a4."},
    )
    copies = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_COPIES,
        error_messages={"invalid": "Copies must be a whole number from 1 to 100."},
    )
    zone = forms.CharField(required=False, max_length=20)
    aisle = forms.CharField(required=False, max_length=10)
    code_from = forms.CharField(required=False, max_length=40, label="From code")
    code_to = forms.CharField(required=False, max_length=40, label="To code")
    location = IdListField(required=False)
    q = forms.CharField(required=False, max_length=100, label="Search")
    product = IdListField(required=False)
    receipt = forms.CharField(required=False, max_length=40, label="Receipt")
    lot = IdListField(required=False)

    def clean_receipt(self) -> int | str | None:
        """A receipt's id (from a link) or its reference as printed (RCV-000012)."""
        text = self.cleaned_data["receipt"].strip()
        if not text:
            return None
        if text.isascii() and text.isdigit():
            if not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(f"No receipt {text}.")
            return int(text)
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["format"] = data.get("format") or "pdf"
        data["size"] = data.get("size") or "thermal"
        data["copies"] = data.get("copies") or 1
        if data["format"] == "zpl" and data["size"] == "a4":
            self.add_error("size", "ZPL prints 100 × 50 mm thermal labels; A4 sheets are PDF only.")
        what = data.get("what")
        if what == "products" and not (data.get("q") or data.get("product")):
            self.add_error("q", "Search for the products to label.")
        if what == "lots" and not (data.get("receipt") or data.get("lot")):
            self.add_error("receipt", "Choose a receipt (or lots) to label.")
        low, high = data.get("code_from"), data.get("code_to")
        if low and high and low > high:
            self.add_error("code_to", f"{high} comes before {low}: swap them.")
        return data

    def label_request(self) -> LabelRequest:
        """The request for the chosen kind; parameters of the other kinds are ignored."""
        data = self.cleaned_data
        what = data["what"]
        used = set(_FIELDS_OF[what])

        def value(name: str, empty: Any) -> Any:
            return (data.get(name) or empty) if name in used else empty

        return LabelRequest(
            what=what,
            copies=data["copies"],
            zone=value("zone", ""),
            aisle=value("aisle", ""),
            code_from=value("code_from", ""),
            code_to=value("code_to", ""),
            location_ids=value("location", ()),
            search=value("q", ""),
            product_ids=value("product", ()),
            receipt=value("receipt", None),
            lot_ids=value("lot", ()),
        )


_FIELDS_OF = {
    "bins": ("zone", "aisle", "code_from", "code_to", "location"),
    "products": ("q", "product"),
    "lots": ("receipt", "lot"),
}
