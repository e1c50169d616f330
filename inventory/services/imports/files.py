"""A CSV file as a whole: size, encoding, delimiter and header, before any row is looked at.

Accepted: UTF-8 with or without a byte order mark (what spreadsheets save as "CSV UTF-8"),
commas or semicolons (chosen from the header row), a header naming the columns in any order,
at most ``MAX_BYTES`` and ``MAX_ROWS`` data rows. Anything else is refused with a message that
says what is wrong and how to fix it, naming the row where that helps; nothing is imported.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from inventory.errors import DomainError
from wms.csv_safety import BOM, csv_cell_restore

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = {",": "commas", ";": "semicolons"}


class CsvFileError(DomainError):
    """The file cannot be read as an import file at all (no row was looked at)."""

    code = "invalid_csv"


@dataclass(frozen=True)
class Columns:
    """The columns of one kind of file: the needed ones, then the optional ones."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.required + self.optional

    def describe(self) -> str:
        text = ", ".join(self.required) + " (needed)"
        if self.optional:
            text += " and " + ", ".join(self.optional) + " (optional)"
        return text


@dataclass(frozen=True)
class CsvRow:
    """One data row: ``number`` is its line in the file (the header is line 1), ``cells`` its
    value per column (stripped; missing cells are empty), ``extra`` the non-empty cells
    beyond the header's columns."""

    number: int
    cells: dict[str, str]
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    delimiter: str
    rows: list[CsvRow]


def csv_template(columns: Columns) -> str:
    """A file with just the header row: the template to download and fill in."""
    return BOM + ",".join(columns.names) + "\r\n"


def csv_file_read(raw: bytes, *, columns: Columns) -> CsvFile:
    """Check and parse a whole file. Raises ``CsvFileError`` naming the problem: too big,
    empty, not UTF-8 (or not text at all), a bad header, no data rows or too many."""
    if len(raw) > MAX_BYTES:
        raise CsvFileError(
            f"The file is {_size(len(raw))}; at most {_size(MAX_BYTES)} can be imported at "
            "once. Split it into smaller files.",
            field="file",
        )
    text = _text(raw)
    delimiter = _delimiter(text)
    records = _records(text, delimiter)
    header = next(records, None)
    if header is None:
        raise CsvFileError("The file is empty.", field="file")
    header_number, header_cells = header
    names = _header(header_number, header_cells, delimiter, columns)
    rows: list[CsvRow] = []
    for number, cells in records:
        if len(rows) == MAX_ROWS:
            raise CsvFileError(
                f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} can be "
                f"imported at once (row {number} is past that). Split it into smaller files.",
                field="file",
            )
        rows.append(
            CsvRow(
                number=number,
                cells={name: _cell(cells, i) for i, name in enumerate(names)},
                extra=tuple(cell for cell in cells[len(names) :] if cell),
            )
        )
    if not rows:
        raise CsvFileError(
            f"The file has only the header row (row {header_number}): there are no rows to import.",
            field="file",
        )
    return CsvFile(columns=names, delimiter=delimiter, rows=rows)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


def _text(raw: bytes) -> str:
    """The file's text, if it is UTF-8 (a byte order mark is dropped)."""
    if not raw.strip():
        raise CsvFileError("The file is empty.", field="file")
    if raw.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            "This is a zipped file such as an Excel workbook (.xlsx), not CSV text. In the "
            "spreadsheet, save it as “CSV UTF-8” and upload that file.",
            field="file",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(
            "The file is UTF-16 text; only UTF-8 is accepted. Save it as “CSV UTF-8” and "
            "upload it again.",
            field="file",
            encoding="utf-16",
        )
    raw = raw.removeprefix(UTF8_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        guess = ""
        try:
            raw.decode("cp1252")
            guess = " (it looks like Windows-1252 or Latin-1, what older spreadsheets save)"
        except UnicodeDecodeError:
            pass
        raise CsvFileError(
            f"The file is not UTF-8 text: row {row} has the byte 0x{raw[exc.start]:02X}, which "
            f"is not valid UTF-8{guess}. Save it as “CSV UTF-8” and upload it again.",
            field="file",
            row=row,
            encoding="not utf-8",
        ) from None
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvFileError(
            f"Row {row} holds a NUL character, which CSV text never does: the file is binary "
            "or UTF-16 without a byte order mark. Save it as “CSV UTF-8” and upload it again.",
            field="file",
            row=row,
        )
    return text


def _delimiter(text: str) -> str:
    """Whichever of ``,`` and ``;`` the header row (the first non-blank line) holds more of."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, stripped cells) of each non-blank record; a record's number is the line
    it starts on, so a quoted cell over several lines does not shift the rows after it."""
    # strict: a quote left open is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFileError(
                f"Row {start} cannot be read as CSV ({exc}). Check its quotes.",
                field="file",
                row=start,
            ) from None
        if any(cell.strip() for cell in cells):
            yield start, [cell.strip() for cell in cells]
        start = reader.line_num + 1


def _header(number: int, cells: list[str], delimiter: str, columns: Columns) -> tuple[str, ...]:
    names = [cell.removeprefix(BOM).strip().lower().replace(" ", "_") for cell in cells]
    expected = columns.names
    problems: list[str] = []
    if len(names) == 1 and "\t" in names[0]:
        raise CsvFileError(
            f"The header (row {number}) is separated by tabs; separate the columns with commas "
            "or semicolons (save as “CSV UTF-8”).",
            field="file",
            row=number,
        )
    if any(not name for name in names):
        problems.append(f"column {names.index('') + 1} has no name")
    doubled = sorted({name for name in names if name and names.count(name) > 1})
    if doubled:
        problems.append("twice: " + ", ".join(doubled))
    missing = [name for name in columns.required if name not in names]
    if missing:
        problems.append("missing " + ", ".join(missing))
    unknown = [
        cell for cell, name in zip(cells, names, strict=True) if name and name not in expected
    ]
    if unknown:
        problems.append("unknown " + ", ".join(unknown))
    if problems:
        raise CsvFileError(
            f"The header (row {number}) is not right: {'; '.join(problems)}. The columns are "
            f"{columns.describe()}, in any order, separated by {DELIMITERS[delimiter]}. "
            "The template has the exact header.",
            field="file",
            row=number,
        )
    return tuple(names)


def _cell(cells: list[str], index: int) -> str:
    # An apostrophe our own export put before a formula-like text is not part of the value.
    return csv_cell_restore(cells[index]) if index < len(cells) else ""
