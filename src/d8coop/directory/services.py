"""The SME directory: national SME organizations introduce their small industries.

A focal point of the profile's member state (or the secretariat) creates, edits, validates and
archives a profile; products are HS codes, export markets ISO 3166 codes, the size class names
the national SME definition it follows. The focal point may invite the SME's contact by e-mail
to keep the profile current: accepting the signed, single-use link makes the account the
profile's maintainer, who edits that profile only. A maintainer's edit of a validated profile
sends it back to "awaiting validation" and the state's focal points are notified to check it.
A profile is public only when the SME opted in (its maintainer, or a focal point recording the
SME's consent) and it is validated. Every write is atomic, names its actor and is kept by
django-simple-history; refused input raises ValidationError (by field) and changes nothing,
a refused actor raises PermissionDenied.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from d8coop.accounts.models import AccountEvent, User
from d8coop.accounts.selectors import focal_point_users, normalize_email
from d8coop.accounts.services import (
    InvitationForAnotherAddress,
    InvitationUnusable,
    account_record_event,
)
from d8coop.core.classifications import IsicSection
from d8coop.core.time_zones import secretariat_zone
from d8coop.directory import codes, permissions
from d8coop.directory.models import MaintainerInvitation, Product, SmeProfile
from d8coop.members.models import MemberState, Organization
from d8coop.notifications.models import Kind
from d8coop.notifications.services import notify
from d8coop.statistics.engine.definitions import DefinitionError
from d8coop.statistics.models import SmeDefinition

INVITATION_SALT = "d8coop.directory.maintainer-invitation"
MAX_CERTIFICATIONS = 30
# Paths under /directory/ that a profile's slug must not take.
RESERVED_SLUGS = {"manage", "mine", "invitations", "export"}
# Fields compared to tell whether an edit changed anything (products are compared apart).
EDITABLE = (
    "name", "city", "description", "capabilities", "isic_section", "size_class",
    "size_definition", "size_class_basis", "employees", "certifications", "export_markets",
    "website", "contact_name", "contact_email", "contact_phone", "introduced_by",
)  # fmt: skip

__all__ = ["InvitationForAnotherAddress", "InvitationUnusable"]


@dataclass
class ProfileInput:
    """What a form or an API call gives for a profile; checked by `profile_input_errors`."""

    name: str
    description: str
    isic_section: str
    size_class: str
    city: str = ""
    capabilities: str = ""
    size_definition: SmeDefinition | None = None
    employees: int | None = None
    certifications: list[str] = field(default_factory=list)
    export_markets: list[str] = field(default_factory=list)
    products: list[tuple[str, str]] = field(default_factory=list)
    website: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    introduced_by: Organization | None = None


@dataclass
class CheckedProfile:
    values: dict[str, Any]
    products: list[codes.ProductLine]


# --------------------------------------------------------------------------- checks


def _text_errors(data: ProfileInput, errors: dict[str, list[str]]) -> None:
    limits = {"name": 200, "city": 100, "contact_name": 200, "contact_phone": 40}
    for name, limit in limits.items():
        if len(getattr(data, name).strip()) > limit:
            message = _("At most %(limit)s characters.") % {"limit": limit}
            errors.setdefault(name, []).append(message)
    if not data.name.strip():
        errors.setdefault("name", []).append(_("Give the company's name."))
    if not data.description.strip():
        errors.setdefault("description", []).append(_("Say what the company does."))
    if data.isic_section not in IsicSection.values:
        errors.setdefault("isic_section", []).append(_("Choose an ISIC section."))
    if data.size_class not in SmeProfile.SizeClass.values:
        errors.setdefault("size_class", []).append(_("Choose micro, small or medium."))
    if data.employees is not None and data.employees < 0:
        errors.setdefault("employees", []).append(_("The number of persons cannot be negative."))
    if data.contact_email.strip():
        try:
            validate_email(data.contact_email.strip())
        except ValidationError:
            errors.setdefault("contact_email", []).append(_("Enter a valid e-mail address."))
    if data.website.strip():
        try:
            URLValidator(schemes=["http", "https"])(data.website.strip())
        except ValidationError:
            message = _("Enter the website's full address, e.g. https://example.com.")
            errors.setdefault("website", []).append(message)


def _relation_errors(data: ProfileInput, state: MemberState, errors: dict[str, list[str]]):
    definition = data.size_definition
    if definition is not None and (
        definition.kind != SmeDefinition.Kind.NATIONAL or definition.country_id != state.pk
    ):
        message = _("Choose a national SME definition of %(state)s.") % {"state": state.name}
        errors.setdefault("size_definition", []).append(message)
    organization = data.introduced_by
    if organization is not None and organization.member_state_id != state.pk:
        message = _("Choose an organization of %(state)s.") % {"state": state.name}
        errors.setdefault("introduced_by", []).append(message)


def _list_errors(data: ProfileInput, errors: dict[str, list[str]]) -> dict[str, Any]:
    certifications: list[str] = []
    for item in data.certifications:
        item = " ".join(item.split())
        if len(item) > 100:
            errors.setdefault("certifications", []).append(
                _("“%(item)s…” is longer than 100 characters.") % {"item": item[:30]}
            )
        elif item and item.casefold() not in {c.casefold() for c in certifications}:
            certifications.append(item)
    if len(certifications) > MAX_CERTIFICATIONS:
        message = _("At most %(count)s certifications.") % {"count": MAX_CERTIFICATIONS}
        errors.setdefault("certifications", []).append(message)
    markets, market_errors = codes.check_countries(data.export_markets)
    if market_errors:
        errors.setdefault("export_markets", []).extend(market_errors)
    return {"certifications": certifications, "export_markets": markets}


def profile_input_errors(
    data: ProfileInput, state: MemberState
) -> tuple[CheckedProfile | None, dict[str, list[str]]]:
    """The cleaned values and products, or None and what is wrong, field by field."""
    errors: dict[str, list[str]] = {}
    _text_errors(data, errors)
    _relation_errors(data, state, errors)
    lists = _list_errors(data, errors)
    products, product_errors = codes.check_products(data.products)
    if product_errors:
        errors["products"] = product_errors
    if errors:
        return None, errors
    definition = data.size_definition
    values = {
        "name": data.name.strip(), "city": data.city.strip(),
        "description": data.description.strip(), "capabilities": data.capabilities.strip(),
        "isic_section": data.isic_section, "size_class": data.size_class,
        "size_definition": definition,
        "size_class_basis": str(definition)[:200] if definition is not None else "",
        "employees": data.employees, **lists, "website": data.website.strip(),
        "contact_name": data.contact_name.strip(),
        "contact_email": normalize_email(data.contact_email.strip()),
        "contact_phone": data.contact_phone.strip(), "introduced_by": data.introduced_by,
    }  # fmt: skip
    return CheckedProfile(values=values, products=products), {}


def size_class_warnings(profile: SmeProfile) -> list[str]:
    """A warning when the persons employed exceed the ceiling of the chosen size class under
    the national definition's employment criterion (other criteria may still decide)."""
    definition = profile.size_definition
    if definition is None or profile.employees is None:
        return []
    try:
        parsed = definition.engine_definition()
    except DefinitionError:
        return []
    band = parsed.band_for(profile.isic_section)
    if band is None:
        return []
    for klass in band.classes:
        if klass.size_class != profile.size_class:
            continue
        for criterion, bound in klass.bounds:
            if criterion != "employees":
                continue
            over = (
                profile.employees >= bound.value
                if bound.strict
                else profile.employees > bound.value
            )
            if over:
                ceiling = f"{'<' if bound.strict else '≤'} {bound.value:f}"
                return [
                    _(
                        "%(employees)s persons employed is above the ceiling of a %(size)s "
                        "enterprise under %(definition)s (%(ceiling)s persons): check the size "
                        "class."
                    )
                    % {
                        "employees": profile.employees,
                        "size": profile.get_size_class_display().lower(),
                        "definition": definition.code,
                        "ceiling": ceiling,
                    }
                ]
    return []


