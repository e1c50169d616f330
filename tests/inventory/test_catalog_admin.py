"""Django admin for products: written through the catalogue service, every field of the form
accepted, and the admin user named in the audit trail."""

import pytest

from inventory.models import AuditEvent, Product

pytestmark = pytest.mark.django_db


def product_form(**fields) -> dict[str, str]:
    return {
        "sku": "BOLT-M8",
        "name": "Hex bolt M8",
        "barcode": "4006381333931",
        "unit_of_measure": "ea",
        "unit_cost": "0.12",
        "tracking": "lot_expiry",
        "min_shelf_life_days": "30",
        "requires_qc": "",
        "is_active": "on",
        **fields,
    }


def test_a_product_is_added_and_changed_in_the_admin_with_its_shelf_life(admin_client, admin_user):
    added = admin_client.post("/admin/inventory/product/add/", product_form())

    assert added.status_code == 302, added.context["adminform"].form.errors
    product = Product.objects.get(sku="BOLT-M8")
    assert product.min_shelf_life_days == 30
    changed = admin_client.post(
        f"/admin/inventory/product/{product.pk}/change/", product_form(min_shelf_life_days="45")
    )
    assert changed.status_code == 302
    product.refresh_from_db()
    assert product.min_shelf_life_days == 45
    events = AuditEvent.objects.filter(object_type="product", object_id=product.pk)
    assert list(events.order_by("id").values_list("action", "actor_id")) == [
        ("create", admin_user.pk),
        ("update", admin_user.pk),
    ]
    assert events.order_by("id").last().changes["min_shelf_life_days"] == [30, 45]


def test_a_bad_barcode_is_a_form_error_and_nothing_is_saved(admin_client):
    response = admin_client.post(
        "/admin/inventory/product/add/", product_form(barcode="4006381333932")
    )  # check digit

    assert response.status_code == 200
    assert "barcode" in response.context["adminform"].form.errors
    assert not Product.objects.exists()
