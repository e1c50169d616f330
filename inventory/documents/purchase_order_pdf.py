"""A purchase order as a printable PDF (A4), built with reportlab.

It holds what a supplier needs to deliver and invoice: our number and dates, the supplier, the
warehouse to ship to, and the lines (SKU, name, quantity, unit cost, line total) with the
order's total. Amounts are the database's rounded line totals (``inventory.selectors.pages``),
so the PDF and the page always agree. A draft says so in its title.

The text uses the Bitstream Vera fonts that ship inside reportlab (embedded, so the PDF looks
the same everywhere and its text can be searched and copied).
"""

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import reportlab
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from inventory.documents.amounts import money_text, unit_cost_text
from inventory.models import PurchaseOrder, PurchaseOrderLine

FONT = "WmsVera"
FONT_BOLD = "WmsVeraBold"
_FONTS_DIR = Path(reportlab.__file__).resolve().parent / "fonts"


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONTS_DIR / "VeraBd.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=18, leading=22),
        "label": ParagraphStyle("label", base, fontName=FONT_BOLD, fontSize=8, textColor="#475569"),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=11.5),
        "num": ParagraphStyle("num", base, fontSize=9, leading=11.5, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor="#475569"),
    }


def _text(value: object) -> str:
    """Paragraph markup is XML: escape what a name or address may contain."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lines_of(text: str) -> str:
    return "<br/>".join(_text(line) for line in text.splitlines() if line.strip())


def _date(value: object) -> str:
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()  # type: ignore[arg-type]
    return value.isoformat()  # type: ignore[union-attr]


def _header(order: PurchaseOrder, st: dict[str, ParagraphStyle]) -> list:
    supplier, warehouse = order.supplier, order.warehouse
    title = f"Purchase order {order.number}"
    if order.status == PurchaseOrder.Status.DRAFT:
        title += " (DRAFT, not sent)"
    elif order.status == PurchaseOrder.Status.CANCELLED:
        title += " (CANCELLED)"
    supplier_block = f"<b>{_text(supplier.name)}</b><br/>Supplier code {_text(supplier.code)}"
    if supplier.email:
        supplier_block += f"<br/>{_text(supplier.email)}"
    ship_block = f"<b>{_text(warehouse.name)}</b><br/>Warehouse {_text(warehouse.code)}"
    if warehouse.address:
        ship_block += f"<br/>{_lines_of(warehouse.address)}"
    facts = [
        ("Number", order.number),
        ("Status", order.get_status_display()),
        ("Order date", _date(order.sent_at or order.created_at)),
        ("Expected delivery", _date(order.expected_date)),
    ]
    facts_block = "<br/>".join(f"{_text(k)}: <b>{_text(v)}</b>" for k, v in facts)
    blocks = Table(
        [
            [Paragraph("SUPPLIER", st["label"]), Paragraph("SHIP TO", st["label"]), ""],
            [
                Paragraph(supplier_block, st["base"]),
                Paragraph(ship_block, st["base"]),
                Paragraph(facts_block, st["base"]),
            ],
        ],
        colWidths=[62 * mm, 62 * mm, 56 * mm],
    )
    blocks.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return [Paragraph(_text(title), st["title"]), Spacer(0, 6 * mm), blocks, Spacer(0, 8 * mm)]


def _lines_table(
    lines: Sequence[PurchaseOrderLine], total: object, st: dict[str, ParagraphStyle]
) -> Table:
    head = ["#", "SKU", "Product", "Quantity", "Unit cost", "Line total"]
    rows: list[list] = [[Paragraph(f"<b>{h}</b>", st["cell"]) for h in head]]
    for n, line in enumerate(lines, start=1):
        rows.append(
            [
                Paragraph(str(n), st["cell"]),
                Paragraph(_text(line.product.sku), st["cell"]),
                Paragraph(_text(line.product.name), st["cell"]),
                Paragraph(f"{line.quantity:,}", st["num"]),
                Paragraph(unit_cost_text(line.unit_cost), st["num"]),
                Paragraph(money_text(line.line_total), st["num"]),  # type: ignore[attr-defined]
            ]
        )
    units = sum(line.quantity for line in lines)
    rows.append(
        [
            "",
            "",
            Paragraph("<b>Total</b>", st["cell"]),
            Paragraph(f"<b>{units:,}</b>", st["num"]),
            "",
            Paragraph(f"<b>{money_text(total)}</b>", st["num"]),  # type: ignore[arg-type]
        ]
    )
    table = Table(
        rows,
        colWidths=[9 * mm, 34 * mm, 67 * mm, 22 * mm, 22 * mm, 26 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e2e8f0")),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.HexColor("#cbd5e1")),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.HexColor("#0f172a")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def purchase_order_pdf(*, order: PurchaseOrder) -> bytes:
    """The PDF of ``order``: supplier and warehouse joined, ``lines`` with ``line_total``
    annotated and ``total_value`` on the order (``purchase_order_page_get`` gives both)."""
    _fonts()
    st = _styles()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"Purchase order {order.number}",
        author="WMS",
        subject=f"{order.supplier.name} to {order.warehouse.code}",
    )
    lines = list(order.lines.all())
    story = _header(order, st)
    story.append(_lines_table(lines, order.total_value, st))  # type: ignore[attr-defined]
    story.append(Spacer(0, 8 * mm))
    story.append(
        Paragraph(
            f"Please deliver to the address above, quoting {_text(order.number)} on the "
            "delivery note and the invoice. Amounts are in the currency agreed with the "
            "supplier.",
            st["small"],
        )
    )
    if order.notes:
        story.append(Spacer(0, 3 * mm))
        story.append(Paragraph(f"Notes: {_lines_of(order.notes)}", st["small"]))

    def footer(canvas, doc) -> None:  # noqa: ANN001 - reportlab's callback signature
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#64748b"))
        canvas.drawString(15 * mm, 10 * mm, f"{order.number} · {order.supplier.code}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
