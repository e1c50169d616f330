"""The ``Idempotency-Key`` header of POST endpoints: the same key and body give one result.

Two layers, because either alone falls short:

- The response of the first successful request is kept in the cache (Redis) for a day under
  (user, key), with a fingerprint of method, path and body. A repeat gets the stored answer
  (same status, same body, header ``Idempotent-Replayed: true``); the same key with another
  body is refused (400, ``idempotency_key_reused``); a repeat while the first is still running
  gets 409 (``idempotency_key_in_progress``).
- The view passes ``service_key(request)`` (derived from user id and key) to its service, which
  de-duplicates in the database (unique ledger keys). That holds even when the cache lost the
  entry or was unreachable.

Failed requests (4xx/5xx) are not stored: the client may correct the body and retry with the
same key.

Use::

    @idempotent
    def create(self, request):
        ...
        stock_adjust(..., idempotency_key=service_key(request))
"""

import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_LENGTH = 100
REPLAY_SECONDS = 24 * 60 * 60
# Longer than any request should take; a crashed worker's marker expires on its own.
IN_PROGRESS_SECONDS = 120

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {MAX_LENGTH} visible ASCII characters, unique per intended change (a UUID). "
        "Repeating the request with the same key and body returns the first result and "
        "changes nothing again (header `Idempotent-Replayed: true`); the same key with another "
        "body is refused with 400 `idempotency_key_reused`."
    ),
)


class KeyInProgress(exceptions.APIException):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed; retry soon."
    default_code = "idempotency_key_in_progress"


def _header_error(message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({HEADER: [ErrorDetail(message, code=code)]})


def request_key(request: Request) -> str | None:
    """The request's Idempotency-Key, checked; None when the header is absent."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise _header_error("The Idempotency-Key header is empty.", "blank")
    if len(value) > MAX_LENGTH:
        raise _header_error(
            f"The Idempotency-Key may have at most {MAX_LENGTH} characters.", "max_length"
        )
    if not all("!" <= char <= "~" for char in value):
        raise _header_error(
            "The Idempotency-Key may contain visible ASCII characters only.", "invalid"
        )
    return value


def service_key(request: Request) -> str | None:
    """The key to hand to a service: unique per user, so two clients' keys never collide."""
    value = request_key(request)
    return f"api:{request.user.pk}:{value}" if value else None


def fingerprint(*, method: str, path: str, data: Any) -> str:
    """What makes two requests "the same": method, path and body (key order ignored)."""
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def cache_key(*, user_id: int, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"wms:api:idempotency:{user_id}:{digest}"


def _cache_call(method: Callable[..., Any], *args: Any, default: Any = None) -> Any:
    """Cache access that degrades to the services' own de-duplication if Redis is down."""
    try:
        return method(*args)
    except Exception:  # noqa: BLE001 - any cache failure: carry on without replay storage
        logger.warning("idempotency cache unavailable", exc_info=True)
        return default


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a POST handler ``(self, request, *args, **kwargs)`` with Idempotency-Key replay."""

    @wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        value = request_key(request)
        if value is None:
            return view_method(self, request, *args, **kwargs)
        # Reading request.data parses the body: malformed JSON fails here, before any caching.
        this = fingerprint(method=request.method, path=request.path, data=request.data)
        key = cache_key(user_id=request.user.pk, value=value)
        pending = {"fingerprint": this, "done": False}
        if not _cache_call(cache.add, key, pending, IN_PROGRESS_SECONDS, default=True):
            stored = _cache_call(cache.get, key)
            if stored is not None:
                return _replay(stored, this)
            # The entry expired between add() and get(): treat the request as new.
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            _cache_call(cache.delete, key)
            raise
        if 200 <= response.status_code < 300:
            stored = {
                "fingerprint": this,
                "done": True,
                "status": response.status_code,
                # Plain JSON, so the replay is byte-for-byte what the client got the first time.
                "data": json.loads(json.dumps(response.data, cls=JSONEncoder)),
            }
            _cache_call(cache.set, key, stored, REPLAY_SECONDS)
        else:
            _cache_call(cache.delete, key)
        return response

    return wrapper


def _replay(stored: dict[str, Any], this: str) -> Response:
    if stored["fingerprint"] != this:
        raise _header_error(
            "This Idempotency-Key was already used for a different request.",
            "idempotency_key_reused",
        )
    if not stored["done"]:
        raise KeyInProgress()
    return Response(
        stored["data"], status=stored["status"], headers={"Idempotent-Replayed": "true"}
    )
