"""Domain errors: services raise these instead of returning False.

Each carries a machine-readable ``code`` (the API's error code), a human message for the
handheld, and optionally the input field it is about.
"""

from typing import Any


class DomainError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The object is not in a state that allows this change (409)."""

    code = "conflict"
    http_status = 409


class InsufficientStock(DomainError):
    code = "insufficient_stock"


class OverCapacity(DomainError):
    code = "over_capacity"


class LocationBlocked(DomainError):
    code = "location_blocked"


class WrongLocation(DomainError):
    code = "wrong_location"


class WrongProduct(DomainError):
    code = "wrong_product"


class WrongLot(DomainError):
    code = "wrong_lot"


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class NotAllowed(DomainError):
    code = "permission_denied"
    http_status = 403


class OverReceipt(DomainError):
    code = "over_receipt"


class NotOnOrder(DomainError):
    code = "not_on_order"


class Expired(DomainError):
    code = "expired"


class NothingToRelease(Conflict):
    code = "nothing_to_release"
