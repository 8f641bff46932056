from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from servicing.demo import DEMO_USERS, demo_password
from servicing.registry import DEMO_SEEDERS


class Command(BaseCommand):
    help = "Create demo data (users per role, investor, products, ...). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo users have a known password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: demo users would have a known password. "
                "Pass --allow-production to seed anyway."
            )
        for _, name, seeder in DEMO_SEEDERS:
            self.stdout.write(f"Seeding {name}...")
            seeder(self.stdout)  # each seeder is idempotent and runs its own transactions
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password for all: {demo_password()!r}):")
        )
        for username, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {username} / {demo_password()}")