def _require_manager(by: Any, state: MemberState) -> None:
    if not permissions.can_manage_state(by, state.code):
        raise PermissionDenied(
            _("Only a focal point of %(state)s or the secretariat may do this.")
            % {"state": state.name}
        )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:140] or "sme"
    slug, number = base, 2
    while slug in RESERVED_SLUGS or SmeProfile.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _products_save(profile: SmeProfile, products: list[codes.ProductLine]) -> bool:
    """Make the profile's products these (each change kept in history); True if any changed."""
    wanted = {p.hs_code: p.description for p in products}
    changed = False
    for product in list(profile.products.all()):
        description = wanted.pop(product.hs_code, None)
        if description is None:
            product.delete()
            changed = True
        elif description != product.description:
            product.description = description
            product.save(update_fields=["description"])
            changed = True
    for hs_code, description in wanted.items():
        Product.objects.create(profile=profile, hs_code=hs_code, description=description)
        changed = True
    return changed


# --------------------------------------------------------------------------- profiles


@transaction.atomic
def sme_profile_create(
    *, by: Any, member_state: MemberState, data: ProfileInput, now: datetime | None = None
) -> SmeProfile:
    """A new profile awaiting validation, created by a focal point of `member_state` or the
    secretariat. Raises PermissionDenied or ValidationError, with nothing written."""
    _require_manager(by, member_state)
    checked, errors = profile_input_errors(data, member_state)
    if checked is None:
        raise ValidationError(errors)
    profile = SmeProfile.objects.create(
        slug=_unique_slug(checked.values["name"]), member_state=member_state, created_by=by,
        created_at=now or timezone.now(), status=SmeProfile.Status.DRAFT, **checked.values,
    )  # fmt: skip
    _products_save(profile, checked.products)
    return profile


