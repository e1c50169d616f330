"""Fixtures for the REST API tests (imported by the conftest of each API test folder)."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from inventory.models import UserScope
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.services.intake import stock_receive
from warehouse.services.lots import lot_resolve
from wms.roles import SUPERVISOR


@pytest.fixture
def api():
    """``api(user)``: an API client authenticated as ``user`` (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def scoped_supervisor(db):
    """``scoped_supervisor(*warehouses)``: a supervisor who works in those warehouses only."""

    def make(*warehouses):
        user = get_user_model().objects.create_user(
            username=f"scoped-{uuid.uuid4().hex[:8]}", password="pw"
        )
        user.groups.add(Group.objects.get(name=SUPERVISOR))
        scope = UserScope.objects.create(user=user)
        scope.warehouses.set(warehouses)
        return user

    return make


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def bin_(warehouse):
    return LocationFactory(warehouse=warehouse)


@pytest.fixture
def receive():
    """``receive(location, product, quantity, lot=None, expiry=None)``: stock in, via the ledger."""

    def do(location, product, quantity, lot=None, expiry=None):
        lot_obj = lot_resolve(product=product, code=lot, expiry_date=expiry, create=True)
        return stock_receive(
            location=location,
            product_id=product.pk,
            quantity=quantity,
            lot_id=lot_obj.pk if lot_obj else None,
        )

    return do


def idempotency_key() -> str:
    """A fresh key: the replay cache lives in Redis, which outlives test databases."""
    return str(uuid.uuid4())


def error_code(response, field: str) -> str:
    """The code of the first error about ``field`` in an API error body."""
    return response.json()["fields"][field][0]["code"]
