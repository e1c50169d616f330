"""GS1-128 element strings for lot labels: (01) GTIN-14, (17) expiry, (10) lot.

Fixed-length fields go first and the variable-length lot last, so no FNC1 separator is needed
inside the symbol; the only FNC1 is the one in first position that makes Code 128 a GS1-128.
``scanner_form`` is what a handheld transmits for such a label (``]C1`` then the data, an FNC1
inside a field as GS), which ``inventory.gs1.parse_scan`` reads back.
"""

from dataclasses import dataclass
from datetime import date

from inventory.barcodes import gtin_is_valid
from inventory.gs1 import CSET82, GS

from .code128 import FNC1

LOT_MAX_LENGTH = 20  # GS1 AI (10): up to 20 characters of CSET 82


@dataclass(frozen=True)
class Gs1Label:
    gtin14: str
    lot: str
    expiry: date | None

    @property
    def fields(self) -> list[tuple[str, str]]:
        fields = [("01", self.gtin14)]
        if self.expiry is not None:
            fields.append(("17", self.expiry.strftime("%y%m%d")))
        fields.append(("10", self.lot))
        return fields

    @property
    def data(self) -> str:
        """The Code 128 data: FNC1, then the AIs and their values (FNC1 after a variable field
        that is not last; ours never is)."""
        out = FNC1
        for index, (ai, value) in enumerate(self.fields):
            out += ai + value
            if ai == "10" and index < len(self.fields) - 1:
                out += FNC1
        return out

    @property
    def text(self) -> str:
        """The human-readable line: AIs in brackets, as printed under GS1 barcodes."""
        return "".join(f"({ai}){value}" for ai, value in self.fields)

    @property
    def scanner_form(self) -> str:
        """What a scanner sends: the symbology identifier ]C1 for the leading FNC1, GS for any
        other FNC1."""
        return "]C1" + self.data.removeprefix(FNC1).replace(FNC1, GS)


def gs1_problem(*, gtin: str | None, lot: str, expiry: date | None, today: date) -> str:
    """Why a lot cannot have a GS1-128 label ("" when it can)."""
    if not gtin or not gtin.isascii() or not gtin_is_valid(gtin):
        return "its product has no GTIN barcode"
    if not lot or len(lot) > LOT_MAX_LENGTH:
        return f"its code is longer than GS1's {LOT_MAX_LENGTH} characters"
    if any(char not in CSET82 for char in lot):
        return "its code has characters GS1 does not allow"
    # A two-digit year is read within 49 years back and 50 ahead (GS1 7.12): beyond that a
    # scanner would read another century.
    if expiry is not None and not -49 <= expiry.year - today.year <= 50:
        return "its expiry is too far from today for a two-digit GS1 year"
    return ""


def gs1_label(*, gtin: str, lot: str, expiry: date | None) -> Gs1Label:
    """The element string for a lot; the caller has checked ``gs1_problem``."""
    return Gs1Label(gtin14=gtin.zfill(14), lot=lot, expiry=expiry)
