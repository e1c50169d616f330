"""What a handheld scanner sends, parsed: a plain GTIN, a GS1 element string, or typed text.

Scanners deliver three shapes of the same label:

- plain EAN-13 / UPC-A / EAN-8 / GTIN-14 digits (the bars under a product);
- a GS1-128, GS1 DataMatrix, GS1 QR or GS1 DataBar element string as the scanner sends it:
  an optional AIM symbology identifier (``]C1``, ``]d2``, ``]Q3``, ``]e0``, ``]J1``), then
  application identifiers (AIs) and their data, variable-length fields ended by FNC1, which
  arrives as the ASCII group separator (GS, ``\\x1d``);
- the same element string as printed under the bars, AIs in parentheses:
  ``(01)09501101530003(17)261231(10)ABC123`` (what a person types from a label).

Anything else is text: a bin code or a SKU typed by hand. Invalid GS1 content (a wrong check
digit, an impossible date, a field cut short, an AI we do not know) is refused with
``InvalidBarcode`` rather than guessed at, so a bad label never books stock to the wrong lot.
"""

import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.utils import timezone

from inventory.barcodes import GTIN_LENGTHS, gtin_check_digit, gtin_is_valid
from inventory.errors import DomainError

GS = "\x1d"  # FNC1 as scanners transmit it: ends a variable-length field
# AIM symbology identifiers that say "the data is a GS1 element string".
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_PAREN_AI = re.compile(r"\((\d{2,4})\)")
# GS1 "CSET 82": the characters GS1 allows in alphanumeric fields such as lots and serials.
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

ScanKind = Literal["gs1", "gtin", "text"]


class InvalidBarcode(DomainError):
    code = "invalid_barcode"


@dataclass(frozen=True)
class ScanCode:
    """One parsed scan.

    ``raw`` is exactly what was received; ``text`` is it without surrounding whitespace and
    control characters (and without a symbology identifier): what to look a bin or SKU up by.
    ``gtin`` is always 14 digits. ``other`` maps further AIs (``"21"``, ``"37"``, ``"15"``...)
    to their data as scanned (dates stay ``YYMMDD``; they are checked all the same).
    """

    raw: str
    kind: ScanKind
    text: str
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    other: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def serial(self) -> str | None:
        return self.other.get("21")

    @property
    def count(self) -> int | None:
        """Units in the case or pallet, (37), as receiving may want to prefill the quantity."""
        value = self.other.get("37")
        return int(value) if value is not None else None


# --- the application identifiers we understand ---------------------------------------------


@dataclass(frozen=True)
class _AI:
    code: str
    title: str
    length: int  # the length when fixed, the maximum when variable
    fixed: bool
    check: Literal["check_digit", "date", "digits", "cset82"]


def _ai_table() -> dict[str, _AI]:
    ais = [
        _AI("00", "SSCC", 18, True, "check_digit"),
        _AI("01", "GTIN", 14, True, "check_digit"),
        _AI("02", "GTIN of contained items", 14, True, "check_digit"),
        _AI("10", "lot", 20, False, "cset82"),
        _AI("11", "production date", 6, True, "date"),
        _AI("12", "due date", 6, True, "date"),
        _AI("13", "packaging date", 6, True, "date"),
        _AI("15", "best before date", 6, True, "date"),
        _AI("16", "sell by date", 6, True, "date"),
        _AI("17", "expiry date", 6, True, "date"),
        _AI("21", "serial number", 20, False, "cset82"),
        _AI("30", "variable count", 8, False, "digits"),
        _AI("37", "count of trade items", 8, False, "digits"),
        _AI("240", "additional product identification", 30, False, "cset82"),
        _AI("241", "customer part number", 30, False, "cset82"),
        _AI("400", "customer's order number", 30, False, "cset82"),
        *(_AI(f"41{n}", "GLN", 13, True, "check_digit") for n in range(5)),
    ]
    # 310n-369n: weights, lengths, areas and volumes with n decimals, always 6 digits.
    ais += [
        _AI(f"{p}{n}", "trade measure", 6, True, "digits")
        for p in range(310, 370)
        for n in range(10)
    ]
    return {ai.code: ai for ai in ais}


AIS = _ai_table()


# --- parsing ---------------------------------------------------------------------------------


