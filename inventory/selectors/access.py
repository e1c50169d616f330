"""Who is asking, read once a request: the user with their roles, permissions and warehouses.

Every signed-in page needs the user, their groups (the role), their permissions (the page's
check and the header's links) and the warehouses they may see (the switcher and the scope of
every selector). Read one by one that is six statements before the page's own work; here it is
one. Nothing is cached across requests: a user deactivated, taken out of a group or removed
from a warehouse loses the access with their next request.
"""

import functools
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, JSONObject

from inventory.models import UserScope, Warehouse

# The Warehouse fields the preloaded rows carry; the others stay deferred (loaded if read).
WAREHOUSE_FIELDS = ("id", "code", "name", "is_active")


def _permission_names(permissions: QuerySet[Permission]) -> ArraySubquery:
    return ArraySubquery(
        permissions.annotate(
            full_name=Concat(F("content_type__app_label"), Value("."), F("codename"))
        )
        .order_by()
        .values("full_name")
    )


def _warehouses_allowed() -> QuerySet[Warehouse]:
    """Active warehouses the outer user may see (warehouses_for_user's rule, as a subquery)."""
    user = OuterRef(OuterRef("pk"))
    everywhere = UserScope.objects.filter(user_id=user, all_warehouses=True)
    assigned = UserScope.warehouses.through.objects.filter(
        userscope__user_id=user, warehouse_id=OuterRef("pk")
    )
    superuser = get_user_model().objects.filter(pk=user, is_superuser=True)
    return Warehouse.objects.filter(is_active=True).filter(
        Q(Exists(superuser)) | Q(Exists(everywhere)) | Q(Exists(assigned))
    )


def _users_with_access(users: QuerySet) -> QuerySet:
    me = OuterRef("pk")
    scope = UserScope.objects.filter(user_id=me)
    return users.annotate(
        wms_group_names=ArraySubquery(
            Group.objects.filter(user=me).order_by("name").values("name")
        ),
        wms_group_perms=_permission_names(Permission.objects.filter(group__user=me)),
        wms_user_perms=_permission_names(Permission.objects.filter(user=me)),
        wms_warehouses=ArraySubquery(
            _warehouses_allowed()
            .order_by("code")
            .values(row=JSONObject(**{name: name for name in WAREHOUSE_FIELDS}))
        ),
        wms_default_warehouse_id=Subquery(scope.values("default_warehouse_id")[:1]),
    )


# Stands in for the pk or token key while the statement is compiled, then is swapped for it.
_SENTINELS = {"pk": -1_999_999_989, "auth_token__key": "wms-access-sentinel-6f1c"}


@functools.cache
def _access_sql(lookup: str) -> tuple[str, tuple[Any, ...], int]:
    """The statement, compiled once per process: building and compiling this query through
    the ORM cost more CPU than everything else a handheld's API call does (profiled: ~3 ms of
    Python a request). Its text depends only on the lookup; the value is a parameter."""
    users = get_user_model()._default_manager.filter(**{lookup: _SENTINELS[lookup]})
    sql, params = _users_with_access(users).query.sql_with_params()
    return sql + " LIMIT 1", tuple(params), params.index(_SENTINELS[lookup])


def user_with_access_get(*, user_id: Any = None, token_key: str | None = None) -> Any:
    """The user by pk (a session) or by API token key, or None, with ``wms_*`` attributes the
    access helpers read instead of querying: group names, group and own permissions
    ("app_label.codename"), the warehouses they may see (id, code, name, in code order) and
    their default warehouse's id."""
    lookup, value = ("auth_token__key", token_key) if token_key is not None else ("pk", user_id)
    try:
        value = get_user_model()._meta.pk.to_python(value) if lookup == "pk" else str(value)
    except ValidationError:
        return None  # a session naming no valid user id
    sql, params, at = _access_sql(lookup)
    params = (*params[:at], value, *params[at + 1 :])
    user = next(iter(get_user_model()._default_manager.raw(sql, params)), None)
    if user is not None:
        # Raw rows skip the annotations' converters: the rows arrive as JSON text.
        user.wms_warehouses = [
            json.loads(row) if isinstance(row, str) else row for row in user.wms_warehouses
        ]
    return user


def preloaded_warehouses(user: Any) -> list[Warehouse] | None:
    """The user's warehouses as read with the user (None when the user was not read that
    way: the caller then asks the database)."""
    rows = getattr(user, "wms_warehouses", None)
    if rows is None:
        return None
    cached = getattr(user, "_wms_warehouse_objects", None)
    if cached is None:
        cached = [
            Warehouse.from_db("default", list(WAREHOUSE_FIELDS), [row[f] for f in WAREHOUSE_FIELDS])
            for row in rows
        ]
        user._wms_warehouse_objects = cached
    return cached
