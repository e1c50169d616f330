"""GTIN check digits (EAN-8, UPC-A, EAN-13, GTIN-14): the barcodes printed on products."""

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The check digit for the digits before it (GS1 mod-10, weights 3,1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(code: str) -> bool:
    return (
        code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def gtin14(code: str) -> str:
    """Any GTIN padded to 14 digits, the form GS1-128's AI (01) carries."""
    return code.zfill(14)