def parse_scan(raw: str, *, today: date | None = None) -> ScanCode:
    """Parse what a scanner (or a person) sent. See the module docstring for the forms.

    ``today`` anchors the GS1 century rule for two-digit years (default: the local date).
    Raises ``InvalidBarcode`` when the scan is a GS1 element string with invalid content.
    """
    symbology, body = _split_symbology(raw)
    text = _strip_edges(body).strip(GS)
    if symbology in GS1_SYMBOLOGIES or body.startswith(GS) or GS in text:
        fields = _split_raw(body.lstrip(GS))
    elif _PAREN_AI.match(text):
        fields = _split_parenthesised(text)
    elif _looks_like_unmarked_gs1(text):
        fields = _split_raw(text)
    elif text.isascii() and gtin_is_valid(text):
        return ScanCode(raw=raw, kind="gtin", text=text, gtin=text.zfill(14))
    else:
        # A bad check digit on plain digits stays text: numeric SKUs and bin labels exist.
        return ScanCode(raw=raw, kind="text", text=text)
    return _scan_from_fields(raw, text, fields, today or timezone.localdate())


def scan_text(raw: str) -> str:
    """The scan as plain text: without its symbology identifier, surrounding whitespace and
    control characters. Never refuses anything; for labels that are not GS1, such as bins."""
    return _strip_edges(_split_symbology(raw)[1]).strip(GS)


def _split_symbology(raw: str) -> tuple[str, str]:
    """The AIM symbology identifier (``]C1``, ``]E0``...; "" when none) and the data after it."""
    body = _strip_edges(raw)
    if match := _SYMBOLOGY.match(body):
        return match.group(), body[match.end() :]
    return "", body


def _strip_edges(value: str) -> str:
    """Without whitespace and control characters at the ends, but a leading GS kept: it is a
    transmitted FNC1 in first position, the mark of a GS1 element string."""
    start, end = 0, len(value)
    while start < end and value[start] != GS and _is_noise(value[start]):
        start += 1
    while end > start and _is_noise(value[end - 1]):
        end -= 1
    return value[start:end]


