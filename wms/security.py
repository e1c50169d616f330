"""Security plumbing around Django: login lockout (django-axes), the content security policy and
session lifetimes for shared handhelds. Settings in wms/settings.py, "Security" block."""

from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from wms.roles import FLOOR, user_roles

# --- Login lockout --------------------------------------------------------------------------


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses a username+address that is locked out; checks nothing else.

    Every network login (the login page, the admin, the API token) passes the request and is
    watched. authenticate() without a request comes from inside the process (the test client,
    a shell), where there is nobody to throttle: axes would raise, we let the next backend
    decide instead.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for the login lockout (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies, REMOTE_ADDR is the nearest proxy and every client would
    share one lock; each proxy appends the address it saw to X-Forwarded-For, so the client is
    that many entries from the right. Entries further left were written by the client itself and
    are never believed. DRF's throttles count the same way (NUM_PROXIES).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    return forwarded[-min(hops, len(forwarded))]


def _minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out login gets: JSON `locked_out` from the API, the login page otherwise.

    429 either way, with Retry-After, so scripts back off and people are told how long.
    """
    minutes = _minutes(request)
    unit = "minute" if minutes == 1 else "minutes"
    wait = f"Try again in {minutes} {unit}" if minutes else "Ask an administrator to unlock it"
    message = f"Too many failed sign-ins for this user from this device. {wait}."
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": "locked_out", "detail": message}, status=429)
    else:
        form = AuthenticationForm(request)
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form.initial["username"] = username
        context = {
            "form": form,
            "lockout_message": message,
            "next": request.POST.get(REDIRECT_FIELD_NAME, ""),
        }
        response = render(request, "registration/login.html", context, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


# --- Content security policy ----------------------------------------------------------------


def csp_header_value(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sends WMS_CONTENT_SECURITY_POLICY on every HTML page.

    Pages only: a policy guards documents that run scripts; JSON, PDFs and CSV gain nothing
    from it (and a policy on a PDF can upset the browser's viewer). A response that set its
    own header keeps it. Paths in WMS_CSP_EXEMPT_PATHS get none (empty: the API docs page
    serves Swagger UI from our static files and its start-up script as a file, so it passes).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = csp_header_value(settings.WMS_CONTENT_SECURITY_POLICY)
        self.exempt = tuple(settings.WMS_CSP_EXEMPT_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and "Content-Security-Policy" not in response
            and not request.path.startswith(self.exempt)
        ):
            response["Content-Security-Policy"] = self.header
        return response


# --- Sessions on shared handhelds -----------------------------------------------------------


class SessionExpiryMiddleware:
    """A floor user's session ends when the browser closes.

    Handhelds pass from hand to hand between shifts: a cookie that outlives the browser would
    hand the next person the last one's login. Other roles keep SESSION_COOKIE_AGE on their
    own desk. The server forgets every session after SESSION_COOKIE_AGE regardless. Decided
    once per login (login() starts a new session, so the mark goes with it).
    """

    MARK = "_wms_expiry_set"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # After the view: a login in this very request is seen at once. Only sessions that carry
        # a login: a token-authenticated API call must not get a session of its own.
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and session.get(SESSION_KEY)
            and not session.get(self.MARK)
        ):
            if settings.WMS_FLOOR_SESSION_ENDS_WITH_BROWSER and FLOOR in user_roles(user):
                session.set_expiry(0)
            session[self.MARK] = True
        return response
