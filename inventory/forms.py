"""Forms of the inventory pages: they parse and check input, nothing more."""

from django import forms

# Sort keys the purchaser's stock table accepts, with the ORDER BY each stands for.
STOCK_LEVEL_SORTS = {
    "sku": ("product__sku",),
    "-sku": ("-product__sku",),
    "available": ("available", "product__sku"),
    "-available": ("-available", "product__sku"),
}


class StockLevelFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("sku", "SKU (A to Z)"),
            ("-sku", "SKU (Z to A)"),
            ("available", "Available (lowest first)"),
            ("-available", "Available (highest first)"),
        ],
    )

    def ordering(self) -> tuple[str, ...]:
        """The ORDER BY of the valid sort, or SKU order when none or a bad one was given."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return STOCK_LEVEL_SORTS[self.cleaned_data.get("sort") or "sku"]


class WarehouseSwitchForm(forms.Form):
    """Choose the warehouse to work in, among the ones the user may see."""

    warehouse = forms.TypedChoiceField(label="Warehouse", coerce=int)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: object, warehouses: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [(w.pk, f"{w.code} {w.name}") for w in warehouses]
        self.fields["warehouse"].error_messages["invalid_choice"] = (
            "That warehouse does not exist or you do not work in it."
        )