def _is_noise(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def _looks_like_unmarked_gs1(text: str) -> bool:
    """A scanner set not to send symbology identifiers still sends (01) first: "01", then a
    GTIN-14 with a good check digit, then possibly more AIs. No SKU or bin code looks so."""
    return (
        len(text) >= 16
        and text.isascii()
        and text.startswith("01")
        and text[2:16].isdigit()
        and gtin_is_valid(text[2:16])
    )


def _split_raw(data: str) -> list[tuple[_AI, str]]:
    """The (AI, data) pairs of an element string in scanner form (GS ends variable fields)."""
    fields: list[tuple[_AI, str]] = []
    pos = 0
    while pos < len(data):
        if data[pos] == GS:  # also tolerated after fixed-length fields, as some printers do
            pos += 1
            continue
        ai = _ai_at(data, pos)
        pos += len(ai.code)
        if ai.fixed:
            value = data[pos : pos + ai.length]
            if len(value) < ai.length or GS in value:
                value = value.split(GS)[0]
                raise InvalidBarcode(
                    f"({ai.code}) {ai.title} is cut short: {len(value)} of {ai.length} characters.",
                    field="barcode",
                )
            pos += ai.length
        else:
            end = data.find(GS, pos)
            end = len(data) if end < 0 else end
            value, pos = data[pos:end], end
        fields.append((ai, value))
    return fields


def _ai_at(data: str, pos: int) -> _AI:
    # AIs are prefix-free, so the first 2-, 3- or 4-digit match is the only one.
    for size in (2, 3, 4):
        ai = AIS.get(data[pos : pos + size])
        if ai is not None:
            return ai
    rest = data[pos : pos + 4].replace(GS, "")
    raise InvalidBarcode(
        f"Unknown or unsupported GS1 application identifier at “{rest}…”.", field="barcode"
    )


def _split_parenthesised(text: str) -> list[tuple[_AI, str]]:
    """The (AI, data) pairs of the printed form ``(01)…(17)…(10)…``; spaces between allowed."""
    parts = _PAREN_AI.split(text)
    fields = []
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        ai = AIS.get(code)
        if ai is None:
            raise InvalidBarcode(
                f"({code}) is not a GS1 application identifier we know.", field="barcode"
            )
        value = value.strip()
        if ai.fixed and len(value) != ai.length:
            state = "cut short" if len(value) < ai.length else "too long"
            raise InvalidBarcode(
                f"({code}) {ai.title} is {state}: {len(value)} characters, "
                f"GS1 requires {ai.length}.",
                field="barcode",
            )
        fields.append((ai, value))
    return fields


def _scan_from_fields(raw: str, text: str, fields: list[tuple[_AI, str]], today: date) -> ScanCode:
    if not fields:
        raise InvalidBarcode("The GS1 barcode carries no data.", field="barcode")
    values: dict[str, str] = {}
    for ai, value in fields:
        _check_value(ai, value, today)
        if values.setdefault(ai.code, value) != value:
            raise InvalidBarcode(
                f"({ai.code}) {ai.title} appears twice with different values.", field="barcode"
            )
    gtin = values.pop("01", None)
    lot = values.pop("10", None)
    expiry = values.pop("17", None)
    return ScanCode(
        raw=raw,
        kind="gs1",
        text=text,
        gtin=gtin,
        lot=lot,
        expiry=gs1_date(expiry, today=today) if expiry else None,
        other=values,
    )


def _check_value(ai: _AI, value: str, today: date) -> None:
    label = f"({ai.code}) {ai.title}"
    if not value:
        raise InvalidBarcode(f"{label} is empty.", field="barcode")
    if len(value) > ai.length:
        raise InvalidBarcode(
            f"{label} is {len(value)} characters long; GS1 allows at most {ai.length}.",
            field="barcode",
        )
    if ai.check == "cset82":
        bad = sorted({char for char in value if char not in CSET82})
        if bad:
            shown = " ".join(repr(char) for char in bad)
            raise InvalidBarcode(
                f"{label} “{value}” has characters GS1 does not allow: {shown}.",
                field="barcode",
            )
        return
    if not value.isascii() or not value.isdigit():
        raise InvalidBarcode(f"{label} “{value}” must be digits only.", field="barcode")
    if ai.check == "check_digit" and gtin_check_digit(value[:-1]) != int(value[-1]):
        raise InvalidBarcode(
            f"{label} {value} has a wrong check digit (expected {gtin_check_digit(value[:-1])}).",
            field="barcode",
        )
    if ai.check == "date":
        gs1_date(value, today=today, label=label)


def gs1_date(value: str, *, today: date | None = None, label: str = "Date") -> date:
    """A GS1 ``YYMMDD`` date. ``DD`` 00 means the last day of the month; the century is the
    one that puts the year within 49 years back and 50 years ahead of ``today`` (GS1 General
    Specifications, 7.12)."""
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise InvalidBarcode(f"{label} “{value}” is not a YYMMDD date.", field="barcode")
    yy, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    year = _gs1_year(yy, today or timezone.localdate())
    if not 1 <= month <= 12:
        raise InvalidBarcode(f"{label} {value}: there is no month {month:02d}.", field="barcode")
    last = monthrange(year, month)[1]
    if day > last:
        raise InvalidBarcode(
            f"{label} {value}: {year}-{month:02d} has only {last} days.", field="barcode"
        )
    return date(year, month, day or last)


def _gs1_year(yy: int, today: date) -> int:
    century, this_yy = divmod(today.year, 100)
    difference = yy - this_yy
    if difference > 50:
        century -= 1
    elif difference < -49:
        century += 1
    return century * 100 + yy


# --- matching stored product barcodes ------------------------------------------------------


def gtin_candidates(gtin: str) -> list[str]:
    """The forms a product's stored barcode may have for this GTIN: GTIN-14, EAN-13, UPC-A
    (12) and EAN-8, longest first. A GTIN is the same number whatever its length, so an
    (01) from a GS1-128 label finds the product whose barcode was entered as EAN-13."""
    if not gtin.isascii() or not gtin.isdigit() or len(gtin) not in GTIN_LENGTHS:
        raise ValueError(f"Not a GTIN: {gtin!r}")
    gtin14 = gtin.zfill(14)
    return [gtin14[14 - size :] for size in (14, 13, 12, 8) if gtin14[: 14 - size].strip("0") == ""]
