"""The demo users of CONTRACT.md: one per role, plus a Django admin.

Users that exist are never touched: a password someone changed stays changed, and a scope a
supervisor narrowed stays narrow.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import transaction

from inventory.errors import DomainError
from inventory.models import UserScope
from wms.roles import FLOOR, PURCHASER, SUPERVISOR, roles_sync


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None
    first_name: str
    last_name: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("supervisor", SUPERVISOR, "Sandra", "Okafor"),
    DemoUser("floor1", FLOOR, "Felix", "Brandt"),
    DemoUser("floor2", FLOOR, "Fatima", "Haddad"),
    DemoUser("purchaser", PURCHASER, "Paul", "Lindqvist"),
    DemoUser("admin", None, "Ada", "Admin", superuser=True),
)


@dataclass(frozen=True)
class UsersResult:
    created: list[str]
    kept: list[str]
    ids: dict[str, int]


def demo_users_ensure() -> UsersResult:
    """Make the role groups current, then create whichever demo user is missing."""
    password = settings.WMS_DEMO_PASSWORD
    if not password:
        raise DomainError(
            "WMS_DEMO_PASSWORD is empty; set a password for the demo users.",
            field="WMS_DEMO_PASSWORD",
        )
    roles_sync()
    User = get_user_model()
    existing = {
        u.username: u.pk for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])
    }
    created = []
    for demo in DEMO_USERS:
        if demo.username not in existing:
            existing[demo.username] = _user_create(demo, password).pk
            created.append(demo.username)
    kept = [d.username for d in DEMO_USERS if d.username not in created]
    return UsersResult(created=created, kept=kept, ids=existing)


@transaction.atomic(durable=True)
def _user_create(demo: DemoUser, password: str) -> AbstractBaseUser:
    User = get_user_model()
    user = User.objects.create_user(
        username=demo.username,
        password=password,
        email=f"{demo.username}@demo.example",
        first_name=demo.first_name,
        last_name=demo.last_name,
        is_staff=demo.superuser,
        is_superuser=demo.superuser,
    )
    if demo.role:
        user.groups.add(Group.objects.get(name=demo.role))
    # Scopes have no service of their own yet; the demo users work in every warehouse.
    UserScope.objects.create(user=user, all_warehouses=True)
    return user


def demo_users_default_warehouse(*, user_ids: list[int], warehouse_id: int) -> int:
    """Open the demo users' screens on the main site (unless they chose another)."""
    return UserScope.objects.filter(user_id__in=user_ids, default_warehouse__isnull=True).update(
        default_warehouse_id=warehouse_id
    )
