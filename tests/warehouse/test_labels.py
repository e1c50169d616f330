"""Labels: what the bars encode (decoded back and read by the scanner's own parser), EAN-13
check digits, the PDF pages, the ZPL fields, and the supervisor's label page with its limits."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.graphics.barcode.eanbc import Ean13BarcodeWidget

from inventory.barcodes import gtin_check_digit
from inventory.gs1 import CSET82, GS, parse_scan
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.trace_scenario import trace_site_build
from tests.warehouse.views.scenario import page_text
from warehouse.labels.code128 import FNC1, code128_plan, code128_values, code128_zpl_data
from warehouse.labels.content import Barcode, Label, bin_label, lot_label, product_label
from warehouse.labels.gs1 import gs1_label
from warehouse.labels.pdf import SHEETS, _PlannedCode128, labels_pdf
from warehouse.labels.zpl import labels_zpl, zpl_text
from warehouse.models import Location, Lot, Zone

TODAY = date(2026, 11, 24)

# --- decoding what we encode -----------------------------------------------------------------


def decode_values(values: list[int]) -> str:
    """Code 128 symbol values back to data (FNC1 as ``FNC1``), checking start, check and stop,
    the way a scanner does."""
    start, *data, check, stop = values
    assert stop == 106
    assert check == (start + sum(i * v for i, v in enumerate(data, start=1))) % 103
    code_set = {104: "B", 105: "C"}[start]
    out = []
    for value in data:
        if value == 102:
            out.append(FNC1)
        elif code_set == "B" and value == 99:
            code_set = "C"
        elif code_set == "C" and value == 100:
            code_set = "B"
        elif code_set == "C":
            assert value < 100
            out.append(f"{value:02d}")
        else:
            assert value < 95
            out.append(chr(value + 32))
    return "".join(out)


def decode_zpl(data: str) -> str:
    """^BC mode-N field data (invocation codes) back to the data, FNC1 as ``FNC1``."""
    assert data[:2] in (">:", ">;")
    out, code_set, i = [], "C" if data[:2] == ">;" else "B", 2
    while i < len(data):
        if data[i] == ">":
            code = data[i + 1]
            if code == "8":
                out.append(FNC1)
            elif code == "5":
                code_set = "C"
            elif code == "6":
                code_set = "B"
            elif code == "<":
                out.append(">")
            else:
                raise AssertionError(f"unexpected invocation >{code}")
            i += 2
        elif code_set == "C":
            assert data[i : i + 2].isdigit()
            out.append(data[i : i + 2])
            i += 2
        else:
            out.append(data[i])
            i += 1
    return "".join(out)


def scanner_sends(data: str) -> str:
    """What a handheld transmits for a GS1-128 symbol: ]C1 for the first FNC1, GS for others."""
    assert data.startswith(FNC1)
    return "]C1" + data[1:].replace(FNC1, GS)


def gtin13(n: int) -> str:
    body = f"{n:012d}"
    return body + str(gtin_check_digit(body))


lots = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)
expiries = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2070, 12, 31)))


@given(gtin=st.integers(min_value=0, max_value=10**12 - 1), lot=lots, expiry=expiries)
def test_gs1_labels_round_trip_through_the_scanner_parser(gtin, lot, expiry):
    label = gs1_label(gtin=gtin13(gtin), lot=lot, expiry=expiry)
    plan = code128_plan(label.data)

    bars = decode_values(code128_values(plan))
    zebra = decode_zpl(code128_zpl_data(plan))

    assert bars == zebra == label.data
    printed = [label.text] if "(" not in lot else []  # GS1's printed line is ambiguous then
    for scanned in (scanner_sends(bars), *printed):  # the bars, and the printed line typed
        parsed = parse_scan(scanned, today=TODAY)
        assert (parsed.kind, parsed.gtin, parsed.lot, parsed.expiry) == (
            "gs1",
            gtin13(gtin).zfill(14),
            lot,
            expiry,
        )


@given(text=st.text(alphabet=[chr(c) for c in range(32, 127)], min_size=1, max_size=40))
def test_code_128_encodes_any_printable_text_and_decodes_back(text):
    plan = code128_plan(text)

    assert decode_values(code128_values(plan)) == text
    assert decode_zpl(code128_zpl_data(plan)) == text


def test_digits_go_in_pairs_and_gs1_starts_with_fnc1_in_code_set_c():
    values = code128_values(code128_plan(FNC1 + "0109501101530003"))

    assert values[:2] == [105, 102]  # Start C, FNC1
    assert values[2:10] == [1, 9, 50, 11, 1, 53, 0, 3]
    assert code128_zpl_data(code128_plan(FNC1 + "0109501101530003")) == ">;>80109501101530003"


def test_the_pdf_draws_the_planned_values_with_the_standard_bar_patterns():
    values = code128_values(code128_plan("A-01-02"))
    widget = _PlannedCode128(values, value="A-01-02", humanReadable=0)

    widget.validate()
    widget.encode()
    widget.decompose()

    assert widget.encoded == values
    # reportlab writes bars in capitals and spaces in lower case, A/a one module wide, B/b two...
    widths = "".join(str(ord(c.lower()) - 96) for c in widget.decomposed)
    assert widths.startswith("211214")  # Start B, as ISO/IEC 15417 draws it
    assert widths.endswith("2331112")  # Stop
    assert sum(int(w) for w in widths) == 11 * (len(values) - 1) + 13


def test_a_lot_label_carries_gtin_expiry_and_lot(db):
    product = ProductFactory(barcode="4006381333931", tracking="lot_expiry")
    lot = Lot.objects.create(product=product, code="L-77", expiry_date=date(2027, 3, 31))

    label = lot_label(lot, today=TODAY)

    assert label.barcode.symbology == "gs1-128"
    assert label.barcode.text == "(01)04006381333931(17)270331(10)L-77"
    scan = parse_scan(scanner_sends(decode_values(code128_values(label.barcode.plan))), today=TODAY)
    assert (scan.gtin, scan.lot, scan.expiry) == ("04006381333931", "L-77", lot.expiry_date)


def test_a_lot_without_expiry_leaves_out_ai_17(db):
    product = ProductFactory(barcode="4006381333931", tracking="lot")
    lot = Lot.objects.create(product=product, code="B7")

    assert lot_label(lot, today=TODAY).barcode.text == "(01)04006381333931(10)B7"


@pytest.mark.parametrize(
    ("barcode", "code", "why"),
    [
        (None, "L1", "no GTIN"),
        ("4006381333931", "L" * 21, "longer than GS1"),
        ("4006381333931", "LOT#1", "characters GS1 does not allow"),
    ],
)
def test_a_lot_gs1_cannot_carry_gets_the_product_barcode_and_says_why(db, barcode, code, why):
    product = ProductFactory(barcode=barcode, tracking="lot")
    lot = Lot.objects.create(product=product, code=code)

    label = lot_label(lot, today=TODAY)

    assert label.barcode.symbology != "gs1-128"
    assert why in label.note
    assert label.title == f"Lot {code}"


def test_products_with_an_ean13_get_it_with_its_own_check_digit(db):
    product = ProductFactory(barcode="4006381333931")

    barcode = product_label(product).barcode

    assert (barcode.symbology, barcode.data) == ("ean13", "4006381333931")
    assert str(gtin_check_digit(barcode.data[:12])) == barcode.data[12]
    assert Ean13BarcodeWidget._checkdigit(barcode.data[:12]) == barcode.data[12]


@pytest.mark.parametrize("barcode", [None, "96385074", "10614141000415", "036000291452"])
def test_products_without_an_ean13_get_code_128_of_their_sku(db, barcode):
    product = ProductFactory(sku="GLOVE-L", barcode=barcode)

    label = product_label(product)

    assert (label.barcode.symbology, label.barcode.data) == ("code128", "GLOVE-L")


def test_a_bin_label_encodes_the_bins_barcode_and_shows_its_code(db):
    warehouse = WarehouseFactory(code="WHL")
    zone = Zone.objects.create(warehouse=warehouse, code="A", name="Reserve")
    location = LocationFactory(warehouse=warehouse, zone=zone, code="A-01-02")

    label = bin_label(location)

    assert (label.title, label.barcode.symbology, label.barcode.data) == (
        "A-01-02",
        "code128",
        "A-01-02",
    )
    assert label.lines == ("WHL · Storage bin · zone A",)


# --- PDF and ZPL -------------------------------------------------------------------------------


def _labels(n: int) -> list[Label]:
    gs1 = gs1_label(gtin="4006381333931", lot="ABC123", expiry=date(2026, 12, 31))
    kinds = [
        Label("bin", "A-01-01", Barcode("code128", "A-01-01", "A-01-01"), ("MAIN",)),
        Label("product", "SKU-1", Barcode("ean13", "4006381333931", "4006381333931"), ("Bolt",)),
        Label("lot", "Lot ABC123", Barcode("gs1-128", gs1.data, gs1.text, gs1=gs1)),
    ]
    return [kinds[i % 3] for i in range(n)]


def test_thermal_pdf_has_one_100_by_50_mm_page_per_label():
    reader = PdfReader(io.BytesIO(labels_pdf(labels=_labels(5), size="thermal")))

    assert len(reader.pages) == 5
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (100, 50)
    assert "(01)04006381333931(17)261231(10)ABC123" in reader.pages[2].extract_text()
    assert "A-01-01" in reader.pages[0].extract_text()


def test_a4_pdf_fills_sheets_of_24():
    reader = PdfReader(io.BytesIO(labels_pdf(labels=_labels(50), size="a4")))

    assert SHEETS["a4"].per_page == 24
    assert len(reader.pages) == 3
    assert round(float(reader.pages[0].mediabox.height) / 72 * 25.4) == 297
    last = reader.pages[2].extract_text()  # labels 49 (a bin) and 50 (a product)
    assert "A-01-01" in last
    assert "SKU-1" in last
    assert "ABC123" not in last


def test_zpl_has_a_label_block_per_label_with_the_right_barcodes():
    zpl = labels_zpl(labels=_labels(3))

    assert zpl.count("^XA") == zpl.count("^XZ") == 3
    blocks = zpl.split("^XZ")
    assert "^BCN," in blocks[0]
    assert "^FH^FD>:A-01-01^FS" in blocks[0]
    assert "^BEN," in blocks[1]
    assert "^FD400638133393^FS" in blocks[1]  # 12 digits: the printer adds the check digit
    gs1_data = re.search(r"\^BCN,\d+,N,N,N,N\^FH\^FD(.*?)\^FS", blocks[2]).group(1)
    assert gs1_data.startswith(">;>8")  # subset C, FNC1 in first position: GS1-128
    assert decode_zpl(gs1_data) == FNC1 + "01040063813339311726123110ABC123"
    assert "(01)04006381333931(17)261231(10)ABC123" in blocks[2]


def test_zpl_text_cannot_inject_commands():
    assert zpl_text("Bolts ^XZ~JR_x é") == "Bolts _5EXZ_7EJR_5Fx _C3_A9"


# --- the page ----------------------------------------------------------------------------------


@pytest.fixture
def bins(db):
    warehouse = WarehouseFactory(code="LBL")
    zone = Zone.objects.create(warehouse=warehouse, code="A", name="Reserve")
    made = [
        LocationFactory(warehouse=warehouse, zone=zone, code=f"A-01-0{i}", aisle="1")
        for i in range(1, 4)
    ]
    made.append(LocationFactory(warehouse=warehouse, code="B-02-01", aisle="2"))
    return warehouse, made


def _as(client, user, warehouse):
    client.force_login(user)
    session = client.session
    session["wms_warehouse_id"] = warehouse.pk
    session.save()


def _pdf_pages(response) -> int:
    return len(PdfReader(io.BytesIO(response.content)).pages)


def test_bins_of_a_zone_print_as_one_pdf_page_each(client, supervisor, bins):
    warehouse, _ = bins
    _as(client, supervisor, warehouse)

    response = client.get(reverse("supervisor-labels-print"), {"what": "bins", "zone": "A"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _pdf_pages(response) == 3
    text = PdfReader(io.BytesIO(response.content)).pages[1].extract_text()
    assert "A-01-02" in text


def test_a_range_an_aisle_and_copies_narrow_and_multiply(client, supervisor, bins):
    warehouse, _ = bins
    _as(client, supervisor, warehouse)
    url = reverse("supervisor-labels-print")

    ranged = client.get(url, {"what": "bins", "code_from": "A-01-02", "code_to": "B-99"})
    aisle = client.get(url, {"what": "bins", "aisle": "2", "copies": "3", "size": "a4"})

    assert ranged["X-Label-Count"] == "3"
    assert (aisle["X-Label-Count"], _pdf_pages(aisle)) == ("3", 1)


def test_zpl_comes_as_plain_text(client, supervisor, bins):
    warehouse, _ = bins
    _as(client, supervisor, warehouse)

    response = client.get(
        reverse("supervisor-labels-print"), {"what": "bins", "aisle": "2", "format": "zpl"}
    )

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.count("^XA") == 1
    assert ">:B-02-01" in body


def test_the_lots_of_a_receipt_print_from_the_receipt(client, db):
    site = trace_site_build()
    _as(client, site.boss, site.warehouse)

    preview = client.get(reverse("supervisor-labels"), {"what": "lots", "receipt": site.receipt.pk})
    printed = client.get(
        reverse("supervisor-labels-print"),
        {"what": "lots", "receipt": site.receipt.pk, "copies": "2"},
    )

    by_reference = client.get(
        reverse("supervisor-labels"), {"what": "lots", "receipt": site.receipt.reference.lower()}
    )

    assert [label.title for label in preview.context["preview"]] == ["Lot L-2406", "Lot L-2407"]
    assert by_reference.context["preview"] == preview.context["preview"]
    assert "GS1-128" in page_text(preview)
    assert _pdf_pages(printed) == 4
    text = PdfReader(io.BytesIO(printed.content)).pages[0].extract_text()
    expiry = site.lot.expiry_date.strftime("%y%m%d")
    assert f"(01){site.product.barcode.zfill(14)}(17){expiry}(10)L-2406" in text


def test_products_print_from_a_search_or_from_the_product_page(client, supervisor, bins):
    warehouse, _ = bins
    bolt = ProductFactory(sku="BOLT-M8", name="Hex bolt")
    ProductFactory(sku="NUT-M8", name="Hex nut")
    _as(client, supervisor, warehouse)
    url = reverse("supervisor-labels-print")

    searched = client.get(url, {"what": "products", "q": "hex"})
    chosen = client.get(url, {"what": "products", "product": str(bolt.pk)})

    assert searched["X-Label-Count"] == "2"
    assert chosen["X-Label-Count"] == "1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"what": "bins", "format": "docx"}, "Format must be pdf or zpl."),
        ({"what": "bins", "size": "letter"}, "Size must be thermal or a4."),
        ({"what": "bins", "format": "zpl", "size": "a4"}, "A4 sheets are PDF only"),
        ({"what": "shelves"}, "must be bins, products or lots"),
        ({"what": "bins", "copies": "0"}, "greater than or equal to 1"),
        ({"what": "bins", "copies": "many"}, "Copies must be a whole number"),
        ({"what": "bins", "zone": "ZZ"}, "has no zone ZZ"),
        ({"what": "bins", "location": "999999"}, "No bin 999999 here."),
        ({"what": "bins", "location": "abc"}, "is not an id"),
        ({"what": "bins", "code_from": "B", "code_to": "A"}, "swap them"),
        ({"what": "bins", "aisle": "9"}, "Nothing matches this selection"),
        ({"what": "products"}, "Search for the products"),
        ({"what": "products", "product": "999999"}, "No product 999999 here."),
        ({"what": "lots"}, "Choose a receipt"),
        ({"what": "lots", "receipt": "999999"}, "No receipt 999999 here."),
        ({"what": "lots", "receipt": "RCV-999999"}, "No receipt RCV-999999 here."),
        ({"what": "lots", "lot": "999999"}, "No lot 999999 here."),
    ],
)
def test_bad_requests_are_refused_with_the_reason(client, supervisor, bins, query, message):
    warehouse, _ = bins
    _as(client, supervisor, warehouse)

    response = client.get(reverse("supervisor-labels-print"), query)

    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert message in page_text(response)


def test_more_than_2000_labels_in_one_request_are_refused(client, supervisor, bins):
    warehouse, _ = bins
    real = Location.objects.filter(warehouse=warehouse).exclude(kind__in=Location.VIRTUAL_KINDS)
    for i in range(21 - real.count()):  # 21 locations (docks and benches too) x 100 copies
        LocationFactory(warehouse=warehouse, code=f"C-{i:02d}")
    _as(client, supervisor, warehouse)

    response = client.get(reverse("supervisor-labels-print"), {"what": "bins", "copies": "100"})
    fits = client.get(reverse("supervisor-labels-print"), {"what": "bins", "copies": "95"})

    assert response.status_code == 422
    assert "That is 2,100 labels; at most 2,000" in page_text(response)
    assert fits.status_code == 200
    assert fits["X-Label-Count"] == "1995"
    assert _pdf_pages(fits) == 1995


def test_a_receipt_of_another_warehouse_is_unknown(client, db):
    site = trace_site_build()
    outsider = WarehouseFactory()
    from inventory.models import UserScope
    from tests.conftest import _user

    boss = _user("elsewhere", "supervisor")
    scope = UserScope.objects.get(user=boss)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    scope.warehouses.set([outsider])
    _as(client, boss, outsider)

    response = client.get(
        reverse("supervisor-labels-print"), {"what": "lots", "receipt": site.receipt.pk}
    )

    assert response.status_code == 422
    assert f"No receipt {site.receipt.pk} here." in page_text(response)


@pytest.mark.parametrize("user_fixture", ["floor_user", "purchaser"])
def test_floor_staff_and_purchasers_may_not_print_labels(client, request, bins, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("supervisor-labels")).status_code == 403
    assert client.get(reverse("supervisor-labels-print"), {"what": "bins"}).status_code == 403


def test_expired_or_far_future_expiry_still_reads_back_within_the_gs1_century(db):
    product = ProductFactory(barcode="4006381333931", tracking="lot_expiry")
    today = timezone.localdate()
    far = Lot.objects.create(
        product=product, code="FAR", expiry_date=today + timedelta(days=60 * 365)
    )

    label = lot_label(far, today=today)

    assert label.barcode.symbology == "ean13"  # a two-digit year would read as another century
    assert "too far" in label.note


def test_every_label_scans_back_to_what_it_labels(db):
    """Through the handheld's own look-ups: the bin scan and the product scan."""
    from warehouse.selectors.scan import scan_location, scan_product

    warehouse = WarehouseFactory()
    location = LocationFactory(warehouse=warehouse, code="R-07-03")
    with_ean = ProductFactory(barcode="4006381333931", tracking="lot_expiry")
    without = ProductFactory(sku="PLAIN-1", barcode=None)
    lot = Lot.objects.create(product=with_ean, code="X9", expiry_date=date(2027, 1, 31))

    def scanned(label: Label) -> str:
        if label.barcode.symbology == "ean13":
            return label.barcode.data
        data = decode_values(code128_values(label.barcode.plan))
        return scanner_sends(data) if data.startswith(FNC1) else data

    assert scan_location(warehouse_id=warehouse.pk, raw=scanned(bin_label(location))) == location
    assert scan_product(raw=scanned(product_label(with_ean))).product == with_ean
    assert scan_product(raw=scanned(product_label(without))).product == without
    found = scan_product(raw=scanned(lot_label(lot, today=timezone.localdate())))
    assert (found.product, found.lot_code, found.expiry) == (with_ean, "X9", lot.expiry_date)
