from django.conf import settings
from django.core.management.base import BaseCommand

from servicing.api.idempotency import purge_idempotency_keys


class Command(BaseCommand):
    help = "Delete Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h)."

    def handle(self, *args, **options):
        deleted = purge_idempotency_keys(older_than_hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        self.stdout.write(f"Deleted {deleted} idempotency keys.")
