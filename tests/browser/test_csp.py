"""The content security policy in headless Chromium: every role's main pages, htmx swaps
included, run without a single violation ("Refused to ..." in the console)."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import DESKTOP, PHONE
from tests.warehouse.views.scenario import site_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser reports a blocked script, style, image or frame in the console; the event adds
# what was blocked, for a readable failure.
REPORT_VIOLATIONS = """
window.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class Violations:
    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[str] = []
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Refused to" in text or "CSP violation" in text or "Content Security Policy" in text:
            self.seen.append(f"{message.page.url if message.page else '?'}: {text}")

    def assert_none(self) -> None:
        assert self.seen == [], "\n".join(self.seen)


def _signed_in(browser, live_server, username: str, device: dict) -> tuple[Page, Violations]:
    context = browser.new_context(**device)
    violations = Violations(context)  # from the login page on
    page = context.new_page()
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, violations


def _visit(page: Page, live_server, path: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    assert "content-security-policy" in response.headers, path
    page.wait_for_load_state("networkidle")


def test_the_watch_sees_a_violation(browser, live_server):
    # The other tests pass by seeing nothing; this one shows the watch would see something.
    context = browser.new_context(**DESKTOP)
    violations = Violations(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.head.append(script);
          document.body.setAttribute("onclick", "window.clicked = true");
          document.body.click();
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected === undefined && window.clicked === undefined")
    assert any("script" in seen for seen in violations.seen), violations.seen
    context.close()


def test_floor_pages_on_a_phone(browser, live_server, floor_user):
    site = site_build()
    page, violations = _signed_in(browser, live_server, "floor", PHONE)
    expect(page).to_have_url(re.compile(r"/floor/$"))

    page.fill("#scan-code", "P-01-02")  # an htmx swap
    page.keyboard.press("Enter")
    expect(page.locator("#scan-result")).to_contain_text("MAIN-MILK-1L")
    page.get_by_role("button", name="Claim next task").click()
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{site.putaway.pk}/$"))
    page.wait_for_load_state("networkidle")
    for path in ("/floor/receiving/", "/floor/packing/"):
        _visit(page, live_server, path)

    violations.assert_none()


def test_supervisor_pages_on_a_desktop(browser, live_server, supervisor):
    site_build()
    page, violations = _signed_in(browser, live_server, "sup", DESKTOP)
    expect(page).to_have_url(re.compile(r"/supervisor/dashboard/$"))
    page.wait_for_load_state("networkidle")

    for path in (
        "/supervisor/map/",
        "/supervisor/tasks/",
        "/supervisor/orders/",
        "/supervisor/counts/",
        "/supervisor/audit/",
    ):
        _visit(page, live_server, path)
    _visit(page, live_server, "/supervisor/")
    page.get_by_role("searchbox", name="Search").fill("bolt")  # an htmx swap with bars
    expect(page.locator("#stock-results tbody tr")).to_have_count(2)

    violations.assert_none()


def test_purchaser_pages_on_a_desktop(browser, live_server, purchaser):
    site_build()
    page, violations = _signed_in(browser, live_server, "buyer", DESKTOP)
    expect(page).to_have_url(re.compile(r"/purchasing/$"))

    for path in ("/purchasing/suggestions/", "/purchasing/orders/"):
        _visit(page, live_server, path)

    violations.assert_none()


def _set_visibility(page: Page, state: str) -> None:
    """As when the tab goes to the background and back (headless tabs never do by themselves)."""
    page.evaluate(
        """(state) => {
          const property = {configurable: true, get: () => state};
          Object.defineProperty(document, "visibilityState", property);
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_the_dashboard_poll_waits_while_the_tab_is_hidden(browser, live_server, supervisor):
    # The visibility check moved from an htmx trigger filter (eval) to static/js/app.js.
    site_build()
    page, violations = _signed_in(browser, live_server, "sup", DESKTOP)
    expect(page).to_have_url(re.compile(r"/supervisor/dashboard/$"))
    polls: list[str] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url)
            if request.headers.get("hx-request") and "/supervisor/dashboard/" in request.url
            else None
        ),
    )
    _set_visibility(page, "hidden")
    page.wait_for_timeout(6_500)  # more than one 5 s period
    assert polls == []

    with page.expect_request(lambda request: "/supervisor/dashboard/" in request.url):
        _set_visibility(page, "visible")
    violations.assert_none()
