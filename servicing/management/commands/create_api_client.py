from django.core.management.base import BaseCommand, CommandError

from servicing.api.auth import create_api_client
from servicing.errors import DomainError


class Command(BaseCommand):
    help = "Create an API client with scoped access. The token is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scopes",
            default="read",
            help="Comma-separated: onboarding, draws, payments, read, ops (default: read).",
        )

    def handle(self, *args, **options):
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            client, token = create_api_client(name=options["name"], scopes=scopes)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"API client {client.name!r} created with scopes: {', '.join(client.scopes)}.\n"
            "Send it as 'Authorization: Token <token>'. It is shown only now:"
        )
        self.stdout.write(token)
