"""The demo catalogue: suppliers and ~320 products with valid EAN-13 barcodes.

Generated from ``catalog_data`` with a fixed seed, so every run (and every machine) makes the
same SKUs, names, barcodes and prices.
"""

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

from inventory.barcodes import gtin_check_digit
from inventory.models import Product, Supplier
from inventory.services.catalog import product_create, supplier_create
from warehouse.demo.catalog_data import CATEGORIES, SUPPLIERS, Family

SEED = 42


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    barcode: str
    unit_of_measure: str
    unit_cost: Decimal
    tracking: str
    requires_qc: bool
    supplier_code: str
    pack: int
    shelf_life_days: int


@dataclass(frozen=True)
class CatalogResult:
    products: dict[str, Product]  # by SKU, the demo's products only
    specs: dict[str, ProductSpec]
    suppliers_created: int
    products_created: int


def ean13(rng: random.Random) -> str:
    # GS1 prefixes 20-29 are for use inside one company: no real product carries these.
    body = f"2{rng.randint(1, 9)}{rng.randrange(10**10):010d}"
    return body + str(gtin_check_digit(body))


def product_specs(*, scale: float) -> list[ProductSpec]:
    """Every variant of every family, or an even sample of them when ``scale`` < 1."""
    rng = random.Random(SEED)
    barcodes: set[str] = set()
    specs = []
    for category in CATEGORIES:
        combos = [
            (family, variant)
            for family in category.families
            for variant in itertools.product(*family.variants)
        ]
        keep = max(1, round(len(combos) * scale))
        chosen = sorted(rng.sample(range(len(combos)), keep)) if keep < len(combos) else None
        suppliers = {id(f): rng.choice(category.suppliers) for f in category.families}
        for number, index in enumerate(chosen or range(len(combos)), start=1):
            family, variant = combos[index]
            barcode = ean13(rng)
            while barcode in barcodes:
                barcode = ean13(rng)
            barcodes.add(barcode)
            specs.append(
                _spec(
                    family,
                    variant,
                    f"{category.prefix}-{1000 + number}",
                    barcode,
                    suppliers[id(family)],
                    rng,
                )
            )
    return specs


def _spec(
    family: Family,
    variant: tuple[str, ...],
    sku: str,
    barcode: str,
    supplier: str,
    rng: random.Random,
) -> ProductSpec:
    low, high = family.cost
    return ProductSpec(
        sku=sku,
        name=family.template.format(*variant),
        barcode=barcode,
        unit_of_measure=family.uom,
        unit_cost=Decimal(str(round(rng.uniform(low, high), 2))),
        tracking=family.tracking,
        requires_qc=family.requires_qc,
        supplier_code=supplier,
        pack=family.pack,
        shelf_life_days=family.shelf_life_days,
    )


def catalog_ensure(specs: list[ProductSpec]) -> CatalogResult:
    """Create the suppliers and products that are missing (by code and SKU); leave the rest."""
    have_suppliers = set(Supplier.objects.values_list("code", flat=True))
    suppliers_made = 0
    for data in SUPPLIERS:
        if data.code not in have_suppliers:
            supplier_create(
                code=data.code,
                name=data.name,
                lead_time_days=data.lead_time_days,
                requires_qc=data.requires_qc,
                email=data.email,
            )
            suppliers_made += 1
    by_sku = {spec.sku: spec for spec in specs}
    have = set(Product.objects.filter(sku__in=by_sku).values_list("sku", flat=True))
    taken = set(Product.objects.exclude(barcode=None).values_list("barcode", flat=True))
    for spec in specs:
        if spec.sku in have:
            continue
        product_create(
            sku=spec.sku,
            name=spec.name,
            # A barcode someone else already uses stays theirs; the demo product goes without.
            barcode=None if spec.barcode in taken else spec.barcode,
            unit_of_measure=spec.unit_of_measure,
            unit_cost=spec.unit_cost,
            tracking=spec.tracking,
            requires_qc=spec.requires_qc,
        )
    products = {p.sku: p for p in Product.objects.filter(sku__in=by_sku)}
    return CatalogResult(
        products=products,
        specs=by_sku,
        suppliers_created=suppliers_made,
        products_created=len(specs) - len(have),
    )
