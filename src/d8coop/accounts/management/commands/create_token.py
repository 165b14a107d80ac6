from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from d8coop.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Print the API token of a user (created on first use): Authorization: Token <key>."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail {email}; nothing changed.")
        token = Token.objects.filter(user=user).first()
        if token is None:
            token = api_token_create(user=user, ip=None, via="the create-token command")
        self.stdout.write(token.key)
