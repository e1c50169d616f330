"""Labels as PDF: one 100 x 50 mm label per page for thermal printers, or A4 sheets of 3 x 8
labels of 70 x 37 mm for office printers.

Each label has its title, a line or two of text, and the barcode across the bottom, its
module as wide as the label allows (up to a ceiling, so short codes are not giant). Code 128
and GS1-128 bars come from ``warehouse.labels.code128`` drawn by reportlab's Code 128
barcode, EAN-13 by reportlab's EAN-13 widget. Drawn straight on the canvas: 2,000 labels take
a few seconds, a third of what reportlab's shape graphs (Drawing, renderPDF) took. Text uses the
Vera fonts inside reportlab, embedded, so names in any Latin script print and the PDF text can
be searched.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Literal

import reportlab
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.eanbc import Ean13BarcodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .code128 import code128_values
from .content import Barcode, Label

FONT = "WmsLabelVera"
FONT_BOLD = "WmsLabelVeraBold"
_FONTS_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
QUIET_MODULES = 10  # Code 128's quiet zone each side
EAN13_MODULES = 95 + 11 + 7  # the symbol and its quiet zones

PageSize = Literal["thermal", "a4"]


@dataclass(frozen=True)
class Sheet:
    page: tuple[float, float]
    label: tuple[float, float]
    columns: int
    rows: int
    top: float  # from the top of the page to the first row
    left: float
    padding: float
    title_size: float
    text_size: float
    max_module: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


SHEETS: dict[str, Sheet] = {
    "thermal": Sheet(
        page=(100 * mm, 50 * mm),
        label=(100 * mm, 50 * mm),
        columns=1,
        rows=1,
        top=0,
        left=0,
        padding=3.5 * mm,
        title_size=17,
        text_size=9,
        max_module=0.5 * mm,
    ),
    "a4": Sheet(
        page=A4,
        label=(70 * mm, 37 * mm),
        columns=3,
        rows=8,
        top=0.5 * mm,
        left=0,
        padding=2.5 * mm,
        title_size=11.5,
        text_size=7,
        max_module=0.4 * mm,
    ),
}


class _PlannedCode128(Code128):
    """reportlab's Code 128 drawing the symbol values we planned (its own encoder knows no
    GS1 and may pick other code sets than the ZPL output)."""

    def __init__(self, values: list[int], **kw: object) -> None:
        self._planned = list(values)
        super().__init__(**kw)

    def encode(self) -> list[int]:
        self.encoded = list(self._planned)
        return self.encoded


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONTS_DIR / "VeraBd.ttf")))


def _fit(text: str, font: str, size: float, width: float, *, smallest: float) -> tuple[str, float]:
    """The text at the largest size down to ``smallest`` that fits, cut with … if none does."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text, size
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


def _text_block(canvas: Canvas, label: Label, sheet: Sheet) -> float:
    """Title, lines and note from the top; returns the y below them."""
    width, height = sheet.label
    room = width - 2 * sheet.padding
    y = height - sheet.padding
    title, size = _fit(label.title, FONT_BOLD, sheet.title_size, room, smallest=7)
    y -= size * 0.85
    canvas.setFont(FONT_BOLD, size)
    canvas.drawString(sheet.padding, y, title)
    y -= size * 0.3
    for line in [*label.lines, *([label.note] if label.note else [])]:
        text, size = _fit(line, FONT, sheet.text_size, room, smallest=5.5)
        y -= size * 1.15
        canvas.setFont(FONT, size)
        canvas.drawString(sheet.padding, y, text)
    return y - 1.5 * mm


def _code128(canvas: Canvas, barcode: Barcode, sheet: Sheet, top: float) -> None:
    width = sheet.label[0]
    values = code128_values(barcode.plan)
    modules = 11 * (len(values) - 1) + 13 + 2 * QUIET_MODULES
    module = min((width - 2 * sheet.padding) / modules, sheet.max_module)
    text, text_size = _fit(
        barcode.text, FONT, sheet.text_size + 1, width - 2 * sheet.padding, smallest=5
    )
    bottom = sheet.padding + text_size * 1.2
    bars = _PlannedCode128(
        values,
        value=barcode.data,
        barWidth=module,
        barHeight=max(top - bottom, 4 * mm),
        humanReadable=0,
        quiet=1,
        lquiet=QUIET_MODULES * module,
        rquiet=QUIET_MODULES * module,
    )
    bars.drawOn(canvas, (width - modules * module) / 2, bottom)
    canvas.setFont(FONT, text_size)
    canvas.drawCentredString(width / 2, sheet.padding, text)


def _ean13(canvas: Canvas, barcode: Barcode, sheet: Sheet, top: float) -> None:
    width = sheet.label[0]
    module = min((width - 2 * sheet.padding) / EAN13_MODULES, 0.33 * mm)
    bars = Ean13BarcodeWidget(
        barcode.data[:12],  # the widget adds the check digit, the same as the barcode's
        barWidth=module,
        barHeight=max(top - sheet.padding, 6 * mm),
        fontSize=sheet.text_size + 1,
        fontName=FONT,
    )
    drawing = Drawing(EAN13_MODULES * module, bars.barHeight)
    drawing.add(bars)
    renderPDF.draw(drawing, canvas, (width - EAN13_MODULES * module) / 2, sheet.padding)


def label_draw(canvas: Canvas, label: Label, sheet: Sheet) -> None:
    """One label, its lower left corner at the canvas origin."""
    top = _text_block(canvas, label, sheet)
    if label.barcode.symbology == "ean13":
        _ean13(canvas, label.barcode, sheet, top)
    else:
        _code128(canvas, label.barcode, sheet, top)


def labels_pdf(*, labels: Sequence[Label], size: PageSize, title: str = "Labels") -> bytes:
    """The labels in order, filling each page (left to right, top to bottom) before the next.

    A label printed more than once (copies) is drawn once, as a PDF form placed at each copy;
    a form costs more than drawing once, so single labels are drawn in place.
    """
    _fonts()
    sheet = SHEETS[size]
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=sheet.page, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("WMS")
    label_width, label_height = sheet.label
    repeated = {label for label, times in Counter(labels).items() if times > 1}
    forms: dict[Label, str] = {}
    for index, label in enumerate(labels):
        slot = index % sheet.per_page
        if index and slot == 0:
            canvas.showPage()
        if label in repeated and label not in forms:
            forms[label] = f"label{len(forms)}"
            canvas.beginForm(forms[label], 0, 0, label_width, label_height)
            label_draw(canvas, label, sheet)
            canvas.endForm()
        row, column = divmod(slot, sheet.columns)
        canvas.saveState()
        canvas.translate(
            sheet.left + column * label_width,
            sheet.page[1] - sheet.top - (row + 1) * label_height,
        )
        if label in forms:
            canvas.doForm(forms[label])
        else:
            label_draw(canvas, label, sheet)
        canvas.restoreState()
    if not labels:
        canvas.drawString(20 * mm, sheet.page[1] / 2, "No labels.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
