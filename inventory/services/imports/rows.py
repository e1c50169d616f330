"""Rows of an import file through the services that own them, all or nothing.

Each kind (products, locations, reorder rules) turns a row's cells into the fields of its
create or update service and calls it; the service validates exactly as it does for the API
and the pages. The whole file runs in one transaction: every row is checked (so the report
names each bad row: its number in the file, the column, the value and what is wrong), and
only a file without a single bad row is committed.

The services are durable top-level transactions of their own; here the import's transaction is
the durable one, and each service's body runs inside it (``in_import``). No savepoint of our
own per row: the services check before they write, so a refused row has written nothing, and
a file of 50,000 rows does not take 50,000 subtransaction ids (PostgreSQL slows every other
session's snapshots once one transaction holds more than 64 of them). A database error, which
should not get past the services' checks, aborts the transaction: the row is named and the
check stops there. A long file holds its rows' locks until it commits; the worker runs it, and
the page shows its progress meanwhile.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, DataError, IntegrityError, OperationalError, transaction

from inventory.errors import DomainError
from inventory.services.imports.files import Columns, CsvFile, CsvRow

MAX_PROBLEMS_KEPT = 1000  # the report lists this many; the count says how many there were
PROGRESS_EVERY = 100  # rows
CHUNK = 500  # rows whose existing objects are looked up in one query per kind of object
VALUE_SHOWN = 80  # characters of a bad value repeated in the report
F = TypeVar("F", bound=Callable[..., Any])


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class CellError(Exception):
    """A cell's text is not a value its column can take (or a needed cell is empty)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row's line in the file; the header is row 1
    column: str  # "" when the problem is the row as a whole
    value: str
    message: str


