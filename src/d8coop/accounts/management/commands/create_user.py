import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from d8coop.accounts.roles import secretariat_group

ROLES = {
    "secretariat-admin": "Secretariat administrator: every right, the back office included.",
    "secretariat": "Secretariat staff: the back office and members-only data.",
    "observer": "Observer: reads members-only data, changes nothing.",
}


class Command(BaseCommand):
    help = "Create a user with a role. Prints a generated password unless --password is given."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--password", help="Default: a generated password, printed once.")

    @transaction.atomic
    def handle(self, *args, email: str, role: str, password: str | None, **options):
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid e-mail address.") from exc
        users = get_user_model()
        if users.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the e-mail {email} already exists; nothing changed.")
        generated = password is None
        password = password or secrets.token_urlsafe(16)
        user = users.objects.create_user(
            email=email,
            password=password,
            is_staff=role.startswith("secretariat"),
            is_superuser=role == "secretariat-admin",
        )
        if role == "secretariat":
            user.groups.add(secretariat_group())
        if role == "observer":
            user.user_permissions.add(Permission.objects.get(codename="view_members_only_data"))
        self.stdout.write(f"Created {email} ({ROLES[role]})")
        if generated:
            self.stdout.write(f"Generated password (shown once): {password}")
