"""Purchase order pages: the list and its filters, one order with its lines and totals, draft
lines edited in place, send, cancel, the PDF; who may see and do what."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from inventory.models import PurchaseOrder, PurchaseOrderLine, StockLevel
from inventory.services.purchasing import OrderLineInput, purchase_order_create
from inventory.services.suggestions import suggestions_approve
from tests.factories.inventory import ProductFactory
from tests.inventory.views.purchasing_scenario import desk_build, scoped_purchaser
from tests.warehouse.views.scenario import page_text

HTMX = {"HX-Request": "true"}
LIST = reverse("purchase-orders")

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return desk_build()


@pytest.fixture
def buyer(client, purchaser):
    client.force_login(purchaser)
    return purchaser


@pytest.fixture
def draft(desk, purchaser) -> PurchaseOrder:
    """ACME's draft for MAIN from approved suggestions: 1000 bolts at 0.045, 85 gloves at 4.20."""
    ids = [desk.suggestion(sku).pk for sku in ("BOLT-M8", "GLOVE-L")]
    (order,) = suggestions_approve(suggestion_ids=ids, user_id=purchaser.pk)
    return order


@pytest.fixture
def east_sent(desk) -> PurchaseOrder:
    from inventory.services.purchasing import purchase_order_send

    order = purchase_order_create(
        supplier=desk.boltco,
        warehouse=desk.east,
        lines=[OrderLineInput(desk.products["CABLE-5M"], 7)],
    )
    return purchase_order_send(purchase_order_id=order.pk)


def _detail(order: PurchaseOrder) -> str:
    return reverse("purchase-order", args=[order.pk])


def _lines(order: PurchaseOrder) -> dict[str, int]:
    return {
        line.product.sku: line.quantity
        for line in PurchaseOrderLine.objects.filter(purchase_order=order).select_related("product")
    }


def _numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].object_list]


# --- the list --------------------------------------------------------------------------------


def test_list_shows_orders_with_totals(client, buyer, desk, draft, east_sent):
    response = client.get(LIST, {"warehouse": "all"})

    assert _numbers(response) == [east_sent.number, draft.number]
    text = page_text(response)
    assert f"{draft.number} ACME Acme Wholesale MAIN Draft" in text
    assert "2 1,085 0 402.00" in text  # lines, units, received, total (45.00 + 357.00)
    assert f"{east_sent.number} BOLTCO Bolt & Co EAST Sent" in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "draft"}, ["draft"]),
        ({"status": "sent"}, ["east"]),
        ({"status": "received"}, []),
        ({"supplier": "ACME"}, ["draft"]),
        ({"warehouse": "EAST"}, ["east"]),
    ],
)
def test_list_filters(client, buyer, desk, draft, east_sent, params, expected):
    ids = {"ACME": desk.acme.pk, "EAST": desk.east.pk}
    query = {"warehouse": "all"} | {k: ids.get(v, v) for k, v in params.items()}
    orders = {"draft": draft.number, "east": east_sent.number}

    assert _numbers(client.get(LIST, query)) == [orders[name] for name in expected]


def test_a_bad_status_filter_is_named(client, buyer, desk, draft):
    response = client.get(LIST, {"status": "lost", "warehouse": desk.main.pk})

    assert "There is no status lost; showing all orders." in page_text(response)
    assert _numbers(response) == [draft.number]


