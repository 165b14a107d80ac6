"""Member states, organizations, people and the positions through which they act."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from d8coop.core.models import Sourced, Visibility

WEEKDAY_NAMES = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                 _("Saturday"), _("Sunday")]  # fmt: skip


class MemberStateQuerySet(models.QuerySet["MemberState"]):
    def members_on(self, day: date) -> "MemberStateQuerySet":
        """States that were members on a given day (Azerbaijan is not a member in 2015)."""
        return self.filter(
            Q(memberships__joined_on__lte=day)
            & (Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gte=day))
        ).distinct()


class MemberState(Sourced):
    code = models.CharField(_("ISO 3166-1 code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    other_names = models.CharField(
        _("other names"), max_length=200, blank=True, help_text=_("E.g. 'Turkey' for Türkiye.")
    )
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    time_zone = models.CharField(_("main time zone"), max_length=60)
    other_time_zones = models.CharField(_("other time zones"), max_length=200, blank=True)
    weekend_days = models.JSONField(
        _("weekend days"), default=list, help_text=_("Weekday numbers, Monday = 0.")
    )
    weekend_note = models.CharField(_("note on the weekend"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("member state")
        verbose_name_plural = _("member states")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:member-state", args=[self.code.lower()])

    def is_member_on(self, day: date) -> bool:
        """From the (prefetched) memberships; `members_on` is the same rule as a query."""
        return any(membership.covers(day) for membership in self.memberships.all())

    @property
    def weekend_names(self) -> list[str]:
        return [str(WEEKDAY_NAMES[day]) for day in self.weekend_days]


class Membership(Sourced):
    member_state = models.ForeignKey(
        MemberState, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("member until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["joined_on"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        until = f" until {self.left_on}" if self.left_on else ""
        return f"{self.member_state}: member from {self.joined_on}{until}"

    def covers(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


class Organization(Sourced):
    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat")
        MINISTRY = "ministry", _("Ministry")
        SME_AGENCY = "sme_agency", _("SME agency")
        INTERNATIONAL = "international", _("International organization")
        CHAMBER = "chamber", _("Chamber or association")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=250)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    website = models.URLField(_("website"), blank=True)
    is_national_sme_body = models.BooleanField(_("national SME body"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class Person(Sourced):
    honorific = models.CharField(_("honorific"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=200)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        help_text=_("The account through which this person acts in the positions they hold."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.honorific} {self.name}".strip()


class PositionQuerySet(models.QuerySet["Position"]):
    def visible_to(self, user) -> "PositionQuerySet":
        from d8coop.accounts.permissions import can_see_members_data

        if can_see_members_data(user):
            return self
        return self.filter(visibility=Visibility.PUBLIC)


class Position(Sourced):
    """A role that outlives the person holding it, e.g. the SME focal point of Türkiye."""

    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public sector")
        PRIVATE = "private", _("Private sector")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=250, blank=True)
    role = models.CharField(
        _("role"), max_length=250, help_text=_("E.g. 'SME focal point of Türkiye, public sector'.")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="positions"
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, null=True, blank=True, related_name="positions"
    )
    bodies = models.ManyToManyField(
        "cooperation.Body", verbose_name=_("bodies"), blank=True, related_name="positions"
    )
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices, blank=True)
    is_focal_point = models.BooleanField(_("focal point"), default=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    history = HistoricalRecords()

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["member_state__name", "sector", "role"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        permissions = [("view_members_only_data", _("Can see members-only data"))]

    def __str__(self) -> str:
        return self.role

    def get_absolute_url(self) -> str:
        return reverse("portal:contact", args=[self.slug])


class PositionHoldingQuerySet(models.QuerySet["PositionHolding"]):
    def current(self, day: date) -> "PositionHoldingQuerySet":
        """Holdings that cover the day (an open start or end counts as covering it)."""
        return self.filter(
            Q(started_on__isnull=True) | Q(started_on__lte=day),
            Q(ended_on__isnull=True) | Q(ended_on__gte=day),
        )


class PositionHolding(Sourced):
    """A person holding a position for a period; the open-ended one is the current holder."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="holdings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="holdings")
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    as_of_text = models.CharField(
        _("known as of"), max_length=100, blank=True, help_text=_("E.g. 'listed c. 2015'.")
    )
    history = HistoricalRecords()

    objects = PositionHoldingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("holding of a position")
        verbose_name_plural = _("holdings of positions")

    def __str__(self) -> str:
        return f"{self.person} — {self.position}"


class ContactNumberQuerySet(models.QuerySet["ContactNumber"]):
    def visible_to(self, user) -> "ContactNumberQuerySet":
        from d8coop.accounts.permissions import can_see_members_data

        if can_see_members_data(user):
            return self
        return self.filter(visibility=Visibility.PUBLIC)


class ContactNumber(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        FAX = "fax", _("Fax")
        MOBILE = "mobile", _("Mobile")

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="numbers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("number as written"), max_length=60)
    extension = models.CharField(_("extension"), max_length=60, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = ContactNumberQuerySet.as_manager()

    class Meta:
        ordering = ["position", "order", "pk"]
        verbose_name = _("contact number")
        verbose_name_plural = _("contact numbers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.number}"

    @property
    def dial_string(self) -> str:
        """Digits and a leading plus, for tel: links; the number is kept as written."""
        digits = "".join(ch for ch in self.number if ch.isdigit())
        return ("+" if self.number.strip().startswith("+") else "") + digits
