"""What schemathesis (tests/api/test_schemathesis.py) found, each pinned by a plain test: answers
that were HTML or undocumented, and error bodies the schema did not describe."""

import json

import jsonschema
import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client) -> dict:
    return json.loads(client.get("/api/schema/?format=json").content)


def _error_schema(openapi: dict) -> dict:
    """The documented error body, with the component references it uses resolved."""
    return {**openapi["components"]["schemas"]["Error"], "components": openapi["components"]}


def _operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


# --- an /api/ URL that matches no route: JSON, not the 404 page ------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tasks/not-a-number/"),  # ids are digits: the route does not match
        ("post", "/api/v1/orders/%C2%84/ship/"),
        ("get", "/api/v1/no-such-resource/"),
    ],
)
def test_an_api_url_that_matches_no_route_answers_the_api_error(api, supervisor, method, path):
    response = getattr(api(supervisor), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_page_url_that_matches_no_route_keeps_the_404_page(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- a page past the last one: 404, documented on every list -------------------------------


@pytest.mark.parametrize("page", ["0", "99", "two"])
def test_a_page_past_the_last_answers_404_in_the_error_shape(api, supervisor, warehouse, page):
    response = api(supervisor).get("/api/v1/warehouses/", {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_paginated_list_documents_its_404(openapi):
    lists = [
        (path, operation)
        for path, method, operation in _operations(openapi)
        if method == "get" and any(p["name"] == "page" for p in operation.get("parameters", []))
    ]
    assert len(lists) >= 20
    undocumented = [path for path, operation in lists if "404" not in operation["responses"]]
    assert undocumented == []


# --- a body the endpoint cannot read: 415, documented on every write -----------------------


def test_a_body_in_an_unknown_media_type_answers_415(api, supervisor):
    response = api(supervisor).post("/api/v1/orders/", "lines", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_every_write_documents_its_415(openapi):
    writes = [
        (method, path, operation)
        for path, method, operation in _operations(openapi)
        if method in ("post", "put", "patch")
    ]
    assert len(writes) > 30
    assert [(m, p) for m, p, operation in writes if "415" not in operation["responses"]] == []


# --- nested field errors: the body the schema describes ------------------------------------


def test_nested_field_errors_match_the_documented_error_body(
    api, supervisor, warehouse, product, openapi
):
    client = api(supervisor)
    no_lines = client.post(
        "/api/v1/orders/",
        {"reference": "SO-X", "warehouse": warehouse.code, "lines": []},
        format="json",
    )
    bad_second_line = client.post(
        "/api/v1/orders/",
        {
            "reference": "SO-Y",
            "warehouse": warehouse.code,
            "lines": [
                {"product": product.sku, "quantity": 1},
                {"product": product.sku, "quantity": -1},
            ],
        },
        format="json",
    )
    assert (no_lines.status_code, bad_second_line.status_code) == (400, 400)
    # Errors of the list as a whole, and of one line of it (by index), nest under its name.
    assert no_lines.json()["fields"]["lines"]["non_field_errors"][0]["code"] == "empty"
    lines = bad_second_line.json()["fields"]["lines"]
    assert list(lines) == ["1"]
    assert lines["1"]["quantity"][0]["code"] == "min_value"
    for response in (no_lines, bad_second_line):
        jsonschema.validate(response.json(), _error_schema(openapi))


def test_the_error_schema_accepts_nested_errors_and_refuses_other_shapes(openapi):
    schema = _error_schema(openapi)
    flat = {"code": "required", "detail": "x", "fields": {"sku": [{"message": "m", "code": "c"}]}}
    nested = {
        "code": "empty",
        "detail": "x",
        "fields": {
            "lines": {"non_field_errors": [{"message": "m", "code": "empty"}]},
            "quantities": {"101": [{"message": "m", "code": "invalid"}]},
            "orders": [{}, {"quantity": [{"message": "m", "code": "min_value"}]}],
        },
    }
    for body in (flat, nested, {"code": "not_found", "detail": "Not found."}):
        jsonschema.validate(body, schema)
    for wrong in ({"detail": "no code"}, {"code": "x", "detail": "y", "fields": {"sku": "text"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
