"""factory_boy factories for the registry, shared by the test modules.

Conventions:
* every sourced record gets its own Source unless one is passed (``source=...``);
* visibility defaults follow the models (members only); use the ``public`` trait, e.g.
  ``PositionFactory(public=True)`` or ``ContactNumberFactory(public=True)``;
* period-bearing records take ``period_text`` and derive the bounds with ``parse_period``;
  pass ``period_earliest``/``period_latest`` to override, or ``period_text=""`` for none;
* member state codes are ISO "user-assigned" codes first (XA..XZ, QM..QZ, AA, ZZ), then
  other pairs, never those of the D-8 member states, so factories and the shipped
  reference data can share a database.
"""

import itertools
import string
from datetime import date

import factory
from factory.django import DjangoModelFactory

from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    Signatory,
    Term,
)
from d8coop.core.models import Source, Visibility
from d8coop.core.periods import parse_period
from d8coop.members.models import (
    ContactNumber,
    Membership,
    MemberState,
    Organization,
    Person,
    Position,
    PositionHolding,
)

D8_CODES = {"AZ", "BD", "EG", "ID", "IR", "MY", "NG", "PK", "TR"}
_USER_ASSIGNED = [f"X{c}" for c in string.ascii_uppercase] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"]
_USER_ASSIGNED += ["AA", "ZZ"]
_OTHER = [
    a + b
    for a, b in itertools.product(string.ascii_uppercase, repeat=2)
    if a + b not in D8_CODES and a + b not in _USER_ASSIGNED
]
STATE_CODES = _USER_ASSIGNED + _OTHER


def _bound(obj, attr: str) -> date | None:
    """The earliest or latest date of ``obj.period_text`` (None when there is no text)."""
    text = obj.period_text
    if not text:
        return None
    return getattr(parse_period(text, relative_to=date(2015, 1, 1)), attr)


class PeriodFactoryMixin(factory.Factory):
    """Period fields derived from ``period_text``."""

    period_earliest = factory.LazyAttribute(lambda o: _bound(o, "earliest"))
    period_latest = factory.LazyAttribute(lambda o: _bound(o, "latest"))
    period_tentative = factory.LazyAttribute(lambda o: _bound(o, "tentative") or False)

    class Meta:
        abstract = True


class SourceFactory(DjangoModelFactory):
    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    publisher = "D-8 Organization for Economic Cooperation"
    url = factory.Sequence(lambda n: f"https://d-8.example/sources/{n}")
    published_text = "c. 2015"

    class Meta:
        model = Source


class SourcedFactory(DjangoModelFactory):
    source = factory.SubFactory(SourceFactory)
    source_note = ""

    class Meta:
        abstract = True


class MembershipFactory(SourcedFactory):
    member_state = factory.SubFactory("tests.factories.MemberStateFactory", membership=None)
    joined_on = date(1997, 6, 15)
    left_on = None

    class Meta:
        model = Membership


class MemberStateFactory(SourcedFactory):
    """A member state, with one open membership since 1997 (pass ``membership=None`` for
    none, or ``membership__joined_on=...`` to change it)."""

    code = factory.Sequence(lambda n: STATE_CODES[n % len(STATE_CODES)])
    name = factory.Sequence(lambda n: f"Member state {n}")
    currency = "XXX"
    time_zone = "UTC"
    weekend_days = factory.LazyFunction(lambda: [5, 6])
    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="member_state")

    class Meta:
        model = MemberState
        skip_postgeneration_save = True


class OrganizationFactory(SourcedFactory):
    slug = factory.Sequence(lambda n: f"organization-{n}")
    name = factory.Sequence(lambda n: f"Ministry of Industry {n}")
    acronym = factory.Sequence(lambda n: f"MOI{n}")
    kind = Organization.Kind.MINISTRY
    member_state = factory.SubFactory(MemberStateFactory)

    class Meta:
        model = Organization


class PersonFactory(SourcedFactory):
    honorific = "Dr."
    name = factory.Sequence(lambda n: f"Person {n}")

    class Meta:
        model = Person


class BodyFactory(SourcedFactory):
    slug = factory.Sequence(lambda n: f"body-{n}")
    name = factory.Sequence(lambda n: f"Working Group {n}")
    short_name = factory.Sequence(lambda n: f"WG{n}")
    kind = Body.Kind.WORKING_GROUP

    class Meta:
        model = Body


