"""Forms of the warehouse pages: they parse and check input, nothing more."""

from typing import Any

from django import forms


class ScanForm(forms.Form):
    """One scanned or typed code: a bin's barcode or code, a product's barcode or SKU."""

    code = forms.CharField(
        label="Scan or type a code",
        max_length=128,
        strip=True,
        error_messages={
            "required": "Scan a barcode or type a bin code or SKU.",
            "max_length": "That code is too long (at most 128 characters); scan it again.",
        },
    )

    def clean_code(self) -> str:
        # Some scanners send GS1 group separators or trailing control characters; a code is
        # printable text only.
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isprintable()).strip()
        if not code:
            raise forms.ValidationError(self.fields["code"].error_messages["required"])
        return code


class StockFilterForm(forms.Form):
    """The supervisor's stock table: free-text search and a zone."""

    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    zone = forms.ChoiceField(label="Zone", required=False)

    def __init__(self, *args: object, zones: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", "All zones")] + [
            (zone.code, f"{zone.code} · {zone.name}") for zone in zones
        ]
        self.fields["zone"].error_messages["invalid_choice"] = (
            "There is no zone %(value)s in this warehouse; showing all zones."
        )

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is left out and its error shown)."""
        self.is_valid()
        return {
            "search": self.cleaned_data.get("q", ""),
            "zone_code": self.cleaned_data.get("zone", ""),
        }


# --- inbound: receiving, the work screen, quarantine ----------------------------------------

GS = "\x1d"  # GS1's FNC1 as scanners send it: it separates a label's fields, so it stays
KEY_PATTERN = r"^[0-9a-f]{32}$"
QUANTITY_ERRORS = {
    "required": "Enter how many units.",
    "invalid": "Enter the quantity as a whole number, like 12.",
    "min_value": "The quantity must be at least %(limit_value)s.",
    "max_value": "That is more than %(limit_value)s units; count again.",
}


def scan_clean(value: str) -> str:
    """A scan without control characters, except GS1's separator; stripped."""
    return "".join(ch for ch in value if ch.isprintable() or ch == GS).strip()


class LabelScanForm(forms.Form):
    """A scan of a product label or bin where GS1 fields matter (keeps the GS separators)."""

    code = forms.CharField(
        max_length=128,
        strip=False,
        error_messages={
            "required": "Scan the label, or type the code and press Enter.",
            "max_length": "That code is too long (at most 128 characters); scan it again.",
        },
    )

    def clean_code(self) -> str:
        code = scan_clean(self.cleaned_data["code"])
        if not code.strip(GS):
            raise forms.ValidationError(self.fields["code"].error_messages["required"])
        return code


class FormKeyField(forms.RegexField):
    """The key a form was drawn with: a repeat of the same submission is recognised by it."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            KEY_PATTERN,
            widget=forms.HiddenInput,
            error_messages={
                "required": "This form is out of date: reload the page and try again.",
                "invalid": "This form is out of date: reload the page and try again.",
            },
            **kwargs,
        )


class ReceiptStartForm(forms.Form):
    """Start receiving: against a purchase order, or an unplanned delivery (supplier optional)."""

    purchase_order = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    supplier = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Supplier not known",
        error_messages={"invalid_choice": "That supplier is not in the list; pick another."},
    )
    key = FormKeyField()

    def __init__(self, *args: object, suppliers: Any, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers


class ReceiveForm(forms.Form):
    """One confirmed scan at the dock: the product, how many, and its lot and expiry."""

    product = forms.CharField(max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=99_999, error_messages=QUANTITY_ERRORS)
    lot = forms.CharField(
        required=False,
        max_length=40,
        error_messages={"max_length": "A lot code has at most 40 characters."},
    )
    expiry = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"],
        error_messages={"invalid": "Enter the expiry date like 2031-06-30."},
    )
    key = FormKeyField()


class WorkScanForm(forms.Form):
    """A scan on the work screen, with the scans the screen accepted before it."""

    STEPS = ("source", "product", "destination", "bench")

    step = forms.ChoiceField(choices=[(step, step) for step in STEPS], widget=forms.HiddenInput)
    code = LabelScanForm.base_fields["code"]
    source = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    product = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    lot = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    done = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        required=False, min_value=1, max_value=99_999, error_messages=QUANTITY_ERRORS
    )

    clean_code = LabelScanForm.clean_code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("step") == "destination" and data.get("done") is None:
            raise forms.ValidationError("This form is out of date: reload the page.")
        return data


# Why goods fail inspection, most common first: one tap on the handheld.
QC_REASONS = (
    "Damaged packaging",
    "Damaged product",
    "Wrong product",
    "Wet or contaminated",
    "Short-dated",
    "Missing parts",
)


class InspectForm(forms.Form):
    """The result of a QC inspection: pass, or fail some units with a reason."""

    result = forms.ChoiceField(choices=[("pass", "Pass"), ("fail", "Fail")])
    failed_quantity = forms.IntegerField(
        required=False, min_value=1, max_value=99_999, error_messages=QUANTITY_ERRORS
    )
    reason = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(reason, reason) for reason in QC_REASONS],
        error_messages={"invalid_choice": "Pick one of the reasons, or type your own."},
    )
    note = forms.CharField(
        required=False,
        max_length=120,
        error_messages={"max_length": "Keep the note under 120 characters."},
    )
    source = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    product = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    lot = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        picked, note = data.get("reason") or "", (data.get("note") or "").strip()
        data["reason_text"] = f"{picked}: {note}" if picked and note else picked or note
        if data.get("result") == "fail" and not data["reason_text"] and not self.errors:
            self.add_error("reason", "Say why the goods fail: pick a reason or type one.")
        return data


class QuarantineDecisionForm(forms.Form):
    """A supervisor's release or scrap of quarantined units, with the reason."""

    quantity = forms.IntegerField(min_value=1, max_value=999_999, error_messages=QUANTITY_ERRORS)
    reason = forms.CharField(
        max_length=150,
        error_messages={
            "required": "Give the reason for the decision.",
            "max_length": "Keep the reason under 150 characters.",
        },
    )
    key = FormKeyField()