def test_list_queries_do_not_grow_with_the_orders(
    client, buyer, desk, draft, django_assert_max_num_queries, django_assert_num_queries
):
    client.get(LIST)  # the first page of a session stores the current warehouse in it
    with django_assert_max_num_queries(15) as few:
        client.get(LIST, {"warehouse": "all"})
    for n in range(10):
        purchase_order_create(
            supplier=desk.acme,
            warehouse=desk.main,
            lines=[OrderLineInput(ProductFactory(sku=f"X{n}"), n + 1)],
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(_numbers(client.get(LIST, {"warehouse": "all"}))) == 11


# --- one order -------------------------------------------------------------------------------


def test_detail_shows_lines_with_received_quantities_and_totals(client, buyer, draft):
    response = client.get(_detail(draft))

    assert response.status_code == 200
    text = page_text(response)
    assert f"Purchase order {draft.number} Draft" in text
    assert "Lines 2 Units ordered 1,085 Received 0 Total 402.00" in text
    assert "BOLT-M8 Hex bolt M8 x 40, zinc 0 1,000 0.045 45.00" in text
    assert "GLOVE-L Nitrile gloves, size L 0 85 4.20 357.00" in text
    assert "Total 1,085 0 1,085 402.00" in text
    body = response.content.decode()
    assert f'href="{reverse("purchase-order-pdf", args=[draft.pk])}"' in body
    assert f'href="{reverse("product-stock", args=[draft.lines.first().product_id])}"' in body


def test_edit_a_draft_line_in_place(client, buyer, draft, desk):
    bolt = desk.products["BOLT-M8"]

    response = client.post(
        reverse("purchase-order-line", args=[draft.pk, bolt.pk]), {"quantity": "2000"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="po-lines">')
    text = page_text(response)
    assert "BOLT-M8: 2,000 ordered." in text
    assert "Total 447.00" in text  # 90.00 + 357.00
    assert _lines(draft) == {"BOLT-M8": 2000, "GLOVE-L": 85}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "lots",
            "“lots” is not a quantity. Enter the quantity as a whole number, like 60. Still 85.",
        ),
        ("0", "“0” is not a quantity. The quantity must be at least 1. Still 85."),
        ("", "Enter a quantity, like 60."),
    ],
)
def test_a_bad_line_quantity_keeps_the_old_one(client, buyer, draft, desk, typed, message):
    glove = desk.products["GLOVE-L"]

    response = client.post(
        reverse("purchase-order-line", args=[draft.pk, glove.pk]), {"quantity": typed}, headers=HTMX
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'value="85"' in response.content.decode()
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85}


def test_add_a_line_by_sku_or_barcode(client, buyer, draft, desk):
    tape = desk.products["TAPE-48"]
    cable = desk.products["CABLE-5M"]

    by_sku = client.post(
        reverse("purchase-order-line-add", args=[draft.pk]),
        {"product": " TAPE-48 ", "quantity": "12"},
        headers=HTMX,
    )
    by_barcode = client.post(
        reverse("purchase-order-line-add", args=[draft.pk]),
        {"product": cable.barcode, "quantity": "3"},
        headers=HTMX,
    )

    assert by_sku.status_code == by_barcode.status_code == 200
    assert "Added 12 × TAPE-48." in page_text(by_sku)
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85, "TAPE-48": 12, "CABLE-5M": 3}
    # A new line is priced at this supplier's offer (ACME sells tape at 1.15).
    assert PurchaseOrderLine.objects.get(purchase_order=draft, product=tape).unit_cost == Decimal(
        "1.1500"
    )


@pytest.mark.parametrize(
    ("product", "quantity", "message"),
    [
        ("NOPE", "5", "No product has the SKU or barcode “NOPE”."),
        ("", "5", "Enter the SKU or barcode of the product to add."),
        ("GLOVE-L", "5", "GLOVE-L is already on PO-"),
        ("TAPE-48", "-1", "The quantity must be at least 1."),
        ("TAPE-48", "x", "Enter the quantity as a whole number, like 60."),
    ],
)
def test_a_bad_new_line_is_refused_by_name(client, buyer, draft, product, quantity, message):
    response = client.post(
        reverse("purchase-order-line-add", args=[draft.pk]),
        {"product": product, "quantity": quantity},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85}
    if product:  # what was typed stays, to fix
        assert f'value="{product}"' in response.content.decode()


def test_remove_a_line_but_not_the_last(client, buyer, draft, desk):
    bolt, glove = desk.products["BOLT-M8"], desk.products["GLOVE-L"]

    removed = client.post(
        reverse("purchase-order-line-remove", args=[draft.pk, bolt.pk]), headers=HTMX
    )
    last = client.post(
        reverse("purchase-order-line-remove", args=[draft.pk, glove.pk]), headers=HTMX
    )

    assert removed.status_code == 200
    assert "Line removed." in page_text(removed)
    assert last.status_code == 422
    assert f"GLOVE-L is the only line of {draft.number}: cancel the order instead." in page_text(
        last
    )
    assert _lines(draft) == {"GLOVE-L": 85}


