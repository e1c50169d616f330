"""API token authentication reads the caller with their access in one statement
(wms/api/authentication.py), and trusts nothing from an earlier call."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import UserScope
from tests.factories.inventory import WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return WarehouseFactory(code="TOK")


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_token_call_reads_the_caller_and_their_access_in_one_statement(
    site, supervisor, django_assert_num_queries
):
    client = _client(supervisor)

    # the caller (token, user, roles, permissions, warehouses) + the page of warehouses + count
    with django_assert_num_queries(3):
        response = client.get("/api/v1/warehouses/")

    assert response.status_code == 200
    assert [w["code"] for w in response.json()["results"]] == ["TOK"]


def test_an_unknown_token_is_refused(site):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get("/api/v1/warehouses/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_deleted_token_is_refused_with_the_next_call(site, supervisor):
    client = _client(supervisor)
    assert client.get("/api/v1/warehouses/").status_code == 200

    Token.objects.filter(user=supervisor).delete()

    assert client.get("/api/v1/warehouses/").status_code == 401


def test_a_deactivated_user_is_refused_with_the_next_call(site, supervisor):
    client = _client(supervisor)
    assert client.get("/api/v1/warehouses/").status_code == 200

    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])

    response = client.get("/api/v1/warehouses/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_user_taken_out_of_a_warehouse_or_role_loses_it_with_the_next_call(site, supervisor):
    client = _client(supervisor)
    assert client.get(f"/api/v1/warehouses/{site.pk}/").status_code == 200

    scope = UserScope.objects.get(user=supervisor)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    assert client.get(f"/api/v1/warehouses/{site.pk}/").status_code == 404

    scope.all_warehouses = True
    scope.save(update_fields=["all_warehouses"])
    supervisor.groups.remove(Group.objects.get(name="supervisor"))
    assert client.get("/api/v1/tasks/?warehouse=TOK").status_code == 403