def _notify_maintainer_edit(profile: SmeProfile, *, now: datetime) -> None:
    users = focal_point_users([profile.member_state.code], body_ids=[], day=timezone.localdate(now))

    def message() -> tuple[str, str]:
        subject = _("SME profile updated by the SME: %(name)s") % {"name": profile.name}
        text = _(
            "The SME %(name)s (%(state)s) updated its profile in the directory. Check the "
            "changes and validate the profile again to keep it listed."
        ) % {"name": profile.name, "state": profile.member_state.name}
        return subject, text

    notify(
        users,
        kind=Kind.SME_PROFILE,
        key=f"sme-profile-edited:{profile.pk}:{now.isoformat()}",
        message=message,
        url=reverse("directory:manage-detail", args=[profile.slug]),
    )


@transaction.atomic
def sme_profile_update(
    *, by: Any, profile: SmeProfile, data: ProfileInput, now: datetime | None = None
) -> bool:
    """Edit a profile: a focal point of its state, the secretariat, or its maintainer (not once
    archived). A maintainer's change to a validated profile sends it back to awaiting
    validation and notifies the state's focal points. Returns False when nothing changed."""
    now = now or timezone.now()
    locked = SmeProfile.objects.select_for_update().get(pk=profile.pk)
    if not permissions.can_edit(by, locked):
        raise PermissionDenied(_("You may not edit this SME profile."))
    checked, errors = profile_input_errors(data, locked.member_state)
    if checked is None:
        raise ValidationError(errors)
    changed_fields = [
        name for name, value in checked.values.items() if getattr(locked, name) != value
    ]
    for name in changed_fields:
        setattr(locked, name, checked.values[name])
    products_changed = _products_save(locked, checked.products)
    if not changed_fields and not products_changed:
        return False
    by_maintainer = not permissions.can_manage(by, locked)
    if by_maintainer and locked.status == SmeProfile.Status.VALIDATED:
        locked.status = SmeProfile.Status.DRAFT
        locked.validated_by, locked.validated_at = None, None
    locked.save()
    if by_maintainer:
        _notify_maintainer_edit(locked, now=now)
    return True


