"""A recall in headless Chromium at desktop size, with the real Celery worker: the supervisor
finds the lot by its code (and another by its GS1 label), reads where it came from and where it
went, downloads the customers' CSV, opens a bin's history and filters it, and prints the lot's
label."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.nav import open_from_menu
from tests.conftest import DESKTOP
from tests.warehouse.trace_scenario import trace_site_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = DESKTOP["viewport"]["width"]


def fits_the_desktop(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_supervisor_traces_a_lot_for_a_recall(
    browser, login, live_server, screenshot, celery_worker_process
):
    site = trace_site_build()
    page = login(browser, "boss")

    open_from_menu(page, "Stock", "Trace")
    search = page.get_by_label("Lot code, GS1 label, SKU, barcode or bin")
    expect(search).to_be_focused()  # ready for the scanner
    search.fill("l-2406")
    search.press("Enter")

    expect(page.get_by_role("heading", name="Lot L-2406")).to_be_visible()
    upstream = page.get_by_role("region", name="Where it came from")
    expect(upstream).to_contain_text("Green Valley Dairy")
    expect(upstream).to_contain_text(site.purchase_order.number)
    downstream = page.get_by_role("region", name="Where it went")
    expect(downstream.locator("tbody tr")).to_have_count(2)
    expect(downstream).to_contain_text("Corner Shop Ltd")
    expect(page.locator(".alert--warning")).to_contain_text("Shipped to 1 customer")
    fits_the_desktop(page)
    screenshot(page, "trace-lot")

    # The recall letter's list, downloaded with the supervisor's session.
    href = page.get_by_role("link", name="Customers CSV").get_attribute("href")
    download = page.context.request.get(f"{live_server.url}{href}")
    assert download.ok
    rows = list(csv.DictReader(io.StringIO(download.body().decode("utf-8-sig"))))
    assert {(r["customer"], r["shipped"]) for r in rows} == {
        ("Corner Shop Ltd", "25"),
        ("Deli & Co", "0"),
    }

    # Where the rest is now: a bin, and its history filtered to putaways.
    now = page.get_by_role("region", name="Where it is now")
    now.locator("tbody tr").filter(has_text="Storage bin").get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^B-0\d history$"))).to_be_visible()
    page.get_by_label("Kind").select_option(label="Putaway")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"kind=putaway"))
    history = page.locator("#history tbody tr")
    expect(history.first).to_contain_text("putter")
    for row in history.all():
        expect(row).to_contain_text("Putaway")
    fits_the_desktop(page)
    screenshot(page, "trace-bin-history")

    # The other lot, found by typing its GS1 label's printed line.
    page.goto(f"{live_server.url}{reverse('supervisor-trace')}")
    search = page.get_by_label("Lot code, GS1 label, SKU, barcode or bin")
    search.fill(f"(01){site.product.barcode.zfill(14)}(10)L-2407")
    search.press("Enter")
    expect(page.get_by_role("heading", name="Lot L-2407")).to_be_visible()

    # Its label: previewed on the labels page, printed as an A4 sheet.
    page.get_by_role("link", name="Print label").click()
    expect(page.get_by_role("heading", name="Labels")).to_be_visible()
    expect(page.locator("table")).to_contain_text("GS1-128")
    expect(page.locator("table")).to_contain_text("(10)L-2407")
    page.get_by_label("Size").select_option(value="a4")
    page.get_by_role("button", name="Preview").click()
    expect(page).to_have_url(re.compile(r"size=a4"))
    fits_the_desktop(page)
    screenshot(page, "labels-preview")
    printed = page.context.request.get(
        page.url.replace(reverse("supervisor-labels"), reverse("supervisor-labels-print"))
    )
    assert printed.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(printed.body()))
    assert len(reader.pages) == 1
    assert "(10)L-2407" in reader.pages[0].extract_text()
