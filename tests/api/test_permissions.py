"""Who may read and write what: model permissions per role, view included."""

import pytest

READS = [
    "/api/v1/warehouses/",
    "/api/v1/locations/",
    "/api/v1/products/",
    "/api/v1/suppliers/",
    "/api/v1/stock/",
    "/api/v1/stock-levels/",
    "/api/v1/moves/",
    "/api/v1/tasks/",
]

# What each role may list (wms.roles.ROLE_PERMISSIONS); the rest is 403.
MAY_READ = {
    "supervisor": set(READS),
    "floor_user": {
        "/api/v1/warehouses/",
        "/api/v1/locations/",
        "/api/v1/products/",
        "/api/v1/stock/",
        "/api/v1/tasks/",
    },
    "purchaser": {
        "/api/v1/warehouses/",
        "/api/v1/products/",
        "/api/v1/suppliers/",
        "/api/v1/stock-levels/",
        "/api/v1/moves/",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(MAY_READ))
def test_reads_need_the_view_permission(api, request, role):
    client = api(request.getfixturevalue(role))
    for url in READS:
        expected = 200 if url in MAY_READ[role] else 403
        response = client.get(url)
        assert response.status_code == expected, (role, url)
        if expected == 403:
            assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_anonymous_reads_are_401(client):
    for url in [*READS, "/api/v1/"]:
        assert client.get(url).status_code == 401, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/warehouses/", {"code": "NOPE", "name": "No"}),
        ("/api/v1/products/", {"sku": "NOPE-1", "name": "No"}),
        ("/api/v1/suppliers/", {"code": "NOPE", "name": "No"}),
        ("/api/v1/adjustments/", {}),
        ("/api/v1/tasks/claim/", {}),
    ],
)
def test_floor_staff_cannot_write_master_data_or_adjust(api, floor_user, url, body):
    expected = 400 if url.endswith("claim/") else 403  # claiming is their work
    assert api(floor_user).post(url, body, format="json").status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/warehouses/", {"code": "NOPE", "name": "No"}),
        ("/api/v1/locations/", {"code": "NOPE"}),
        ("/api/v1/adjustments/", {}),
        ("/api/v1/tasks/claim/", {}),
    ],
)
def test_purchasers_cannot_touch_the_floor(api, purchaser, url, body):
    assert api(purchaser).post(url, body, format="json").status_code == 403


@pytest.mark.django_db
def test_purchasers_maintain_products_and_suppliers(api, purchaser):
    client = api(purchaser)
    assert (
        client.post("/api/v1/products/", {"sku": "P-1", "name": "Thing"}, format="json").status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/suppliers/", {"code": "S-1", "name": "Acme"}, format="json"
        ).status_code
        == 201
    )


@pytest.mark.django_db
def test_user_without_role_sees_nothing(api, django_user_model):
    nobody = django_user_model.objects.create_user(username="norole", password="pw")
    for url in READS:
        assert api(nobody).get(url).status_code == 403, url