@transaction.atomic
def sme_profile_validate(*, by: Any, profile: SmeProfile, now: datetime | None = None) -> None:
    """A focal point of the profile's state (or the secretariat) vouches for it; an archived
    profile is restored this way. Refused for a profile already validated."""
    locked = SmeProfile.objects.select_for_update().get(pk=profile.pk)
    _require_manager(by, profile.member_state)
    if locked.status == SmeProfile.Status.VALIDATED:
        raise ValidationError({"status": [_("This profile is already validated.")]})
    locked.status = SmeProfile.Status.VALIDATED
    locked.validated_by, locked.validated_at = by, now or timezone.now()
    locked.save(update_fields=["status", "validated_by", "validated_at", "updated_at"])


@transaction.atomic
def sme_profile_archive(*, by: Any, profile: SmeProfile) -> None:
    """Withdraw a profile from the directory (kept, with its history); a focal point of its
    state or the secretariat. The maintainer can no longer edit it."""
    locked = SmeProfile.objects.select_for_update().get(pk=profile.pk)
    _require_manager(by, profile.member_state)
    if locked.status == SmeProfile.Status.ARCHIVED:
        raise ValidationError({"status": [_("This profile is already archived.")]})
    locked.status = SmeProfile.Status.ARCHIVED
    locked.save(update_fields=["status", "updated_at"])


@transaction.atomic
def sme_profile_set_public(
    *, by: Any, profile: SmeProfile, public: bool, consent_note: str = "",
    now: datetime | None = None,
) -> None:  # fmt: skip
    """Opt in or out of the public directory. The SME's maintainer decides for itself; a focal
    point of the state (or the secretariat) publishes only by recording how the SME agreed
    (`consent_note`), and may always withdraw the profile from the public."""
    locked = SmeProfile.objects.select_for_update().get(pk=profile.pk)
    note = " ".join(consent_note.split())
    if permissions.is_maintainer(by, locked) and locked.status != SmeProfile.Status.ARCHIVED:
        note = note or _("Decided by the SME on the platform.")
    elif permissions.can_manage(by, locked):
        if public and not note:
            raise ValidationError(
                {
                    "consent_note": [
                        _(
                            "Say how the SME agreed to be listed (e.g. “signed form of "
                            "3 March 2026”): only the SME decides to be public."
                        )
                    ]
                }
            )
    else:
        raise PermissionDenied(_("Only the SME or a focal point of its state decides this."))
    if len(note) > 300:
        raise ValidationError(
            {"consent_note": [_("At most %(limit)s characters.") % {"limit": 300}]}
        )
    locked.public = public
    locked.consent_note = note if public else ""
    locked.consent_recorded_by, locked.consent_recorded_at = by, now or timezone.now()
    locked.save(
        update_fields=[
            "public", "consent_note", "consent_recorded_by", "consent_recorded_at", "updated_at",
        ]
    )  # fmt: skip


# --------------------------------------------------------------------------- invitations


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def invitation_token(nonce: str) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign_object({"n": nonce})


def invitation_by_token(token: str) -> MaintainerInvitation | None:
    """The invitation of a link, whatever its status; None for a tampered or unknown link.
    A link older than its validity counts as expired even if the database says otherwise."""
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    try:
        payload = signer.unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    nonce = payload.get("n") if isinstance(payload, dict) else None
    if not isinstance(nonce, str):
        return None
    invitation = (
        MaintainerInvitation.objects.select_related("profile__member_state", "invited_by")
        .filter(nonce_hash=_nonce_hash(nonce))
        .first()
    )
    if invitation is None:
        return None
    try:
        signer.unsign_object(token, max_age=timedelta(days=settings.INVITATION_VALID_DAYS))
    except signing.SignatureExpired:
        invitation.expires_at = min(invitation.expires_at, timezone.now())
    return invitation