def test_send_a_draft(client, buyer, draft, desk):
    response = client.post(reverse("purchase-order-send", args=[draft.pk]), follow=True)

    assert response.redirect_chain == [(_detail(draft), 302)]
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert draft.sent_at is not None
    assert f"{draft.number} is sent to Acme Wholesale; its lines are on order now." in page_text(
        response
    )
    level = StockLevel.objects.get(product=desk.products["GLOVE-L"], warehouse=desk.main)
    assert level.on_order == 5 + 85
    # Sent lines are no longer edited; the page offers no edit and the server refuses one.
    assert 'name="quantity"' not in response.content.decode()
    refused = client.post(
        reverse("purchase-order-line", args=[draft.pk, desk.products["GLOVE-L"].pk]),
        {"quantity": "1"},
        headers=HTMX,
    )
    assert refused.status_code == 409
    assert "is sent; only draft lines can be changed." in page_text(refused)
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85}
    # Sending again changes nothing.
    client.post(reverse("purchase-order-send", args=[draft.pk]))
    assert StockLevel.objects.get(pk=level.pk).on_order == 90


def test_cancel_then_sending_is_refused(client, buyer, draft):
    client.post(reverse("purchase-order-cancel", args=[draft.pk]))

    response = client.post(reverse("purchase-order-send", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.status == "cancelled"
    assert f"{draft.number} is cancelled; only drafts can be sent." in page_text(response)


def test_the_pdf_holds_the_order(client, buyer, draft, desk):
    desk.main.address = "1 Dock Road\nPortsmouth"
    desk.main.save(update_fields=["address"])

    response = client.get(reverse("purchase-order-pdf", args=[draft.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{draft.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert f"Purchase order {draft.number} (DRAFT, not sent)" in text
    assert "Acme Wholesale Supplier code ACME" in text
    assert "Main warehouse Warehouse MAIN 1 Dock Road Portsmouth" in text
    assert "1 BOLT-M8 Hex bolt M8 x 40, zinc 1,000 0.045 45.00" in text
    assert "2 GLOVE-L Nitrile gloves, size L 85 4.20 357.00" in text
    assert "Total 1,085 402.00" in text


def test_a_sent_orders_pdf_has_its_date_and_no_draft_mark(client, buyer, desk, east_sent):
    response = client.get(reverse("purchase-order-pdf", args=[east_sent.pk]))

    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert f"Purchase order {east_sent.number} SUPPLIER" in text
    assert "DRAFT" not in text
    assert f"Order date: {east_sent.sent_at.date().isoformat()}" in text
    assert "CABLE-5M" in text
    assert "Total 7 14.00" in text


# --- who may see and do what ---------------------------------------------------------------


def _every_page(order: PurchaseOrder, product_id: int) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", _detail(order)),
        ("get", reverse("purchase-order-pdf", args=[order.pk])),
        ("post", reverse("purchase-order-line", args=[order.pk, product_id])),
        ("post", reverse("purchase-order-line-add", args=[order.pk])),
        ("post", reverse("purchase-order-line-remove", args=[order.pk, product_id])),
        ("post", reverse("purchase-order-send", args=[order.pk])),
        ("post", reverse("purchase-order-cancel", args=[order.pk])),
    ]


def test_floor_staff_may_not_open_or_act(client, floor_user, draft, desk):
    client.force_login(floor_user)

    for method, url in _every_page(draft, desk.products["BOLT-M8"].pk):
        response = getattr(client, method)(url, {"quantity": "1", "product": "TAPE-48"})
        assert response.status_code == 403, url
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85}


def test_a_supervisor_reads_but_does_not_send(client, supervisor, draft, desk):
    client.force_login(supervisor)

    page = client.get(_detail(draft))
    assert page.status_code == 200
    assert "Send…" not in page_text(page)
    assert 'name="quantity"' not in page.content.decode()
    assert client.post(reverse("purchase-order-send", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_purchaser_of_one_warehouse_sees_only_its_orders(client, desk, draft, east_sent):
    client.force_login(scoped_purchaser("east-buyer", desk.east))

    assert _numbers(client.get(LIST, {"warehouse": "all"})) == [east_sent.number]
    refused = client.get(LIST, {"warehouse": desk.main.pk})
    assert _numbers(refused) == [east_sent.number]
    for method, url in _every_page(draft, desk.products["BOLT-M8"].pk)[1:]:
        response = getattr(client, method)(url, {"quantity": "1", "product": "TAPE-48"})
        assert response.status_code == 404, url
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert _lines(draft) == {"BOLT-M8": 1000, "GLOVE-L": 85}
