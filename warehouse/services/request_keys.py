"""Request keys: a form (or request) that creates a document carries a key, stored on the row it
creates in a unique column, so that a repeat of the same submission (a double tap, a resent
form, a retry after a lost answer) finds the first row instead of making a twin.

The key lives in the database, in the same transaction as the row: unlike a claim in the cache
it survives a Redis restart or eviction, and it exists exactly when the row does (a failed call
leaves the key free for a retry). Callers look the key up under their document locks first;
the unique column is the backstop for twins that no lock serialises.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

from inventory.errors import Conflict, DomainError

M = TypeVar("M", bound=models.Model)
MAX_LENGTH = 64  # the request_key columns of Receipt, Package and Wave


def request_key_find(model: type[M], *, request_key: str | None) -> M | None:
    """The row of ``model`` a call with this key made, or None (always None without a key).

    Raises DomainError for a key longer than the column holds."""
    if not request_key:
        return None
    if len(request_key) > MAX_LENGTH:
        raise DomainError(
            f"A request key has at most {MAX_LENGTH} characters, not {len(request_key)}.",
            field="key",
        )
    return model._default_manager.filter(request_key=request_key).first()


def request_key_insert(
    model: type[M], *, request_key: str | None, create: Callable[[], M]
) -> tuple[M, bool]:
    """``create()`` the row (which must store ``request_key``); ``(row, True)``.

    When a concurrent call with the same key committed its row first, the insert fails on the
    unique column (inside a savepoint, so the caller's transaction goes on) and that row is
    returned instead: ``(twin, False)``. Any other integrity error is raised. Caller is in a
    transaction.
    """
    if not request_key:
        return create(), True
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        twin = request_key_find(model, request_key=request_key)
        if twin is None:
            raise
        return twin, False


def request_key_repeat(row: M, *, what: str, **expected: Any) -> M:
    """The row a first call with the same key made, once it is clear that the repeat asks for
    the same thing (the ``expected`` attribute values); a key reused for something else raises
    Conflict and changes nothing."""
    if any(getattr(row, name) != value for name, value in expected.items()):
        raise Conflict(
            f"This form was already used for {what}; reload the page and try again.",
            field="key",
        )
    return row