def _invitation_email_send(invitation: MaintainerInvitation, *, link: str) -> None:
    context = {"invitation": invitation, "profile": invitation.profile, "link": link}
    with translation.override(invitation.language):
        zone = secretariat_zone()
        context.update(expires=timezone.localtime(invitation.expires_at, zone), zone=zone.key)
        subject = _("Keep the profile of %(name)s current in the D-8 SME directory") % {
            "name": invitation.profile.name
        }
        text = render_to_string("directory/email/invitation.txt", context)
        html = render_to_string("directory/email/invitation.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def maintainer_invitation_send(
    *, by: Any, profile: SmeProfile, site_url: str, email: str = "", language: str = "en",
    now: datetime | None = None,
) -> MaintainerInvitation:  # fmt: skip
    """E-mail the SME's contact (or `email`) a link, good once for INVITATION_VALID_DAYS days,
    to become the profile's maintainer. A pending earlier invitation of the profile stops
    working. If the e-mail cannot be sent, nothing is kept."""
    now = now or timezone.now()
    locked = SmeProfile.objects.select_for_update().get(pk=profile.pk)
    _require_manager(by, profile.member_state)
    if locked.status == SmeProfile.Status.ARCHIVED:
        raise ValidationError({"email": [_("An archived profile cannot be kept current.")]})
    address = normalize_email((email or locked.contact_email).strip())
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": [_("Give the SME contact's e-mail address.")]}) from None
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose a language of the platform.")]})
    earlier = MaintainerInvitation.objects.select_for_update().filter(
        profile=locked, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    for pending in earlier:
        pending.revoked_at = now
        pending.save(update_fields=["revoked_at"])
    nonce = secrets.token_urlsafe(24)
    invitation = MaintainerInvitation.objects.create(
        profile=locked, email=address, language=language, nonce_hash=_nonce_hash(nonce),
        invited_by=by, created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )  # fmt: skip
    account_record_event(
        kind=AccountEvent.Kind.INVITATION_SENT, email=address, at=now,
        detail=f"as maintainer of SME profile {locked.slug} by {by.email}",
    )  # fmt: skip
    path = reverse("directory:invitation-accept", args=[invitation_token(nonce)])
    _invitation_email_send(invitation, link=site_url.rstrip("/") + path)
    return invitation


@transaction.atomic
def maintainer_invitation_accept(
    *, invitation: MaintainerInvitation, user: User | None = None, password: str | None = None,
    ip: str | None = None, now: datetime | None = None,
) -> User:  # fmt: skip
    """Accept a pending invitation as `user` (signed in with the invited address) or as a new
    account with `password` (already checked by the password validators): the account becomes
    the profile's maintainer, replacing any earlier one. Raises InvitationUnusable or
    InvitationForAnotherAddress, with nothing written."""
    now = now or timezone.now()
    locked = MaintainerInvitation.objects.select_for_update().get(pk=invitation.pk)
    locked.expires_at = min(locked.expires_at, invitation.expires_at)
    status = locked.status_at(now)
    if status != MaintainerInvitation.Status.PENDING:
        raise InvitationUnusable(status)
    if user is None:
        if User.objects.filter(email__iexact=locked.email).exists():
            raise InvitationForAnotherAddress
        user = User.objects.create_user(
            email=locked.email, password=password, language=locked.language
        )
    elif normalize_email(user.email) != normalize_email(locked.email):
        raise InvitationForAnotherAddress
    profile = SmeProfile.objects.select_for_update().get(pk=locked.profile_id)
    if profile.status == SmeProfile.Status.ARCHIVED:
        raise InvitationUnusable(MaintainerInvitation.Status.REVOKED)
    profile.maintainer = user
    profile.save(update_fields=["maintainer", "updated_at"])
    locked.accepted_at, locked.accepted_by = now, user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    account_record_event(
        kind=AccountEvent.Kind.INVITATION_ACCEPTED, user=user, ip=ip, at=now,
        detail=f"as maintainer of SME profile {profile.slug}",
    )  # fmt: skip
    return user
