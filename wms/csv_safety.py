"""CSV cells that a spreadsheet will not run: the one place exports neutralise their values.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking for those) is read as a formula when the file is opened, so
a product named ``=HYPERLINK("http://evil","Click")`` would become a live link, or worse
(OWASP "CSV injection"). Such text cells get a leading apostrophe, which spreadsheets show as
text and do not display. Numbers stay numbers: ints, decimals and floats are written as they
are, and so is text that is a plain number (``-5``, ``+3.25``), which no spreadsheet runs.

The import side undoes this with ``csv_cell_restore``, so a file exported here and imported
again stores the text it started from.

``csv_lines`` writes rows of such cells as CSV text, one line at a time, for a
``StreamingHttpResponse``: a million rows never sit in memory.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
# Excel opens a UTF-8 file as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff"


def csv_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run as a formula gets a
    leading apostrophe; numbers, dates and None are left alone (None is an empty cell)."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell_restore(text: str) -> str:
    """The text ``csv_cell`` was given: drop the apostrophe it put before a formula start.
    (An apostrophe before anything else is the user's own and stays.)"""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


class _Line:
    """A file-like object whose ``write`` hands the line back instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[Any]], *, bom: bool = True
) -> Iterator[str]:
    """The header and each row as a CSV line (commas, CRLF), every cell through ``csv_cell``.

    A generator: it reads ``rows`` as the response is sent, so a streamed queryset iterator
    keeps only one chunk of rows in memory.
    """
    writer = csv.writer(_Line())
    first = writer.writerow(csv_row(header))
    yield (BOM + first) if bom else first
    for row in rows:
        yield writer.writerow(csv_row(row))
