"""The API docs page (/api/docs/) in headless Chromium: Swagger UI from our own static files
(drf-spectacular-sidecar), under the same content security policy as every page, with no
request to any other host and no violation."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_csp import Violations
from tests.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_load_from_our_own_files_under_the_policy(browser, live_server, supervisor):
    context = browser.new_context(**DESKTOP)
    violations = Violations(context)
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "sup")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    response = page.goto(f"{live_server.url}/api/docs/")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    page.wait_for_load_state("networkidle")

    # Swagger UI ran (its script and the start-up script are files) and read our schema.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("WMS API")
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 50
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/tasks/claim/")).to_be_visible()
    # Its stylesheet applied: the operations' method badges are styled blocks.
    badge = page.locator(".opblock-summary-method").first
    assert badge.evaluate("element => getComputedStyle(element).display") != "inline"

    assert hosts == {urlsplit(live_server.url).netloc}, hosts
    violations.assert_none()
    context.close()
