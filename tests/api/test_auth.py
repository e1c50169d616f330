"""POST /api/v1/auth/token/, and the two ways in: token and session."""

import uuid

import pytest
from rest_framework.test import APIClient

URL = "/api/v1/auth/token/"


def _client() -> APIClient:
    # Throttling counts per client address in Redis, which outlives the test database: a
    # fresh address per test keeps the tests independent.
    return APIClient(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1")


@pytest.mark.django_db
def test_token_for_good_credentials_authenticates_later_calls(supervisor):
    client = _client()
    response = client.post(URL, {"username": "sup", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    again = client.post(URL, {"username": "sup", "password": "pw"}, format="json")
    assert again.json()["token"] == token  # one token per user

    reader = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert reader.get("/api/v1/products/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"username": "sup", "password": "wrong"}, {"username": "nobody", "password": "pw"}],
)
def test_bad_credentials_are_400_with_code(supervisor, body):
    response = _client().post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_inactive_user_gets_no_token(supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    response = _client().post(URL, {"username": "sup", "password": "pw"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"password": "pw"}, "username", "required"),
        ({"username": "sup"}, "password", "required"),
        ({"username": "", "password": "pw"}, "username", "blank"),
        ({"username": ["sup"], "password": "pw"}, "username", "invalid"),
        ({"username": "sup", "password": "x" * 5000}, "password", "max_length"),
    ],
)
def test_token_request_fields_are_validated(body, field, code):
    response = _client().post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"][field][0]["code"] == code


@pytest.mark.django_db
def test_malformed_json_is_400():
    response = _client().post(URL, '{"username": "sup",', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_token_endpoint_is_throttled(supervisor):
    client = _client()
    # Every attempt counts, a refused one too (bodies without password: no slow hashing).
    statuses = [client.post(URL, {"username": "sup"}, format="json").status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    throttled = client.post(URL, {"username": "sup", "password": "pw"}, format="json")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"


@pytest.mark.django_db
def test_stale_token_header_does_not_block_getting_a_token(supervisor):
    client = _client()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.post(URL, {"username": "sup", "password": "pw"}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_unknown_token_is_401_with_code():
    client = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/products/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_anonymous_is_401(client):
    response = client.get("/api/v1/warehouses/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_session_login_authenticates_the_api(client, supervisor):
    assert client.login(username="sup", password="pw")
    assert client.get("/api/v1/warehouses/").status_code == 200


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(supervisor):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="sup", password="pw")
    response = client.post("/api/v1/products/", {"sku": "CSRF-1", "name": "x"}, format="json")
    assert response.status_code == 403
