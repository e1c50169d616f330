from django.core.management.base import BaseCommand, CommandError

from warehouse.selectors.ledger import stock_drift


class Command(BaseCommand):
    help = "Recompute quants and stock levels from the ledger; fail if anything drifted."

    def handle(self, *args: object, **options: object) -> None:
        drift = stock_drift()
        for row in drift.quants:
            self.stdout.write(
                f"quant product={row.product_id} location={row.location_id} lot={row.lot_id}: "
                f"ledger {row.ledger_quantity}, quant {row.quant_quantity}"
            )
        for row in drift.levels:
            self.stdout.write(
                f"level product={row.product_id} warehouse={row.warehouse_id} {row.bucket}: "
                f"quants {row.from_quants}, level {row.recorded}"
            )
        if not drift.is_clean:
            raise CommandError(
                f"stock drift: {len(drift.quants)} quants, {len(drift.levels)} level buckets"
            )
        self.stdout.write(self.style.SUCCESS("stock ledger, quants and levels agree"))
