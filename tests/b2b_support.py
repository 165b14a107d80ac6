"""An exhibition with B2B meetings, shared by the B2B test modules.

Two member states (Istanbul time and Kuala Lumpur time); each has a focal point; three SMEs
of state A (two with a maintainer), two of state B; all accepted or confirmed for the event
except one of state A, who is only nominated, and one SME of state B at ANOTHER event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from d8coop.b2b import services
from d8coop.cooperation.models import Meeting
from d8coop.directory.models import Product, SmeProfile
from d8coop.participation.models import Event, Nomination
from tests.factories import MeetingFactory, MemberStateFactory, appoint_focal_point

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SESSIONS = [
    services.SessionInput(date(2026, 12, 2), time(9, 0), time(11, 0)),
    services.SessionInput(date(2026, 12, 3), time(14, 0), time(15, 0)),
]


@dataclass
class World:
    secretariat: Any
    fp_a: Any
    fp_b: Any
    maintainer_a1: Any
    maintainer_a2: Any
    outsider: Any
    event: Event
    other_event: Event
    a1: Nomination
    a2: Nomination
    a3_nominated: Nomination
    b1: Nomination
    b2: Nomination
    b_elsewhere: Nomination


def sme(state, name: str, creator, maintainer=None, hs: str = "8419") -> SmeProfile:
    profile = SmeProfile.objects.create(
        slug=name.lower().replace(" ", "-"),
        name=name,
        member_state=state,
        description=f"{name} makes things.",
        isic_section="C",
        size_class=SmeProfile.SizeClass.SMALL,
        status=SmeProfile.Status.VALIDATED,
        maintainer=maintainer,
        created_by=creator,
        contact_name=f"Contact of {name}",
    )
    Product.objects.create(profile=profile, hs_code=hs, description="Food machinery")
    return profile


def make_event(host, creator, slug: str) -> Event:
    meeting = MeetingFactory(
        slug=slug,
        title=f"D-8 Industrial Exhibition {slug}",
        kind=Meeting.Kind.EXHIBITION,
        country=host,
        status=Meeting.Status.PLANNED,
        period_text="1-4 December 2026",
    )
    return Event.objects.create(
        meeting=meeting,
        registration_opens=datetime(2026, 9, 1, tzinfo=UTC),
        registration_closes=datetime(2026, 11, 1, tzinfo=UTC),
        default_quota=5,
        created_by=creator,
    )


def nominate(event, profile, creator, status=Nomination.Status.ACCEPTED) -> Nomination:
    return Nomination.objects.create(
        event=event, member_state=profile.member_state, sme=profile, status=status,
        nominated_by=creator,
    )  # fmt: skip


def build_world(django_user_model, secretariat, outsider) -> World:
    state_a = MemberStateFactory(time_zone="Europe/Istanbul", name="State A")
    state_b = MemberStateFactory(time_zone="Asia/Kuala_Lumpur", name="State B")

    def user(email: str):
        return django_user_model.objects.create_user(email=email, password=None)

    fp_a, fp_b = user("fp-a@example.org"), user("fp-b@example.org")
    appoint_focal_point(fp_a, state_a.code, started_on=date(2020, 1, 1))
    appoint_focal_point(fp_b, state_b.code, started_on=date(2020, 1, 1))
    m1, m2 = user("anvil@example.com"), user("batik@example.com")
    event = make_event(state_a, secretariat, "expo-2026")
    other_event = make_event(state_b, secretariat, "expo-other")
    confirmed = Nomination.Status.CONFIRMED
    return World(
        secretariat=secretariat, fp_a=fp_a, fp_b=fp_b, maintainer_a1=m1, maintainer_a2=m2,
        outsider=outsider, event=event, other_event=other_event,
        a1=nominate(event, sme(state_a, "Anvil Works", fp_a, m1), fp_a),
        a2=nominate(event, sme(state_a, "Batik House", fp_a, m2, "5208"), fp_a, confirmed),
        a3_nominated=nominate(event, sme(state_a, "Copper Co", fp_a), fp_a,
                              Nomination.Status.NOMINATED),
        b1=nominate(event, sme(state_b, "Durian Foods", fp_b, hs="2008"), fp_b),
        b2=nominate(event, sme(state_b, "Electra", fp_b, hs="8501"), fp_b),
        b_elsewhere=nominate(other_event, sme(state_b, "Far Away", fp_b), fp_b),
    )  # fmt: skip


def configure(world: World, **overrides):
    values = {
        "slot_minutes": 30,
        "tables": 2,
        "request_lifetime_hours": 48,
        "sessions": SESSIONS,
    }
    values.update(overrides)
    return services.b2b_configure(by=world.secretariat, event=world.event, **values)


@pytest.fixture
def world(db, django_user_model, secretariat, outsider) -> World:
    return build_world(django_user_model, secretariat, outsider)


@pytest.fixture
def open_world(world) -> World:
    configure(world)
    return world
