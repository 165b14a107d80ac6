"""Shared set-up of the participation tests: the D-8 record, an exhibition a month ahead with
registration open, the focal points of Türkiye and Malaysia and validated SMEs of each."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.participation import services
from d8coop.participation.models import Event
from tests.factories import BodyFactory, MeetingFactory, appoint_focal_point


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def today() -> date:
    return timezone.localdate()


def make_meeting(*, kind=Meeting.Kind.EXHIBITION, starts_in: int = 30, days: int = 3, **extra):
    first = today() + timedelta(days=starts_in)
    values = {
        "kind": kind,
        "status": Meeting.Status.PLANNED,
        "country": MemberState.objects.get(code="TR"),
        "period_text": "",
        "period_earliest": first,
        "period_latest": first + timedelta(days=days - 1),
    }
    return MeetingFactory(body=BodyFactory(), **(values | extra))


_sme_counter = iter(range(1, 10_000))


def make_sme(code: str, *, by, name: str | None = None, status=SmeProfile.Status.VALIDATED,
             public: bool = True, maintainer=None) -> SmeProfile:  # fmt: skip
    n = next(_sme_counter)
    return SmeProfile.objects.create(
        slug=f"sme-{code.lower()}-{n}",
        name=name or f"{code} Textiles {n}",
        member_state=MemberState.objects.get(code=code),
        description="Woven fabrics for export.",
        isic_section="C",
        size_class=SmeProfile.SizeClass.SMALL,
        public=public,
        status=status,
        created_by=by,
        maintainer=maintainer,
    )


def open_event(secretariat, meeting=None, *, quota: int = 2, capacity=None, **window) -> Event:
    meeting = meeting or make_meeting()
    now = timezone.now()
    return services.event_open(
        by=secretariat,
        meeting=meeting,
        registration_opens=window.get("opens", now - timedelta(days=1)),
        registration_closes=window.get("closes", now + timedelta(days=20)),
        default_quota=quota,
        capacity=capacity,
    )


def build_world(secretariat, django_user_model):
    """Everything most tests need, as a simple namespace (the D-8 record must be loaded):
    each test module makes it its `world` fixture."""

    class World:
        pass

    w = World()
    w.secretariat = secretariat
    w.tarik = django_user_model.objects.create_user(
        email="tarik@kosgeb.example", password="x-long-password-2"
    )
    appoint_focal_point(w.tarik, "TR", started_on=date(2020, 1, 1))
    w.maya = django_user_model.objects.create_user(
        email="maya@smecorp.example", password="x-long-password-4"
    )
    appoint_focal_point(w.maya, "MY", started_on=date(2020, 1, 1))
    w.owner = django_user_model.objects.create_user(
        email="owner@tr-textiles.example", password="x-long-password-5"
    )
    w.tr_smes = [make_sme("TR", by=w.tarik) for _ in range(3)]
    w.tr_smes[0].maintainer = w.owner
    w.tr_smes[0].save()
    w.my_sme = make_sme("MY", by=w.maya)
    w.event = open_event(secretariat, quota=2)
    return w
