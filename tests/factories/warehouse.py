"""Factories for the warehouse app, creating through the services."""

import factory

from tests.factories.inventory import WarehouseFactory
from warehouse.models import Location, Task
from warehouse.services.layout import location_create
from warehouse.services.tasks import task_create


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n // 20 + 1:02d}-{n % 20 + 1:02d}")
    kind = Location.Kind.STORAGE
    x = factory.Sequence(lambda n: float(n // 20) * 3)
    y = factory.Sequence(lambda n: float(n % 20))
    pick_sequence = factory.Sequence(lambda n: n)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return location_create(**kwargs)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    kind = Task.Kind.PUTAWAY
    quantity = 1

    @classmethod
    def _create(cls, model_class, *args, warehouse=None, **kwargs):
        warehouse = warehouse or WarehouseFactory()
        return task_create(warehouse_id=warehouse.pk, **kwargs)


def dock(warehouse) -> Location:
    return Location.objects.get(warehouse=warehouse, kind=Location.Kind.RECEIVING)
