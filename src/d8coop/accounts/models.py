"""Users sign in with their e-mail address; sign-in attempts and account events."""

import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.core.time_zones import validate_time_zone


class EmailUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of e-mails to this user. Empty: the site's default."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=60,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "Deadlines are shown in this zone. Empty: the zone of the member state the user "
            "is focal point of, else the secretariat's."
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class SignInAttempt(models.Model):
    """One check of a password at sign-in: the counter behind the lock-out (see services)."""

    email = models.CharField(_("e-mail address as typed"), max_length=254)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        indexes = [
            models.Index(fields=["email", "succeeded", "at"], name="signin_email_idx"),
            models.Index(fields=["ip", "succeeded", "at"], name="signin_ip_idx"),
        ]

    def __str__(self) -> str:
        outcome = _("succeeded") if self.succeeded else _("failed")
        return f"{self.email} {outcome} {self.at:%Y-%m-%d %H:%M}"


class AccountEvent(models.Model):
    """The audit trail of accounts: who signed in, out, reset a password, made a token, turned
    two-factor authentication on or off, invited whom.

    Append-only, written by `services.account_record_event`; never holds a password or a key.
    """

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_IN_REFUSED_LOCKED = "sign_in_refused_locked", _("Sign-in refused (locked)")
        SIGNED_OUT = "signed_out", _("Signed out")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_ENDED = "role_ended", _("Role ended")
        SIGN_IN_CODE_REQUESTED = "sign_in_code_requested", _("Password accepted, code requested")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor authentication turned on")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor authentication turned off")
        TWO_FACTOR_CODE_FAILED = "two_factor_code_failed", _("Two-factor code refused")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_events",
    )
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        indexes = [models.Index(fields=["email", "at"], name="account_event_email_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email}"


class TwoFactorDevice(models.Model):
    """A user's authenticator app, confirmed by a code at enrolment: the TOTP secret it shares
    with the platform. Exists only once confirmed (the secret being enrolled waits in the
    session). The secret is never shown again after enrolment, nor in the back office."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="two_factor_device",
    )
    secret = models.CharField(_("TOTP secret (base32)"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    # The 30-second step of the last code accepted: that step and earlier ones are refused, so
    # a code seen over someone's shoulder cannot be used again.
    last_used_step = models.BigIntegerField(_("last time step used"), default=0, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app; only its SHA-256 is kept."""

    device = models.ForeignKey(
        TwoFactorDevice,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    code_hash = models.CharField(_("SHA-256 of the code"), max_length=64)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.device}: {self.code_hash[:8]}…"


class Invitation(models.Model):
    """The secretariat's invitation of a person, by e-mail, to take a role on the platform.

    The e-mailed link holds a random token; only its SHA-256 is stored. The status follows
    from the dates: accepted and revoked are final, a pending invitation expires by itself.
    """

    class Role(models.TextChoices):
        FOCAL_POINT = "focal_point", _("Focal point of a member state")
        OBSERVER = "observer", _("Observer (reads members-only data)")
        SECRETARIAT = "secretariat", _("Secretariat staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    member_state = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bodies = models.ManyToManyField(
        "cooperation.Body",
        verbose_name=_("limited to bodies"),
        blank=True,
        related_name="+",
        help_text=_("None: the focal point acts for all bodies."),
    )
    name = models.CharField(_("name of the person"), max_length=200, blank=True)
    language = models.CharField(
        _("language of the e-mail"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    token_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["email", "created_at"], name="invitation_email_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="focal_point", member_state__isnull=False)
                    | (~models.Q(role="focal_point") & models.Q(member_state__isnull=True))
                ),
                name="invitation_state_iff_focal_point",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def status_at(self, now: datetime) -> Status:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if now >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> Status:
        return self.status_at(timezone.now())

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of the token in an invitation's link."""
        return hashlib.sha256(token.encode()).hexdigest()
