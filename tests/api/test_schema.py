"""The OpenAPI schema generates cleanly and the docs page renders."""

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_endpoint_serves_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/warehouses/",
        "/api/v1/locations/{id}/",
        "/api/v1/products/",
        "/api/v1/suppliers/",
        "/api/v1/stock/",
        "/api/v1/stock-levels/",
        "/api/v1/moves/",
        "/api/v1/tasks/",
        "/api/v1/tasks/claim/",
        "/api/v1/adjustments/",
        "/api/v1/auth/token/",
    ]:
        assert path in schema["paths"], path
    adjust = schema["paths"]["/api/v1/adjustments/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in adjust["parameters"])
    moves = schema["paths"]["/api/v1/moves/"]["get"]
    assert {"product", "location", "kind", "since", "page"} <= {
        p["name"] for p in moves["parameters"]
    }


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    # The same as `manage.py spectacular --validate --fail-on-warn`: raises on any warning.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")


@pytest.mark.django_db
def test_docs_page_renders(client):
    assert client.get("/api/docs/").status_code == 200
