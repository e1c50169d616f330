"""Scan parsing: plain GTINs, GS1 element strings in scanner and printed form, typed text, and
the labels we refuse (with a message a person at the dock can act on)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from inventory.barcodes import gtin_check_digit
from inventory.errors import DomainError
from inventory.gs1 import InvalidBarcode, ScanCode, gs1_date, gtin_candidates, parse_scan

TODAY = date(2026, 11, 24)
GS = "\x1d"
GTIN = "09501101530003"  # GS1's own example GTIN-14 (EAN-13 9501101530003)


def parse(raw: str) -> ScanCode:
    return parse_scan(raw, today=TODAY)


def refused(raw: str) -> str:
    with pytest.raises(InvalidBarcode) as caught:
        parse(raw)
    return caught.value.message


# --- plain GTINs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gtin14"),
    [
        ("4006381333931", "04006381333931"),  # EAN-13
        ("9501101530003", "09501101530003"),  # EAN-13
        ("036000291452", "00036000291452"),  # UPC-A
        ("96385074", "00000096385074"),  # EAN-8
        ("10614141000415", "10614141000415"),  # GTIN-14 of a case (indicator 1)
        ("]E04006381333931", "04006381333931"),  # EAN-13 with its symbology identifier
        ("]E496385074", "00000096385074"),  # EAN-8 with its symbology identifier
        ("  4006381333931\r\n", "04006381333931"),  # scanner's Enter and stray spaces
    ],
)
def test_plain_gtins_are_padded_to_14_digits(raw, gtin14):
    scan = parse(raw)

    assert (scan.kind, scan.gtin, scan.lot, scan.expiry, scan.other) == (
        "gtin",
        gtin14,
        None,
        None,
        {},
    )
    assert scan.raw == raw


def test_digits_with_a_wrong_check_digit_are_text_since_skus_and_bins_may_be_numeric():
    scan = parse("4006381333932")

    assert (scan.kind, scan.text, scan.gtin) == ("text", "4006381333932", None)


# --- GS1 element strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "(01)09501101530003(17)261231(10)ABC123",
        "(01) 09501101530003 (17) 261231 (10) ABC123",  # typed from the printed line
        "]C101095011015300031726123110ABC123",  # GS1-128, lot last: no separator needed
        "]d2010950110153000310ABC123" + GS + "17261231",  # DataMatrix, lot in the middle
        "]Q310ABC123" + GS + "0109501101530003" + "17261231",  # GS1 QR, lot first
        GS + "01095011015300031726123110ABC123",  # FNC1 sent as a leading GS, no identifier
        "01095011015300031726123110ABC123",  # no identifier at all, (01) first
        "\r\n ]C101095011015300031726123110ABC123 \r\n",  # whitespace, CR and LF around
        "]C10109501101530003" + GS + "17261231" + GS + "10ABC123" + GS,  # GS after fixed too
    ],
)
def test_gs1_element_strings_in_every_form(raw):
    scan = parse(raw)

    assert scan.kind == "gs1"
    assert (scan.gtin, scan.lot, scan.expiry, scan.other) == (
        GTIN,
        "ABC123",
        date(2026, 12, 31),
        {},
    )


def test_gs1_databar_identifier_and_gtin_alone():
    scan = parse("]e00109501101530003")

    assert (scan.kind, scan.gtin, scan.lot, scan.expiry) == ("gs1", GTIN, None, None)


def test_day_00_means_the_last_day_of_the_month():
    assert parse("(01)09501101530003(17)270200").expiry == date(2027, 2, 28)
    assert parse("(01)09501101530003(17)280200").expiry == date(2028, 2, 29)  # leap year
    assert parse("]C1" + "01" + GTIN + "17261100" + "10L1").expiry == date(2026, 11, 30)


def test_serial_count_and_further_dates_land_in_other():
    fields = ["0109501101530003", "11280101", "13251101", "15260500", "17270630", "10LOT-7/A"]
    scan = parse("]C1" + "".join(fields) + GS + "21SN0042" + GS + "3724")

    assert (scan.gtin, scan.lot, scan.expiry) == (GTIN, "LOT-7/A", date(2027, 6, 30))
    assert scan.other == {
        "11": "280101",
        "13": "251101",
        "15": "260500",
        "21": "SN0042",
        "37": "24",
    }
    assert (scan.serial, scan.count) == ("SN0042", 24)


def test_a_pallet_label_with_sscc_contents_count_and_weight_parses_without_a_gtin():
    sscc = "106141411234567897"
    scan = parse(f"(00){sscc}(02)10614141000415(37)40(3103)012500(30)7(400)PO-12")

    assert (scan.kind, scan.gtin, scan.lot, scan.expiry) == ("gs1", None, None, None)
    assert scan.other == {
        "00": sscc,
        "02": "10614141000415",
        "37": "40",
        "3103": "012500",
        "30": "7",
        "400": "PO-12",
    }


def test_a_repeated_ai_with_the_same_value_is_harmless():
    assert parse("(01)09501101530003(10)A1(10)A1").lot == "A1"


def test_scan_without_count_or_serial_says_none():
    scan = parse("(01)09501101530003")

    assert (scan.serial, scan.count) == (None, None)


def test_a_scan_code_is_hashable_despite_its_dict():
    scans = {parse("(01)09501101530003(21)X"), parse("(01)09501101530003(21)X")}

    assert len(scans) == 1


# --- the GS1 century rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yymmdd", "today", "expected"),
    [
        ("261231", TODAY, date(2026, 12, 31)),
        ("760131", TODAY, date(2076, 1, 31)),  # 50 years ahead: still this century
        ("770131", TODAY, date(1977, 1, 31)),  # 51 years ahead: the century before
        ("000101", TODAY, date(2000, 1, 1)),
        ("991231", TODAY, date(1999, 12, 31)),
        ("050101", date(2090, 6, 1), date(2105, 1, 1)),  # 85 years back: the next century
        ("410101", date(2090, 6, 1), date(2041, 1, 1)),  # 49 years back: this century
        ("400101", date(2090, 6, 1), date(2140, 1, 1)),  # 50 years back: the next century
    ],
)
def test_two_digit_years_follow_the_gs1_century_rule(yymmdd, today, expected):
    assert gs1_date(yymmdd, today=today) == expected


def test_the_century_rule_uses_todays_date_by_default():
    year = timezone.localdate().year
    assert parse_scan(f"(17){year % 100:02d}0115").expiry == date(year, 1, 15)


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("A-01-02", "A-01-02"),
        ("  a-01-02 \r\n", "a-01-02"),  # case is kept; lookups ignore it
        ("\tSKU-00042\x00\n", "SKU-00042"),
        ("]C0A-01-01", "A-01-01"),  # plain Code 128 with its symbology identifier
        ("]A0RECV-01", "RECV-01"),  # Code 39
        ("(1)x", "(1)x"),  # parentheses, but no application identifier
        ("12345", "12345"),  # digits of no GTIN length
        ("0112345", "0112345"),  # starts like (01) but is far too short for it
        ("", ""),
        (" \r\n", ""),
        ("\ufeffBIN 7", "BIN 7"),  # a byte-order mark from a phone keyboard
    ],
)
def test_everything_else_is_text_without_the_edges(raw, text):
    scan = parse(raw)

    assert (scan.kind, scan.text, scan.gtin, scan.lot, scan.expiry) == (
        "text",
        text,
        None,
        None,
        None,
    )


# --- refusals ----------------------------------------------------------------------------------


def test_invalid_barcode_is_a_domain_error_with_its_code():
    with pytest.raises(DomainError) as caught:
        parse("(01)09501101530004")

    assert caught.value.code == "invalid_barcode"
    assert caught.value.http_status == 400
    assert caught.value.field == "barcode"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("(01)09501101530004", "(01) GTIN 09501101530004 has a wrong check digit (expected 3)."),
        ("]C10109501101530004", "(01) GTIN 09501101530004 has a wrong check digit (expected 3)."),
        ("]C10109501101530003" + "17261345", "(17) expiry date 261345: there is no month 13."),
        ("(01)09501101530003(17)261232", "(17) expiry date 261232: 2026-12 has only 31 days."),
        ("(01)09501101530003(17)270229", "(17) expiry date 270229: 2027-02 has only 28 days."),
        ("(17)260015", "(17) expiry date 260015: there is no month 00."),
        ("(11)26AB01", "(11) production date “26AB01” must be digits only."),
        ("(15)261399", "(15) best before date 261399: there is no month 13."),
        ("(99)ABC", "(99) is not a GS1 application identifier we know."),
        ("(01)09501101530003(10)A1(91)X", "(91) is not a GS1 application identifier we know."),
        ("]C10109501101530003" + "91ABC", "Unknown or unsupported GS1 application identifier"),
        ("]C1011234567", "(01) GTIN is cut short: 7 of 14 characters."),
        ("]C10109501101530003" + "172612", "(17) expiry date is cut short: 4 of 6 characters."),
        ("]C10109501101530003" + "1726" + GS + "10A", "(17) expiry date is cut short: 2 of 6"),
        ("(01)0950110153000", "(01) GTIN is cut short: 13 characters, GS1 requires 14."),
        ("(01)095011015300031", "(01) GTIN is too long: 15 characters, GS1 requires 14."),
        ("(17)", "(17) expiry date is cut short: 0 characters, GS1 requires 6."),
        (
            "(01)09501101530003(10)" + "L" * 21,
            "(10) lot is 21 characters long; GS1 allows at most 20.",
        ),
        ("]C10109501101530003" + "10" + "L" * 21, "(10) lot is 21 characters long; GS1 allows"),
        ("(01)09501101530003(10)", "(10) lot is empty."),
        ("]C10109501101530003" + "10" + GS + "17261231", "(10) lot is empty."),
        ("(01)09501101530003(10)AB C", "(10) lot “AB C” has characters GS1 does not allow: ' '."),
        ("(01)09501101530003(21)Ré#1", "(21) serial number “Ré#1” has characters GS1 does not"),
        ("(37)12A", "(37) count of trade items “12A” must be digits only."),
        ("(37)123456789", "(37) count of trade items is 9 characters long; GS1 allows at most 8"),
        ("(00)106141411234567890", "(00) SSCC 106141411234567890 has a wrong check digit"),
        ("(10)A(10)B", "(10) lot appears twice with different values."),
        ("]C1", "The GS1 barcode carries no data."),
        ("]d2" + GS, "The GS1 barcode carries no data."),
    ],
)
def test_invalid_gs1_content_is_refused_with_a_clear_message(raw, message):
    assert refused(raw).startswith(message)


def test_unmarked_strings_that_start_with_a_valid_01_are_parsed_strictly():
    # "01" + a GTIN-14 with a good check digit is a GS1 string, so its errors are reported
    assert refused("0109501101530003" + "17261345").startswith("(17) expiry date 261345")


# --- gtin_candidates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtin", "candidates"),
    [
        ("04006381333931", ["04006381333931", "4006381333931"]),
        ("00036000291452", ["00036000291452", "0036000291452", "036000291452"]),
        (
            "00000096385074",
            ["00000096385074", "0000096385074", "000096385074", "96385074"],
        ),
        ("10614141000415", ["10614141000415"]),
        ("4006381333931", ["04006381333931", "4006381333931"]),  # shorter input is padded
    ],
)
def test_gtin_candidates_are_the_stored_forms_of_one_gtin(gtin, candidates):
    assert gtin_candidates(gtin) == candidates


@pytest.mark.parametrize("bad", ["", "123", "0400638133393A", "123456789012345", "٤٠٠٦٣٨١٣"])
def test_gtin_candidates_refuses_what_is_not_a_gtin(bad):
    with pytest.raises(ValueError, match="Not a GTIN"):
        gtin_candidates(bad)


# --- round trip: labels built from random data parse back to that data ---------------------------

# GS1 "CSET 82", the characters allowed in a lot, spelled out here from the specification.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
# In the printed form "(nn)" inside a lot would read as the next AI; labels avoid it.
PRINTABLE_LOT = CSET82.replace("(", "").replace(")", "")


@st.composite
def gtins(draw) -> str:
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    return body + str(gtin_check_digit(body))


@st.composite
def label_data(draw, lot_alphabet: str):
    expiry = draw(st.dates(min_value=date(1977, 1, 1), max_value=date(2076, 12, 31)))
    yymmdd = expiry.strftime("%y%m%d")
    if (expiry + timedelta(days=1)).month != expiry.month and draw(st.booleans()):
        yymmdd = yymmdd[:4] + "00"  # the last day of the month may be written as day 00
    fields = [
        ("01", draw(gtins()), False),
        ("17", yymmdd, False),
        ("10", draw(st.text(lot_alphabet, min_size=1, max_size=20)), True),
    ]
    if draw(st.booleans()):
        fields.append(("21", draw(st.text(lot_alphabet, min_size=1, max_size=20)), True))
    if draw(st.booleans()):
        fields.append(("37", str(draw(st.integers(1, 99_999_999))), True))
    return draw(st.permutations(fields)), expiry


def _assert_parsed_back(scan: ScanCode, fields, expiry: date) -> None:
    values = {ai: value for ai, value, _ in fields}
    assert scan.kind == "gs1"
    assert scan.gtin == values.pop("01")
    assert scan.lot == values.pop("10")
    assert scan.expiry == expiry
    values.pop("17")
    assert scan.other == values


@given(
    data=label_data(CSET82),
    start=st.sampled_from(["]C1", "]d2", "]Q3", "]J1", GS]),
    gs_after_fixed=st.booleans(),
    around=st.sampled_from(["", "\r\n", " ", "\n"]),
)
def test_scanner_form_round_trip(data, start, gs_after_fixed, around):
    fields, expiry = data
    parts = []
    for i, (ai, value, variable) in enumerate(fields):
        last = i == len(fields) - 1
        separator = GS if not last and (variable or gs_after_fixed) else ""
        parts.append(ai + value + separator)

    scan = parse(around + start + "".join(parts) + around)

    _assert_parsed_back(scan, fields, expiry)


@given(data=label_data(PRINTABLE_LOT), spaced=st.booleans())
def test_printed_form_round_trip(data, spaced):
    fields, expiry = data
    joiner = " " if spaced else ""

    scan = parse(joiner.join(f"({ai}){value}" for ai, value, _ in fields))

    _assert_parsed_back(scan, fields, expiry)
