"""API token authentication reading the caller with their access in one statement.

DRF's TokenAuthentication reads the token and its user; the permission check then reads the
user's and the groups' permissions, and the warehouse scope its own rows: four statements before
the endpoint's work, on every call a handheld makes. This reads the same in one (ADR 0008, as
the pages' session backend does), fresh on every request: a token deleted, a user deactivated
or taken out of a group or warehouse loses the access with the next call.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from inventory.selectors.access import user_with_access_get
from wms.access import access_caches_fill


class AccessTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user = user_with_access_get(token_key=key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return access_caches_fill(user), Token(key=key, user=user)
