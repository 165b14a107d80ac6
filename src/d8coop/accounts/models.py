"""Users sign in with their e-mail address; sign-in attempts and account events."""

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
    """The audit trail of accounts: who signed in, out, reset a password, made a token.

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
