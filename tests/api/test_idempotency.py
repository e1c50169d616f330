"""The Idempotency-Key header: same key and body, one change and the same answer."""

import pytest
from django.core.cache import cache

from inventory.models import Product
from tests.api.fixtures import error_code, idempotency_key
from wms.api.idempotency import cache_key, fingerprint

URL = "/api/v1/products/"


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_repeat_with_same_key_replays_the_first_answer(api, supervisor):
    client, key = api(supervisor), idempotency_key()
    body = {"sku": "IDEM-1", "name": "Once"}
    first = _post(client, body, key)
    second = _post(client, body, key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Product.objects.filter(sku="IDEM-1").count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused(api, supervisor):
    client, key = api(supervisor), idempotency_key()
    assert _post(client, {"sku": "IDEM-2", "name": "A"}, key).status_code == 201
    response = _post(client, {"sku": "IDEM-3", "name": "B"}, key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_reused"
    assert error_code(response, "Idempotency-Key") == "idempotency_key_reused"
    assert not Product.objects.filter(sku="IDEM-3").exists()


@pytest.mark.django_db
def test_same_key_on_another_endpoint_is_refused(api, supervisor):
    client, key = api(supervisor), idempotency_key()
    assert _post(client, {"sku": "IDEM-4", "name": "A"}, key).status_code == 201
    response = client.post(
        "/api/v1/suppliers/",
        {"code": "S-IDEM", "name": "A"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_keys_are_per_user(api, supervisor, purchaser):
    key = idempotency_key()
    assert _post(api(supervisor), {"sku": "IDEM-5", "name": "A"}, key).status_code == 201
    other = _post(api(purchaser), {"sku": "IDEM-6", "name": "B"}, key)
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers


@pytest.mark.django_db
def test_a_failed_request_is_not_remembered(api, supervisor):
    client, key = api(supervisor), idempotency_key()
    bad = _post(client, {"sku": "IDEM-7"}, key)
    assert bad.status_code == 400
    fixed = _post(client, {"sku": "IDEM-7", "name": "Now with a name"}, key)
    assert fixed.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("x" * 101, "max_length"),
        ("   ", "blank"),
        ("has space", "invalid"),
        ("tab\there", "invalid"),
    ],
)
def test_bad_keys_are_400(api, supervisor, key, code):
    response = _post(api(supervisor), {"sku": "IDEM-8", "name": "A"}, key)
    assert response.status_code == 400
    assert error_code(response, "Idempotency-Key") == code
    assert not Product.objects.filter(sku="IDEM-8").exists()


@pytest.mark.django_db
def test_longest_key_is_accepted(api, supervisor):
    response = _post(api(supervisor), {"sku": "IDEM-9", "name": "A"}, "k" * 100)
    assert response.status_code == 201


@pytest.mark.django_db
def test_without_key_each_post_is_new(api, supervisor):
    client = api(supervisor)
    assert client.post(URL, {"sku": "IDEM-10", "name": "A"}, format="json").status_code == 201
    again = client.post(URL, {"sku": "IDEM-10", "name": "A"}, format="json")
    assert again.status_code == 400
    assert error_code(again, "sku") == "unique"


@pytest.mark.django_db
def test_repeat_while_the_first_still_runs_is_409(api, supervisor):
    key, body = idempotency_key(), {"sku": "IDEM-11", "name": "A"}
    # What the first request leaves in the cache while its service is still working.
    cache.add(
        cache_key(user_id=supervisor.pk, value=key),
        {"fingerprint": fingerprint(method="POST", path=URL, data=body), "done": False},
    )
    response = _post(api(supervisor), body, key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not Product.objects.filter(sku="IDEM-11").exists()