@dataclass
class ImportReport:
    total: int
    checked: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    # A database error broke the transaction at this row: the rows after it were not checked.
    stopped_at: int | None = None

    @property
    def written(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


def in_import(service: F) -> F:
    """The service's own body, without its durable transaction: run inside the import's."""
    return getattr(service, "__wrapped__", service)


class RowKind(ABC):
    """One kind of import file: its columns, its natural key, and how a row is written."""

    columns: Columns
    key_columns: tuple[str, ...]
    # A service's error ``field`` -> the column it is about (when the names differ).
    field_columns: dict[str, str] = {}

    def __init__(self, *, actor_id: int | None) -> None:
        self.actor_id = actor_id  # who imports: the services' audit trail names them

    def key_of(self, row: CsvRow) -> tuple[str, ...]:
        return tuple(row.cells[column] for column in self.key_columns)

    def column_of(self, field_name: str | None) -> str:
        if not field_name:
            return ""
        name = self.field_columns.get(field_name, field_name)
        return name if name in self.columns.names else ""

    def prefetch(self, rows: list[CsvRow]) -> None:  # noqa: B027 - optional hook
        """Look up, in a few queries, what ``write`` needs for these rows."""

    @abstractmethod
    def write(self, row: CsvRow) -> Outcome:
        """Create or update the row's object through its service; raise CellError,
        DomainError or ValidationError when it is bad (having written nothing)."""


class _Refused(Exception):
    """Some row was bad: leave the transaction so that it rolls back."""


def rows_import(
    *, kind: RowKind, csv_file: CsvFile, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Check every row of ``csv_file`` and write them all, or (any row bad) none of them.

    ``progress(rows checked)`` is called every ``PROGRESS_EVERY`` rows. Returns the report:
    counts created / updated / unchanged (unchanged rows write nothing, so importing the same
    file twice changes nothing the second time), or the bad rows. Raises OperationalError (a
    deadlock or lost connection: the caller may retry the whole file).
    """
    report = ImportReport(total=len(csv_file.rows))
    try:
        with transaction.atomic(durable=True):
            _rows_write(kind, csv_file, report, progress)
            if not report.written:
                raise _Refused
    except _Refused:
        pass  # rolled back: nothing of the file is kept
    if progress is not None:
        progress(report.checked)
    return report


def _rows_write(
    kind: RowKind,
    csv_file: CsvFile,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    seen: dict[tuple[str, ...], int] = {}
    rows = csv_file.rows
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        kind.prefetch(chunk)
        for row in chunk:
            try:
                _row_write(kind, row, seen, report)
            except OperationalError:
                raise
            except DatabaseError as exc:
                report.add(RowProblem(row.number, "", "", _database_message(exc)))
                report.checked += 1
                report.stopped_at = row.number
                raise _Refused from None
            report.checked += 1
            if progress is not None and report.checked % PROGRESS_EVERY == 0:
                progress(report.checked)


def _row_write(
    kind: RowKind, row: CsvRow, seen: dict[tuple[str, ...], int], report: ImportReport
) -> None:
    def problem(column: str, message: str) -> None:
        value = row.cells.get(column, "") if column else ""
        if len(value) > VALUE_SHOWN:
            value = value[:VALUE_SHOWN] + "…"
        report.add(RowProblem(row.number, column, value, message))

    if row.extra:
        shown = ", ".join(row.extra)[:VALUE_SHOWN]
        problem("", f"The row has more cells than the header has columns ({shown}).")
        return
    for column in kind.key_columns:
        if not row.cells[column]:
            keys = " and ".join(kind.key_columns)
            problem(column, f"The {column} is empty; every row needs its {keys}.")
            return
    key = kind.key_of(row)
    if key in seen:
        problem(
            kind.key_columns[-1],
            f"Row {seen[key]} has the same {' and '.join(kind.key_columns)}: one row each.",
        )
        return
    seen[key] = row.number
    try:
        outcome = kind.write(row)
    except CellError as exc:
        problem(exc.column, exc.message)
    except DomainError as exc:
        problem(kind.column_of(exc.field), exc.message)
    except ValidationError as exc:
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        for name, messages in errors.items():
            column = "" if name == NON_FIELD_ERRORS else kind.column_of(name)
            problem(column, " ".join(messages))
    else:
        report.counts[outcome.value] += 1


def _database_message(exc: DatabaseError) -> str:
    if isinstance(exc, IntegrityError):
        what = "the row conflicts with data already there"
    elif isinstance(exc, DataError):
        what = "a value is out of the range it can store"
    else:
        what = "it could not be written"
    return f"The database refused this row ({what}); the rows after it were not checked."


# --- cells: text to values, each bad one refused by its column ----------------------------

TRUE = {"true", "yes", "y", "1", "t", "x"}
FALSE = {"false", "no", "n", "0", "f"}


def cell_bool(row: CsvRow, column: str) -> bool | None:
    """yes/no, true/false, 1/0 (any case); None when empty."""
    text = row.cells.get(column, "").lower()
    if not text:
        return None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError(column, f"Write yes or no (or true/false, 1/0), not “{row.cells[column]}”.")


def cell_whole(row: CsvRow, column: str) -> int | None:
    """A whole number (a sign allowed: the services say which range); None when empty."""
    text = row.cells.get(column, "")
    if not text:
        return None
    digits = text.removeprefix("-").removeprefix("+")
    if not digits.isdigit() or len(digits) > 12:
        raise CellError(column, f"“{text}” is not a whole number.")
    return int(text)


def cell_decimal(row: CsvRow, column: str) -> Decimal | None:
    """A number like 2.50 (or 2,50, as semicolon-separated files from many locales write
    it); None when empty."""
    text = row.cells.get(column, "")
    if not text:
        return None
    normal = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        value = Decimal(normal)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or len(normal) > 30:
        raise CellError(column, f"“{text}” is not a number like 2.50.")
    return value


def cell_float(row: CsvRow, column: str, *, limit: float) -> float | None:
    """A number within ±``limit``; None when empty."""
    value = cell_decimal(row, column)
    if value is None:
        return None
    if abs(value) > limit:
        raise CellError(column, f"{row.cells[column]} is too far out: at most ±{limit:,.0f}.")
    return float(value)


def changed(instance: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the instance's (related objects compared by id)."""
    changes = {}
    for name, value in fields.items():
        if hasattr(value, "_meta"):
            differs = getattr(instance, f"{name}_id") != value.pk
        else:
            differs = getattr(instance, name) != value
        if differs:
            changes[name] = value
    return changes
