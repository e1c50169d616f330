from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WarehouseConfig(AppConfig):
    name = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        from wms.roles import roles_sync

        # Setup, not business flow: like Django's own permissions, groups follow the code.
        post_migrate.connect(roles_sync, sender=self, dispatch_uid="wms-roles-sync")
