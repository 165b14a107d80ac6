import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from d8coop.accounts.roles import secretariat_group
from d8coop.accounts.services import focal_point_appoint
from d8coop.cooperation.models import Body
from d8coop.members.models import MemberState

ROLES = {
    "secretariat-admin": "Secretariat administrator: every right, the back office included.",
    "secretariat": "Secretariat staff: the back office and members-only data.",
    "observer": "Observer: reads members-only data, changes nothing.",
    "focal-point": "Focal point of a member state, through the state's focal-point position.",
}
FOCAL_POINT = "focal-point"


class Command(BaseCommand):
    help = "Create a user with a role. Prints a generated password unless --password is given."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--password", help="Default: a generated password, printed once.")
        parser.add_argument("--name", help="The person's name (required for focal-point).")
        parser.add_argument("--country", help="ISO code of the member state (focal-point only).")
        parser.add_argument(
            "--body",
            action="append",
            dest="bodies",
            metavar="SLUG",
            help="Limit a focal point to a body; repeat for several (default: all bodies).",
        )

    @transaction.atomic
    def handle(self, *args, email: str, role: str, password: str | None, **options):
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid e-mail address.") from exc
        users = get_user_model()
        if users.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the e-mail {email} already exists; nothing changed.")
        state, bodies = self.focal_point_scope(role, **options)
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
        if state is not None:
            holding = focal_point_appoint(
                user=user,
                state=state,
                bodies=bodies,
                started_on=timezone.localdate(),
                name=options["name"],
            )
            self.stdout.write(f"Created {email}: {holding.person} holds {holding.position}")
        else:
            self.stdout.write(f"Created {email} ({ROLES[role]})")
        if generated:
            self.stdout.write(f"Generated password (shown once): {password}")

    def focal_point_scope(
        self, role: str, *, country: str | None, bodies: list[str] | None, name: str | None, **_
    ) -> tuple[MemberState | None, list[Body]]:
        """The state and bodies of a focal point, checked before anything is written."""
        if role != FOCAL_POINT:
            if country or bodies:
                raise CommandError("--country and --body apply to --role focal-point only.")
            return None, []
        if not country:
            raise CommandError("--role focal-point needs --country XX; nothing changed.")
        if not (name or "").strip():
            raise CommandError("--role focal-point needs --name; nothing changed.")
        code = country.strip().upper()
        state = MemberState.objects.filter(code=code).first()
        if state is None:
            raise CommandError(f"No member state with the code {code!r}; nothing changed.")
        if not MemberState.objects.members_on(timezone.localdate()).filter(pk=state.pk).exists():
            raise CommandError(f"{state} is not a member today; nothing changed.")
        slugs = list(dict.fromkeys(bodies or []))
        found = {body.slug: body for body in Body.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise CommandError(f"No body with the slug {', '.join(unknown)}; nothing changed.")
        return state, [found[slug] for slug in slugs]
