"""The page shell every signed-in page shares: current warehouse, role, navigation.

Every role page is wrapped by ``role_page(permission)``: sign-in required (htmx requests with
an expired session are sent to the login page as a whole, never swapped into a fragment), the
permission checked (403 otherwise), and ``request.shell`` set for the header and the view.
The current warehouse lives in the session; the user may only ever get one they may see.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from inventory.models import Warehouse
from inventory.selectors import warehouse_default_for_user, warehouses_for_user
from inventory.selectors.access import preloaded_warehouses
from wms.roles import FLOOR, PURCHASER, SUPERVISOR, user_roles

SESSION_WAREHOUSE = "wms_warehouse_id"

ROLE_LABELS = {SUPERVISOR: "Supervisor", FLOOR: "Floor", PURCHASER: "Purchaser"}

# (label, url name, permission): the role pages, shown in the header to users who may open
# more than one of them (a supervisor may look at the floor screen and at purchasing).
NAV_ITEMS = (
    ("Floor", "floor-home", "warehouse.work_task"),
    ("Receiving", "floor-receiving", "warehouse.receive_goods"),
    ("Stock", "supervisor-home", "warehouse.control_task"),
    ("Quarantine", "supervisor-quarantine", "warehouse.adjust_stock"),
    ("Purchasing", "purchaser-home", "inventory.view_stocklevel"),
    # After the others so the older items keep their places; the desk page for those who
    # release waves, the packing bench for those who ship.
    ("Orders", "supervisor-orders", "warehouse.release_wave"),
    ("Packing", "floor-packing", "warehouse.ship_order"),
    ("Counts", "supervisor-counts", "warehouse.adjust_stock"),  # cycle counts (issue 6)
    ("Dashboard", "supervisor-dashboard", "warehouse.control_task"),  # supervisor dashboard
    ("Data", "supervisor-data", "inventory.view_stocklevel"),  # CSV imports and exports
    ("Trace", "supervisor-trace", "warehouse.control_task"),  # traceability and labels
    ("Tasks", "supervisor-tasks", "warehouse.control_task"),  # the task board (issue 6)
    ("Labels", "supervisor-labels", "warehouse.control_task"),
    ("Map", "supervisor-map", "warehouse.control_task"),
    ("Audit trail", "supervisor-audit", "inventory.view_auditevent"),
)


# Supervisors may open a dozen pages: past this many links, related pages share a menu so the
# header fits a 1366 px screen. Floor staff and purchasers keep their few links flat.
FLAT_NAV_MAX = 6
NAV_MENUS = {
    "Stock": (
        "supervisor-home",
        "supervisor-map",
        "supervisor-quarantine",
        "supervisor-counts",
        "supervisor-trace",
        "supervisor-labels",
    ),
    "Floor": ("floor-home", "floor-receiving", "floor-packing"),
    "Data": ("supervisor-data", "supervisor-audit"),
}
# The grouped header's order: a url name (a plain link) or a menu's label.
DESK_ORDER = (
    "supervisor-dashboard",
    "supervisor-tasks",
    "supervisor-orders",
    "Stock",
    "Floor",
    "purchaser-home",
    "Data",
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    name: str = ""


@dataclass(frozen=True)
class NavEntry:
    """One place in the header: a link (one item) or a menu of links."""

    label: str
    items: list[NavItem]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)


def nav_entries(nav: list[NavItem]) -> list[NavEntry]:
    """The header's entries: every item flat when they are few, else grouped by NAV_MENUS in
    DESK_ORDER (items of no menu are links of their own; unknown ones go last)."""
    if len(nav) <= FLAT_NAV_MAX:
        return [NavEntry(label=item.label, items=[item]) for item in nav]
    menu_of = {name: label for label, names in NAV_MENUS.items() for name in names}
    entries: dict[str, list[NavItem]] = {}
    for item in nav:
        entries.setdefault(menu_of.get(item.name, item.name), []).append(item)
    rank = {key: index for index, key in enumerate(DESK_ORDER)}
    ordered = sorted(entries.items(), key=lambda pair: rank.get(pair[0], len(rank)))
    return [
        NavEntry(
            label=items[0].label if len(items) == 1 else key,
            items=sorted(items, key=lambda item: NAV_MENUS.get(key, ()).index(item.name))
            if key in NAV_MENUS
            else items,
        )
        for key, items in ordered
    ]


@dataclass(frozen=True)
class Shell:
    current: Warehouse | None
    choices: list[Warehouse]
    role_label: str
    nav: list[NavItem] = field(default_factory=list)

    @property
    def menu(self) -> list[NavEntry]:
        return nav_entries(self.nav)

    @property
    def scope(self) -> QuerySet[Warehouse]:
        """The current warehouse as the ``warehouses`` queryset selectors take (lazy: it
        becomes a subquery of the selector's own query, no extra round trip)."""
        if self.current is None:
            return Warehouse.objects.none()
        return Warehouse.objects.filter(pk=self.current.pk)

    @property
    def can_switch(self) -> bool:
        return len(self.choices) > 1


def warehouse_current(request: HttpRequest, choices: list[Warehouse]) -> Warehouse | None:
    """The warehouse chosen in this session if the user may still see it, else their default."""
    chosen_id = request.session.get(SESSION_WAREHOUSE)
    for warehouse in choices:
        if warehouse.pk == chosen_id:
            return warehouse
    default = _warehouse_default(request.user, choices) if choices else None
    if default is not None:
        request.session[SESSION_WAREHOUSE] = default.pk
    return default


def _warehouse_default(user: object, choices: list[Warehouse]) -> Warehouse | None:
    """The user's default warehouse if among ``choices``, else the first; from what was read
    with the user (wms.access) when it was, else from the database."""
    if getattr(user, "wms_warehouses", None) is None:
        return warehouse_default_for_user(user=user)  # type: ignore[arg-type]
    default_id = getattr(user, "wms_default_warehouse_id", None)
    return next((w for w in choices if w.pk == default_id), choices[0])


def shell_build(request: HttpRequest, *, url_name: str) -> Shell:
    user = request.user
    # The warehouses read with the user (wms.access) when they were: no statement of its own.
    preloaded = preloaded_warehouses(user)
    choices = preloaded if preloaded is not None else list(warehouses_for_user(user=user))
    roles = user_roles(user)
    role_label = next((ROLE_LABELS[role] for role in ROLE_LABELS if role in roles), "")
    allowed = [item for item in NAV_ITEMS if user.has_perm(item[2])]
    nav = [
        NavItem(label=label, url=reverse(name), active=name == url_name, name=name)
        for label, name, _perm in allowed
    ]
    return Shell(
        current=warehouse_current(request, choices),
        choices=choices,
        role_label=role_label,
        nav=nav if len(nav) > 1 else [],
    )


def role_page(
    permission: str, *, url_name: str = "", needs_warehouse: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a role's view: login, the permission, and ``request.shell``.

    ``url_name`` marks the active navigation item. With ``needs_warehouse`` a user who may see
    no warehouse gets a page saying so instead of an empty screen.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return _login_redirect(request)
            if not request.user.has_perm(permission):
                raise PermissionDenied
            request.shell = shell_build(request, url_name=url_name)  # type: ignore[attr-defined]
            if needs_warehouse and request.shell.current is None:  # type: ignore[attr-defined]
                return render(request, "no_warehouse.html", status=200)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def signed_in_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login only (pages every signed-in user may open, like the no-role page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return _login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def _login_redirect(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        # A fragment request cannot show the login page: send the whole tab there, and back to
        # the page it was on afterwards.
        current = request.htmx.current_url_abs_path or reverse("home")  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(redirect_to_login(current).url)
    return redirect_to_login(request.get_full_path())


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted
