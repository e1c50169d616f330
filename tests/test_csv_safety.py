"""Cells a spreadsheet would run as formulas are written as text; numbers stay numbers."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from wms.csv_safety import BOM, csv_cell, csv_cell_restore, csv_lines


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Hex bolt = M8", "Hex bolt = M8"),
        ("", ""),
        ("'quoted", "'quoted"),
        # Plain numbers in text are no formula: left alone.
        ("-5", "-5"),
        ("+3.25", "+3.25"),
    ],
)
def test_text_that_starts_a_formula_gets_an_apostrophe(value, written):
    assert csv_cell(value) == written


@pytest.mark.parametrize("value", [-5, 0, 12, 2.5, -0.75, Decimal("-12.5000"), None, True])
def test_numbers_stay_numbers(value):
    assert csv_cell(value) == value


def test_dates_are_iso_text():
    assert csv_cell(date(2031, 6, 30)) == "2031-06-30"
    assert csv_cell(datetime(2031, 6, 30, 8, 5, 1, 999, tzinfo=UTC)) == "2031-06-30 08:05:01+00:00"


@pytest.mark.parametrize("value", ["=1+1", "+A", "-x", "@x", "\tx", "\rx", "plain", "'kept", "'"])
def test_restore_undoes_the_neutralising(value):
    assert csv_cell_restore(str(csv_cell(value))) == value


def test_csv_lines_writes_a_bom_header_and_neutralised_rows():
    lines = list(
        csv_lines(["sku", "name", "quantity"], [["=A1", "Bolt, zinc", -3], ["B", "@x", 7]])
    )
    text = "".join(lines)
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert rows == [["sku", "name", "quantity"], ["'=A1", "Bolt, zinc", "-3"], ["B", "'@x", "7"]]
    assert len(lines) == 3  # one string per row: a generator a response can stream


def test_csv_lines_is_lazy():
    def rows():
        yield ["a"]
        raise AssertionError("read past what was asked for")

    lines = csv_lines(["h"], rows(), bom=False)
    assert next(lines) == "h\r\n"
    assert next(lines) == "a\r\n"
