"""Who may call what: Django model permissions (view included) and single named permissions.

The role groups and the permissions each holds are in ``wms.roles.ROLE_PERMISSIONS``. Which
warehouses a user may see or change is a separate question, answered by the scope
(``inventory.selectors.warehouses_for_user``) in the views and ``wms.api.fields``.
"""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django's model permissions, with reads needing ``view_<model>`` as well.

    The model comes from the view's ``queryset`` attribute, never from ``get_queryset()``, so
    checking a permission runs no query of the view's own.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in view.allowed_methods:
            return True  # the view answers 405, which says more than a 403 would
        return super().has_permission(request, view)

    def _queryset(self, view: Any) -> Any:
        assert getattr(view, "queryset", None) is not None, (
            f"{view.__class__.__name__} needs a `queryset` attribute naming its model."
        )
        return view.queryset


class RequiresPermission(permissions.BasePermission):
    """One named permission ("app_label.codename") for an action that is not plain CRUD."""

    permission = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.permission))


class CanWorkTasks(RequiresPermission):
    """Floor staff and supervisors: claim and complete their own tasks."""

    permission = "warehouse.work_task"


class CanAdjustStock(RequiresPermission):
    """Supervisors: set a bin's stock to what was counted."""

    permission = "warehouse.adjust_stock"
