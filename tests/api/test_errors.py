"""One error shape everywhere, and never a 500 on bad input."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError

from wms.api.errors import exception_handler


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"sku": "X-1", "name": ', "application/json"),
        ("not json at all", "application/json"),
        ('{"sku": NaN}', "application/json"),
    ],
)
def test_malformed_json_is_400_parse_error(api, supervisor, body, content_type):
    response = api(supervisor).post("/api/v1/products/", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[1, 2]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_400(api, supervisor, body):
    response = api(supervisor).post("/api/v1/products/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "null"}


@pytest.mark.django_db
def test_unsupported_media_type_is_415(api, supervisor):
    response = api(supervisor).post("/api/v1/products/", "sku=x", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_put_and_delete_are_not_offered(api, supervisor, product):
    client = api(supervisor)
    assert client.put(f"/api/v1/products/{product.pk}/", {}, format="json").status_code == 405
    response = client.delete(f"/api/v1/products/{product.pk}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["0", "999999999", "99999999999999999999999", "abc", "-1"])
def test_unknown_ids_are_404(api, supervisor, pk):
    response = api(supervisor).get(f"/api/v1/products/{pk}/")
    assert response.status_code == 404
    if response.headers["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_bad_page_is_404_not_500(api, supervisor, product):
    client = api(supervisor)
    assert client.get("/api/v1/products/?page=99").status_code == 404
    assert client.get("/api/v1/products/?page=abc").status_code == 404
    assert client.get("/api/v1/products/?page_size=abc").status_code == 200


def test_model_validation_errors_keep_their_codes():
    exc = DjangoValidationError(
        {
            "sku": [DjangoValidationError("Taken.", code="unique")],
            "__all__": [DjangoValidationError("Clash.", code="clash")],
        }
    )
    response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["code"] == "unique"
    assert response.data["fields"]["sku"] == [{"message": "Taken.", "code": "unique"}]
    assert response.data["fields"]["non_field_errors"][0]["code"] == "clash"


def test_database_range_errors_are_400():
    response = exception_handler(DataError("integer out of range"), {})
    assert response.status_code == 400
    assert response.data["code"] == "out_of_range"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/locations/",
        "/api/v1/adjustments/",
        "/api/v1/tasks/claim/",
        "/api/v1/products/",
        "/api/v1/auth/token/",
    ],
)
def test_options_describes_the_endpoint(api, supervisor, url):
    response = api(supervisor).options(url)
    assert response.status_code == 200
    assert response.json()["name"]
