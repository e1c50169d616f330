"""Forms of the data page: a CSV file to import, and the ledger export's date range. They parse
and check input, nothing more: the views call the services and selectors."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from inventory.services.imports.files import MAX_BYTES

SCOPES = {"current": "This warehouse", "all": "All my warehouses"}


class ImportUploadForm(forms.Form):
    kind = forms.CharField(max_length=40)
    file = forms.FileField(
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to import.",
        }
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused before it is read: a file this big is not read into memory at all.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / (1024 * 1024):.1f} MB; at most "
                f"{MAX_BYTES // (1024 * 1024)} MB can be imported at once. Split it into "
                "smaller files."
            )
        return upload


class ExportScopeForm(forms.Form):
    scope = forms.ChoiceField(
        choices=list(SCOPES.items()),
        required=False,
        error_messages={"invalid_choice": "Export this warehouse or all of yours."},
    )


class MovesExportForm(ExportScopeForm):
    """The ledger from one day to another (both included; either may be left open)."""

    since = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the first day like 2031-06-30."},
    )
    until = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the last day like 2031-06-30."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", f"The last day ({until}) is before the first ({since}).")
        return data

    def range(self) -> tuple[datetime | None, datetime | None]:
        """[start of the first day, start of the day after the last) in the site's time zone."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        return (
            _day_start(since) if since else None,
            _day_start(until + timedelta(days=1)) if until and until < date.max else None,
        )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
