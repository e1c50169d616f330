"""Labels as ZPL II for Zebra printers: one ``^XA ... ^XZ`` block per label, 100 x 50 mm at
203 dpi (8 dots a millimetre).

Code 128 and GS1-128 print with ``^BC`` in mode N, the data spelled with Zebra's invocation
codes from the same plan as the PDF (``>;`` start in subset C, ``>:`` in subset B, ``>8``
FNC1, ``>5``/``>6`` switches): a GS1-128 starts ``>;>8`` with FNC1 in first position. EAN-13
prints with ``^BE`` from its first 12 digits (the printer adds the check digit, the same one).
Every field goes through ``^FH`` so ``^``, ``~``, ``_`` and non-ASCII text (UTF-8, ``^CI28``)
cannot break the format.
"""

from collections.abc import Sequence

from .code128 import code128_values, code128_zpl_data
from .content import Barcode, Label

DOTS_PER_MM = 8
WIDTH, HEIGHT = 100 * DOTS_PER_MM, 50 * DOTS_PER_MM
MARGIN = 3 * DOTS_PER_MM
ROOM = WIDTH - 2 * MARGIN
QUIET_MODULES = 10
MAX_MODULE_DOTS = 4
CONTENT_TYPE = "text/plain; charset=utf-8"


def zpl_text(text: str) -> str:
    """Field data for ``^FH^FD``: the characters ZPL reads as commands, the escape character
    and anything outside printable ASCII as ``_XX`` hex bytes (UTF-8)."""
    out = []
    for char in text:
        if char in "^~_\\" or not 32 <= ord(char) <= 126:
            if ord(char) < 32 or ord(char) == 127:
                continue  # control characters have no place on a label
            out.extend(f"_{byte:02X}" for byte in char.encode())
        else:
            out.append(char)
    return "".join(out)


def _cut(text: str, size: int) -> str:
    """At most what fits on one line of ROOM dots with font 0 at ``size`` (its characters are
    about half as wide as high)."""
    fits = max(ROOM * 2 // size, 4)
    return text if len(text) <= fits else text[: fits - 3] + "..."


def _field(y: int, size: int, text: str, *, centred: bool = False) -> str:
    block = f"^FB{ROOM},1,0,C,0" if centred else ""
    return f"^FO{MARGIN},{y}^A0N,{size},{size}{block}^FH^FD{zpl_text(_cut(text, size))}^FS"


def _code128(barcode: Barcode, top: int) -> list[str]:
    plan = barcode.plan
    modules = 11 * (len(code128_values(plan)) - 1) + 13 + 2 * QUIET_MODULES
    module = max(1, min(ROOM // modules, MAX_MODULE_DOTS))
    text_size = 24
    height = HEIGHT - MARGIN - text_size - 8 - top
    x = MARGIN + (ROOM - modules * module) // 2 + QUIET_MODULES * module
    return [
        f"^BY{module},3,{height}",
        f"^FO{x},{top}^BCN,{height},N,N,N,N^FH^FD{zpl_text(code128_zpl_data(plan))}^FS",
        _field(HEIGHT - MARGIN - text_size, text_size, barcode.text, centred=True),
    ]


def _ean13(barcode: Barcode, top: int) -> list[str]:
    module = 3  # 0.375 mm: EAN-13's nominal size at 203 dpi
    width = (95 + 11 + 7) * module
    height = HEIGHT - MARGIN - 30 - top  # the printer puts the digits underneath
    x = MARGIN + (ROOM - width) // 2 + 11 * module
    return [f"^BY{module},3,{height}", f"^FO{x},{top}^BEN,{height},Y,N^FD{barcode.data[:12]}^FS"]


def label_zpl(label: Label) -> str:
    lines = ["^XA", "^CI28", f"^PW{WIDTH}", f"^LL{HEIGHT}", "^LH0,0"]
    y = MARGIN
    lines.append(_field(y, 44, label.title))
    y += 52
    for text in [*label.lines, *([label.note] if label.note else [])]:
        lines.append(_field(y, 24, text))
        y += 28
    y += 8
    if label.barcode.symbology == "ean13":
        lines += _ean13(label.barcode, y)
    else:
        lines += _code128(label.barcode, y)
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def labels_zpl(*, labels: Sequence[Label]) -> str:
    return "".join(label_zpl(label) for label in labels)
