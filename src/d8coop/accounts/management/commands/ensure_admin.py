import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from d8coop.core.env import env_str


class Command(BaseCommand):
    help = (
        "Make sure a secretariat administrator exists. Uses D8COOP_ADMIN_EMAIL and "
        "D8COOP_ADMIN_PASSWORD, or generates a password and prints it once."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        users = get_user_model()
        if users.objects.filter(is_superuser=True, is_active=True).exists():
            return
        email = env_str("D8COOP_ADMIN_EMAIL", "admin@d8.local").lower()
        password = env_str("D8COOP_ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(16)
        users.objects.create_superuser(email=email, password=password)
        self.stdout.write(f"Secretariat administrator created: {email}")
        if generated:
            self.stdout.write(f"Generated password (shown once, change it): {password}")
