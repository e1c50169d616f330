"""Factories for the inventory app; they create through the services, as the product does."""

import factory

from inventory.barcodes import gtin_check_digit
from inventory.models import Product, Supplier, Warehouse
from inventory.services.catalog import product_create, supplier_create


def ean13(n: int) -> str:
    body = f"200{n:09d}"  # GS1 prefix 20-29: for use inside one company
    return body + str(gtin_check_digit(body))


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from warehouse.services.layout import warehouse_setup

        return warehouse_setup(**kwargs)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    barcode = factory.Sequence(ean13)
    unit_cost = "2.50"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return product_create(**kwargs)


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"SUP{n}")
    name = factory.Sequence(lambda n: f"Supplier {n}")
    lead_time_days = 5

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return supplier_create(**kwargs)