# --- outbound: picking and packing on the handheld --------------------------------------------

SCAN_REQUIRED = "Scan the label, or type the code and press Enter."


class PickScanForm(forms.Form):
    """One step of a pick: the bin scan, the product scan, or the quantity picked, with the
    scans the screen accepted before it. ``short`` confirms a quantity below the task's."""

    STEPS = ("bin", "product", "quantity")

    step = forms.ChoiceField(
        choices=[(step, step) for step in STEPS],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "This form is out of date: reload the page."},
    )
    code = forms.CharField(
        required=False,
        max_length=128,
        strip=False,
        error_messages={"max_length": "That code is too long (at most 128 characters)."},
    )
    source = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    product = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    lot = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=99_999,
        error_messages={**QUANTITY_ERRORS, "min_value": "Enter 0 or more units."},
    )
    short = forms.BooleanField(required=False, widget=forms.HiddenInput)
    recount = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_code(self) -> str:
        return scan_clean(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        step = data.get("step")
        if step in ("bin", "product") and not (data.get("code") or "").strip(GS):
            self.add_error("code", SCAN_REQUIRED)
        if step == "quantity" and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter how many units you picked.")
        return data


PackedItemKey = tuple[int, int | None]


class PackedItemsField(forms.CharField):
    """The package on the bench as the screen drew it: ``product:lot:quantity`` items, comma
    separated (lot empty for products without one). The server checks every item again."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid": "This form is out of date: reload the page."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=20_000, **kwargs)

    def to_python(self, value: Any) -> dict[PackedItemKey, int]:  # type: ignore[override]
        text = super().to_python(value)
        items: dict[PackedItemKey, int] = {}
        for part in filter(None, text.split(",")):
            pieces = part.split(":")
            if len(pieces) != 3 or not all(p.isdigit() for p in (pieces[0], pieces[2])):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if pieces[1] and not pieces[1].isdigit():
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            key = (int(pieces[0]), int(pieces[1]) if pieces[1] else None)
            quantity = int(pieces[2])
            if quantity <= 0 or quantity > 99_999 or key in items:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            items[key] = quantity
        return items

    def validate(self, value: Any) -> None:
        pass  # to_python checked the shape; an empty package is the view's concern


def packed_items_text(items: dict[PackedItemKey, int]) -> str:
    """The hidden field's text for a package (the inverse of ``PackedItemsField``)."""
    return ",".join(
        f"{product}:{lot if lot is not None else ''}:{quantity}"
        for (product, lot), quantity in items.items()
    )


class PackScanForm(forms.Form):
    """An item scanned at the packing bench (``quantity`` of it, 1 unless said), the lot chosen
    when the label does not say it, and the package so far."""

    code = LabelScanForm.base_fields["code"]
    quantity = forms.IntegerField(
        required=False, min_value=1, max_value=9_999, error_messages=QUANTITY_ERRORS
    )
    lot = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    items = PackedItemsField()
    key = FormKeyField()

    clean_code = LabelScanForm.clean_code


class PackCloseForm(forms.Form):
    """Close the package on the bench: its items, and the key it was drawn with."""

    items = PackedItemsField()
    key = FormKeyField()
