"""Forms of the warehouse pages: they parse and check input, nothing more."""

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
