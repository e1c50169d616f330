"""The authentication backend the pages use: ModelBackend, reading the signed-in user, their
roles, permissions and warehouses in one statement (inventory.selectors.access).

Only where the user comes from changes: ``get_user`` fills ModelBackend's own permission caches
from that statement, so ``has_perm`` asks nothing more, and the role and warehouse helpers
(wms.roles, the page shell) read the rest. A deactivated user is refused as before; access is
read fresh on every request, never kept between them.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from inventory.selectors.access import user_with_access_get


def access_caches_fill(user: Any) -> Any:
    """Give a user read by ``user_with_access_get`` ModelBackend's permission caches."""
    if not user.is_superuser:  # a superuser's has_perm never looks at the caches
        user._user_perm_cache = set(user.wms_user_perms)
        user._group_perm_cache = set(user.wms_group_perms)
        user._perm_cache = user._user_perm_cache | user._group_perm_cache
    return user


class AccessBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = user_with_access_get(user_id=user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return access_caches_fill(user)