class PositionFactory(SourcedFactory):
    """A position; members-only like the model default unless ``public=True``. Pass
    ``bodies=[body, ...]`` to attach bodies."""

    slug = factory.Sequence(lambda n: f"position-{n}")
    title = "Director General"
    role = factory.Sequence(lambda n: f"SME focal point {n}")
    organization = factory.SubFactory(OrganizationFactory)
    member_state = factory.SelfAttribute("organization.member_state")
    sector = Position.Sector.PUBLIC
    is_focal_point = True
    email = factory.Sequence(lambda n: f"focal-{n}@ministry.example")
    visibility = Visibility.MEMBERS

    class Meta:
        model = Position
        skip_postgeneration_save = True

    class Params:
        public = factory.Trait(visibility=Visibility.PUBLIC)

    @factory.post_generation
    def bodies(self, create, extracted, **kwargs):
        if create and extracted:
            self.bodies.set(extracted)


class PositionHoldingFactory(SourcedFactory):
    position = factory.SubFactory(PositionFactory)
    person = factory.SubFactory(PersonFactory)
    started_on = date(2020, 1, 1)
    ended_on = None

    class Meta:
        model = PositionHolding


class ContactNumberFactory(DjangoModelFactory):
    position = factory.SubFactory(PositionFactory)
    kind = ContactNumber.Kind.PHONE
    number = factory.Sequence(lambda n: f"+90 312 555 {n % 10000:04d}")
    extension = ""
    visibility = Visibility.MEMBERS
    order = factory.Sequence(lambda n: n)

    class Meta:
        model = ContactNumber

    class Params:
        public = factory.Trait(visibility=Visibility.PUBLIC)


class MeetingFactory(SourcedFactory, PeriodFactoryMixin):
    slug = factory.Sequence(lambda n: f"meeting-{n}")
    title = factory.Sequence(lambda n: f"Meeting {n}")
    body = factory.SubFactory(BodyFactory)
    kind = Meeting.Kind.MEETING
    city = "Istanbul"
    country = factory.SubFactory(MemberStateFactory)
    status = Meeting.Status.HELD
    mode = Meeting.Mode.IN_PERSON
    period_text = "26-28 January 2015"

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    @factory.post_generation
    def back_to_back(self, create, extracted, **kwargs):
        if create and extracted:
            self.back_to_back.set(extracted)


class TermFactory(SourcedFactory, PeriodFactoryMixin):
    body = factory.SubFactory(BodyFactory)
    member_state = factory.SubFactory(MemberStateFactory)
    role = Term.Role.COORDINATOR
    period_text = "2015-2017"

    class Meta:
        model = Term


class DocumentFactory(SourcedFactory):
    slug = factory.Sequence(lambda n: f"document-{n}")
    title = factory.Sequence(lambda n: f"Declaration {n}")
    kind = Document.Kind.DECLARATION
    body = factory.SubFactory(BodyFactory)
    adopted_at = None
    adopted_on = date(2015, 1, 28)
    url = factory.Sequence(lambda n: f"https://d-8.example/documents/{n}.pdf")

    class Meta:
        model = Document


class SignatoryFactory(DjangoModelFactory):
    """A member state signing a document; pass ``member_state=None, organization=org``
    for an organization."""

    document = factory.SubFactory(DocumentFactory, kind=Document.Kind.MOU)
    member_state = factory.SubFactory(MemberStateFactory)
    organization = None
    signed_on = date(2015, 1, 28)

    class Meta:
        model = Signatory


class OutcomeFactory(SourcedFactory):
    meeting = factory.SubFactory(MeetingFactory)
    body = factory.SelfAttribute("meeting.body")
    kind = Outcome.Kind.DECISION
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"The meeting decided point {n}.")

    class Meta:
        model = Outcome


class ActionItemFactory(SourcedFactory, PeriodFactoryMixin):
    """An open action item due in 2016. Pass ``responsible_states=[state, ...]``."""

    outcome = factory.SubFactory(OutcomeFactory)
    body = factory.SelfAttribute("outcome.meeting.body")
    title = factory.Sequence(lambda n: f"Action item {n}")
    status = ActionItem.Status.PLANNED
    period_text = "2016"

    class Meta:
        model = ActionItem
        skip_postgeneration_save = True

    @factory.post_generation
    def responsible_states(self, create, extracted, **kwargs):
        if create and extracted:
            self.responsible_states.set(extracted)


def appoint_focal_point(user, code: str, *body_slugs: str, started_on: date):
    """Make the user focal point of the member state `code` (for those bodies only, if any),
    as `d8coop create-user --role focal-point` does."""
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.cooperation.models import Body
    from d8coop.members.models import MemberState

    return focal_point_appoint(
        user=user,
        state=MemberState.objects.get(code=code),
        bodies=[Body.objects.get(slug=slug) for slug in body_slugs],
        started_on=started_on,
        name=user.email.split("@")[0].title(),
    )
