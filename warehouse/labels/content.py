"""What each label says and which barcode carries it.

- A bin: Code 128 of its barcode (the code unless the layout gave the bin another barcode;
  the handheld's bin look-up tries the barcode first), the code in large text.
- A product: EAN-13 when its barcode is a valid EAN-13 (GTIN-13), else Code 128 of the SKU
  (which every scan field also accepts); the SKU and name in text.
- A received lot: GS1-128 with (01) GTIN-14, (17) expiry when the lot has one and (10) lot,
  the element string in brackets under the bars. A lot GS1 cannot carry (its product has no
  GTIN, its code is too long or has characters GS1 forbids) gets its product's barcode and the
  lot in text, with a note saying why.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from inventory.barcodes import gtin_is_valid
from inventory.models import Product
from warehouse.models import Location, Lot

from .code128 import Segment, UnprintableData, code128_plan
from .gs1 import Gs1Label, gs1_label, gs1_problem

Symbology = Literal["code128", "ean13", "gs1-128"]
LabelKind = Literal["bin", "product", "lot"]


@dataclass(frozen=True)
class Barcode:
    """``data`` is what the bars encode (Code 128 data with FNC1 for GS1-128, the 13 digits of
    an EAN-13); ``text`` is the human-readable line printed with it."""

    symbology: Symbology
    data: str
    text: str
    gs1: Gs1Label | None = None

    @property
    def plan(self) -> list[Segment]:
        """Code sets of a Code 128 or GS1-128 barcode."""
        return code128_plan(self.data)


@dataclass(frozen=True)
class Label:
    kind: LabelKind
    title: str
    barcode: Barcode
    lines: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def bin_label(location: Location) -> Label:
    """Caller has selected ``warehouse`` and ``zone``."""
    encoded = location.barcode or location.code
    try:
        code128_plan(encoded)
    except UnprintableData:  # a barcode typed with characters no Code 128 carries
        encoded = location.code
    where = [location.warehouse.code, location.get_kind_display()]
    if location.zone_id:
        where.append(f"zone {location.zone.code}")
    return Label(
        kind="bin",
        title=location.code,
        barcode=Barcode("code128", encoded, encoded),
        lines=(" · ".join(where),),
    )


def ean13_of(product: Product) -> str | None:
    """The product's barcode when it is a valid EAN-13, else None."""
    barcode = product.barcode or ""
    if len(barcode) == 13 and barcode.isascii() and gtin_is_valid(barcode):
        return barcode
    return None


def product_barcode(product: Product) -> Barcode:
    if ean13 := ean13_of(product):
        return Barcode("ean13", ean13, ean13)
    return Barcode("code128", product.sku, product.sku)


def product_label(product: Product) -> Label:
    return Label(
        kind="product",
        title=product.sku,
        barcode=product_barcode(product),
        lines=(product.name,),
    )


def lot_label(lot: Lot, *, today: date) -> Label:
    """Caller has selected the lot's ``product``."""
    product = lot.product
    lines = [f"{product.sku} {product.name}"]
    if lot.expiry_date:
        lines.append(f"Expiry {lot.expiry_date:%Y-%m-%d}")
    problem = gs1_problem(gtin=product.barcode, lot=lot.code, expiry=lot.expiry_date, today=today)
    if problem:
        return Label(
            kind="lot",
            title=f"Lot {lot.code}",
            barcode=product_barcode(product),
            lines=tuple(lines),
            note=f"No GS1 lot barcode: {problem}.",
        )
    gs1 = gs1_label(gtin=product.barcode or "", lot=lot.code, expiry=lot.expiry_date)
    return Label(
        kind="lot",
        title=f"Lot {lot.code}",
        barcode=Barcode("gs1-128", gs1.data, gs1.text, gs1=gs1),
        lines=tuple(lines),
    )
