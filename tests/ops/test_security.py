"""Login lockout, the content security policy and session lifetimes (wms/security.py)."""

import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client

from tests.ops.helpers import run
from tests.ops.test_production import MANAGE, production_env

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


def _fresh_address() -> Client:
    # The API's rate limit counts per address in Redis, which outlives the test database: a
    # fresh address per test keeps the tests independent.
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.2")


def _sign_in(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _fail(client: Client, username: str, times: int, **extra):
    for _ in range(times):
        response = _sign_in(client, username, "wrong", **extra)
        assert response.status_code == 200  # the form again, with its error
        assert "correct username and password" in response.content.decode()


def test_the_fifth_failure_locks_the_login_page_with_a_clear_message(client, supervisor):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, "sup", 4)

    locked = _sign_in(client, "sup", "wrong")

    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    page = locked.content.decode()
    assert 'role="alert"' in page
    assert "Too many failed sign-ins for this user from this device. Try again in 15 minutes." in (
        page
    )
    assert 'value="sup"' in page  # the username stays in the field
    # Even the right password is refused while locked, and nobody is signed in.
    again = _sign_in(client, "sup", "pw")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, supervisor):
    _fail(client, "sup", 4)
    assert _sign_in(client, "sup", "pw").status_code == 302
    client.logout()

    _fail(client, "sup", 4)  # four more: no lock, the count started again

    assert _sign_in(client, "sup", "pw").status_code == 302


def test_a_lock_touches_only_that_user_at_that_address(supervisor, floor_user):
    desk = Client(REMOTE_ADDR="10.0.0.5")
    _fail(desk, "sup", 5 - 1)
    assert _sign_in(desk, "sup", "wrong").status_code == 429

    # Another user at the same address signs in...
    assert _sign_in(desk, "floor", "pw").status_code == 302
    # ...and the same user from another device too.
    assert _sign_in(Client(REMOTE_ADDR="10.0.0.6"), "sup", "pw").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, supervisor):
    _fail(client, "sup", 4)
    assert _sign_in(client, "sup", "wrong").status_code == 429

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert _sign_in(client, "sup", "pw").status_code == 429  # 14 of 15 minutes: still locked

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert _sign_in(client, "sup", "pw").status_code == 302


def test_a_short_cool_off_from_settings_is_honoured(client, supervisor, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    _fail(client, "sup", 4)
    locked = _sign_in(client, "sup", "wrong")
    assert locked.status_code == 429
    assert "Try again in 1 minute." in locked.content.decode()

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=61))

    assert _sign_in(client, "sup", "pw").status_code == 302


def test_the_api_token_endpoint_locks_with_a_json_code(supervisor):
    client = _fresh_address()
    for _ in range(4):
        response = client.post(TOKEN, {"username": "sup", "password": "wrong"})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_credentials"

    locked = client.post(TOKEN, {"username": "sup", "password": "wrong"})

    assert locked.status_code == 429
    assert locked.json() == {
        "code": "locked_out",
        "detail": "Too many failed sign-ins for this user from this device. "
        "Try again in 15 minutes.",
    }
    assert locked["Retry-After"] == "900"
    right = client.post(TOKEN, {"username": "sup", "password": "pw"})
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    # Page and API count together: the login page is locked for the pair as well.
    assert _sign_in(client, "sup", "pw").status_code == 429


def test_api_failures_for_an_unknown_user_lock_that_name_only(supervisor):
    client = _fresh_address()
    for _ in range(5):
        client.post(TOKEN, {"username": "nobody", "password": "x"})
    assert client.post(TOKEN, {"username": "nobody", "password": "x"}).status_code == 429
    assert client.post(TOKEN, {"username": "sup", "password": "pw"}).status_code == 200


# --- content security policy ----------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_the_content_security_policy(client, supervisor):
    policy = _policy(client.get(LOGIN))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]

    client.force_login(supervisor)
    assert "Content-Security-Policy" in client.get("/supervisor/dashboard/")
    assert "Content-Security-Policy" in client.get("/no-such-page/")  # the 404 page too


def test_json_carries_no_policy_and_the_api_docs_do(client, supervisor):
    client.force_login(supervisor)
    api = client.get("/api/v1/warehouses/")
    assert api.status_code == 200
    assert "Content-Security-Policy" not in api
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "script-src 'self'" in docs["Content-Security-Policy"]  # Swagger UI is ours now


# --- sessions -------------------------------------------------------------------------------


def test_a_floor_session_ends_with_the_browser(client, floor_user):
    assert _sign_in(client, "floor", "pw").status_code == 302

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # The server side still forgets it after a shift.
    assert client.session.get_expiry_age() == 8 * 3600
    assert client.get("/floor/").status_code in {200, 302}
    assert client.session.get_expire_at_browser_close()


def test_a_supervisor_session_lasts_one_shift(client, supervisor):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert _sign_in(client, "sup", "pw").status_code == 302

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 8 * 3600
    assert not client.session.get_expire_at_browser_close()


def test_a_new_sign_in_on_a_handheld_decides_again(client, supervisor, floor_user):
    # One browser, two people: the floor user's sign-in does not inherit the supervisor's.
    assert _sign_in(client, "sup", "pw").status_code == 302
    client.post("/accounts/logout/")
    assert _sign_in(client, "floor", "pw").status_code == 302
    assert client.session.get_expire_at_browser_close()


def test_an_api_call_with_a_token_gets_no_session(supervisor):
    client = _fresh_address()
    token = client.post(TOKEN, {"username": "sup", "password": "pw"}).json()["token"]

    response = client.get("/api/v1/warehouses/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_production_cookies_are_secure_and_short():
    shown = run(
        [
            *MANAGE,
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
            "s.CSRF_COOKIE_SAMESITE, s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, "
            "'wms.security.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE)",
        ],
        production_env(),
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["True", "True", "True", "Lax", "Lax", "28800", "5", "True"]


def test_behind_no_proxy_a_forged_forwarded_for_changes_nothing(supervisor, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    handheld = Client(REMOTE_ADDR="10.1.0.9")
    for forged in range(4):  # a new forged address each try does not start a new count
        _fail(handheld, "sup", 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{forged}")

    locked = _sign_in(handheld, "sup", "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "10.1.0.9"


def test_behind_a_trusted_proxy_each_client_has_its_own_lock(supervisor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.1.0.1")  # every request arrives from the proxy
    # The client forged an entry; the proxy appended the address it really saw.
    _fail(proxy, "sup", 5 - 1, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.10")
    assert (
        _sign_in(proxy, "sup", "wrong", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.10").status_code
        == 429
    )

    # Another handheld behind the same proxy is not locked out with it.
    other = _sign_in(proxy, "sup", "pw", HTTP_X_FORWARDED_FOR="203.0.113.11")
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.10"


def test_the_api_throttle_counts_by_the_same_address(settings):
    from rest_framework.settings import api_settings
    from rest_framework.test import APIRequestFactory
    from rest_framework.throttling import BaseThrottle

    assert api_settings.NUM_PROXIES == settings.TRUSTED_PROXY_COUNT == 0
    request = APIRequestFactory().post(
        TOKEN, REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )

    assert BaseThrottle().get_ident(request) == "10.1.0.1"
