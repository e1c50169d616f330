from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.errors import DomainError
from warehouse.demo.seed import DEFAULT_DAYS, demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo data: the users supervisor, floor1, floor2, purchaser and admin "
        "(password: settings.WMS_DEMO_PASSWORD), the warehouses MAIN and EAST with a full "
        "layout, ~320 products, 90 days of stock history and open work. Safe to run again: "
        "existing users are never changed (a changed password stays changed), and once MAIN "
        "holds stock moves everything but the users is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size of the layout and catalogue, 0.05 to 1 (default 1: 704 bins in MAIN, "
            "319 products). Smaller is quicker, for tests.",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"Days of history before today, 1 to 365 (default {DEFAULT_DAYS}).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing but errors.")

    def handle(
        self, *args: object, scale: float, days: int, quiet: bool, **options: object
    ) -> None:
        if not 0.05 <= scale <= 1:
            raise CommandError(f"--scale must be between 0.05 and 1, not {scale}.")
        if not 1 <= days <= 365:
            raise CommandError(f"--days must be between 1 and 365, not {days}.")
        quiet = quiet or options.get("verbosity") == 0
        try:
            demo_seed(
                scale=scale, days=days, say=(lambda _line: None) if quiet else self.stdout.write
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
