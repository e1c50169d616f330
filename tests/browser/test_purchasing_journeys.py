"""The purchaser's journey in headless Chromium at desktop size, with the real Celery worker:
review the suggestions, edit a quantity in place (a bad one first), bulk-approve several by
keyboard, open the draft purchase order, change a line, send it, and download its PDF.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from inventory.models import PurchaseOrder, ReorderSuggestion, StockLevel
from tests.browser.test_inbound_journeys import feedback, settled
from tests.conftest import DESKTOP
from tests.inventory.views.purchasing_scenario import desk_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = DESKTOP["viewport"]["width"]


def fits_the_desktop(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def idle(page: Page) -> None:
    expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0, timeout=30_000)


def test_purchaser_reviews_edits_approves_and_sends(
    browser, login, purchaser, live_server, screenshot, celery_worker_process
):
    desk = desk_build()
    glove = desk.suggestion("GLOVE-L")
    page = login(browser, "buyer")

    # From the stock levels home to the suggestions; work in MAIN (the header's switch).
    page.get_by_role("navigation", name="Purchasing").get_by_role(
        "link", name="Reorder suggestions"
    ).click()
    expect(page.get_by_role("heading", name="Reorder suggestions")).to_be_visible()
    page.locator("#site-switch").select_option(label="MAIN · Main warehouse")
    expect(page.locator(".messages")).to_contain_text("You are now working in MAIN")
    page.get_by_role("link", name="Reorder suggestions").click()  # the page, without the note
    expect(page.locator(".messages")).to_have_count(0)
    page.wait_for_load_state()  # htmx (deferred) is ready before the filters are used
    rows = page.locator("#suggestions-results tbody.suggestion")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("BOLT-M8")
    expect(rows.first).to_contain_text("Critical")
    expect(rows.first.locator("svg.spark")).to_have_attribute(
        "aria-label", re.compile(r"^Units shipped per week, last 8 weeks")
    )
    # The filters answer in place and keep the address.
    page.get_by_role("search").get_by_label("Urgency").select_option(value="critical")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"urgency=critical"))
    page.get_by_role("search").get_by_label("Urgency").select_option(value="")
    expect(rows).to_have_count(5)
    fits_the_desktop(page)

    page.get_by_role("button", name="Run review now").click()
    expect(page.locator(".notice")).to_contain_text("Review done: 0 new suggestions")
    expect(rows).to_have_count(5)

    # A bad quantity: said why, the old one kept; then a good one, saved, focus kept.
    row = page.locator(f"#suggestion-{glove.pk}")
    quantity = page.get_by_label("Quantity of GLOVE-L to order")
    quantity.fill("0")
    quantity.press("Enter")
    expect(row.get_by_role("alert")).to_contain_text(
        "“0” is not a quantity. The quantity must be at least 1. Still 85."
    )
    expect(quantity).to_have_value("85")
    feedback(page, "error")
    quantity.fill("90")
    quantity.press("Enter")
    expect(row.locator(".qty-edit__saved")).to_have_text("Saved: order 90.")
    expect(row).to_contain_text("378.00")  # 90 x 4.20
    expect(quantity).to_be_focused()
    idle(page)
    assert ReorderSuggestion.objects.get(pk=glove.pk).quantity == 90
    settled(page)
    screenshot(page, "purchaser-suggestions")

    # Tick three rows by keyboard, approve them at once.
    for sku in ("BOLT-M8", "GLOVE-L", "CABLE-5M"):
        page.get_by_label(f"Select {sku} in MAIN").focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Approve selected").click()
    notice = page.locator(".notice")
    expect(notice).to_contain_text("Approved 3 suggestions into 2 draft purchase orders")
    expect(rows).to_have_count(2)  # NOSUP-1 and TAPE-48 wait
    acme = PurchaseOrder.objects.get(supplier=desk.acme, warehouse=desk.main)
    assert acme.status == "draft"
    assert {line.product.sku: line.quantity for line in acme.lines.all()} == {
        "BOLT-M8": 1000,
        "GLOVE-L": 90,
    }

    # The draft: change a line in place, then send it.
    notice.get_by_role("link", name=acme.number).click()
    expect(page.get_by_role("heading", name=f"Purchase order {acme.number}")).to_be_visible()
    lines = page.locator("#po-lines")
    expect(lines).to_contain_text("Total 1,090 0 1,090 423.00")  # 45.00 + 378.00
    bolts = page.get_by_label("Quantity of BOLT-M8")
    bolts.fill("1200")
    bolts.press("Enter")
    expect(lines.locator(".notice")).to_have_text("BOLT-M8: 1,200 ordered.")
    expect(lines).to_contain_text("Total 1,290 0 1,290 432.00")  # 54.00 + 378.00
    fits_the_desktop(page)
    settled(page)
    screenshot(page, "purchase-order")

    page.get_by_text("Send…").click()
    page.get_by_role("button", name=f"Yes, send {acme.number}").click()
    expect(page.locator(".messages")).to_contain_text(f"{acme.number} is sent to Acme Wholesale")
    expect(page.locator(".page-head__title")).to_contain_text("Sent")
    expect(page.get_by_label("Quantity of BOLT-M8")).to_have_count(0)
    acme.refresh_from_db()
    assert acme.status == "sent"
    level = StockLevel.objects.get(product=desk.products["BOLT-M8"], warehouse=desk.main)
    assert level.on_order == 1200

    # The PDF the page links to, downloaded with the purchaser's session.
    href = page.get_by_role("link", name="PDF").get_attribute("href")
    pdf = page.context.request.get(f"{live_server.url}{href}")
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert f"Purchase order {acme.number} SUPPLIER" in text
    assert "BOLT-M8 Hex bolt M8 x 40, zinc 1,200 0.045 54.00" in text
    assert "GLOVE-L Nitrile gloves, size L 90 4.20 378.00" in text
    assert "Total 1,290 432.00" in text
