"""Read paths for supplier offers (``inventory.models.SupplierProduct``)."""

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from inventory.models import SupplierProduct


def supplier_offers_list(
    *, product_sku: str = "", supplier_code: str = "", is_active: bool | None = None
) -> QuerySet[SupplierProduct]:
    """Offers with their supplier and product, each product's in the order the reorder review
    prefers them (cheapest, then fastest, then by supplier).

    Annotated with ``effective_lead_time_days``: the offer's lead time, else the supplier's.
    Offers are not per warehouse: every user who may read them sees all of them.
    """
    offers = SupplierProduct.objects.select_related("supplier", "product").annotate(
        effective_lead_time_days=Coalesce("lead_time_days", "supplier__lead_time_days")
    )
    if product_sku:
        offers = offers.filter(product__sku=product_sku)
    if supplier_code:
        offers = offers.filter(supplier__code=supplier_code)
    if is_active is not None:
        offers = offers.filter(is_active=is_active)
    return offers.order_by(
        "product__sku", "unit_cost", F("effective_lead_time_days").asc(), "supplier__code"
    )
