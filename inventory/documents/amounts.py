"""How amounts are written on pages and documents (no currency: the suppliers' own)."""

from decimal import ROUND_HALF_UP, Decimal


def money_text(value: Decimal | int | None) -> str:
    """Two decimals with thousands separators: ``12,345.60``."""
    amount = Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}"


def unit_cost_text(value: Decimal | int | None) -> str:
    """A unit price to the cent, or to the fourth decimal when it has one: ``0.0125``."""
    amount = Decimal(value or 0).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if amount == amount.quantize(Decimal("0.01")):
        return f"{amount:,.2f}"
    return f"{amount.normalize():,f}"
