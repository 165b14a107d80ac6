"""Personas and records for the investors tests: a verified investor, the host focal point of
Türkiye, the focal point of another state (Malaysia), and opportunities in every state."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from d8coop.investors.models import Interest, Investor
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity
from tests.factories import appoint_focal_point

PASSWORD = "a-Long-and-unusual-passw0rd"


@pytest.fixture(scope="module")
def _reference_data_once(django_db_setup, django_db_blocker):
    """The D-8 record loaded once per module, in a transaction rolled back at its end (each
    test still runs in its own inner transaction), as tests.consultations_support does."""
    from d8coop.reference_data.loader import load_reference_data

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = load_reference_data()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def reference_data(_reference_data_once, db):
    return _reference_data_once


def make_opportunity(
    *, slug: str = "olive-oil-plant", state: str = "TR", status: str = "published",
    section: str = "C", valid_until: date | None = None, created_by=None,
    title: str = "Olive oil processing plant", description: str = "A plant in Aydın.",
) -> Opportunity:  # fmt: skip
    from django.contrib.auth import get_user_model

    creator = created_by or get_user_model().objects.get_or_create(email="creator@d8.example")[0]
    return Opportunity.objects.create(
        slug=slug, title=title, description=description,
        host_state=MemberState.objects.get(code=state), isic_section=section,
        instrument=Opportunity.Instrument.JOINT_VENTURE, stage=Opportunity.Stage.READY,
        valid_until=valid_until or timezone.localdate() + timedelta(days=90),
        created_by=creator, status=status, size_amount=Decimal("5000000"), currency="USD",
        size_usd=Decimal("5000000"),
        published_at=timezone.now() if status == "published" else None,
    )  # fmt: skip


def make_investor(email: str = "ines@invest.example", *, verified: bool = True, **fields):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password=PASSWORD)
    defaults = dict(
        organization="Gulf Agri Fund", kind=Investor.Kind.FUND, country="AE", sectors=["A", "C"],
        instruments=["equity"], ticket_min_usd=Decimal("1000000"),
        ticket_max_usd=Decimal("20000000"), description="Food processing.",
        email_verified_at=timezone.now() if verified else None,
    )  # fmt: skip
    defaults.update(fields)
    return Investor.objects.create(user=user, **defaults)


@pytest.fixture
def investor(reference_data):
    return make_investor()


@pytest.fixture
def unverified(reference_data):
    return make_investor("uma@invest.example", verified=False, organization="Uma Capital")


@pytest.fixture
def tarik(reference_data, django_user_model):
    """Focal point of Türkiye, the host state."""
    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def maya(reference_data, django_user_model):
    """Focal point of Malaysia: another state."""
    user = django_user_model.objects.create_user(email="maya@smecorp.example", password=PASSWORD)
    appoint_focal_point(user, "MY", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def opportunity(reference_data):
    return make_opportunity()


@pytest.fixture
def interest(investor, opportunity, tarik):
    from d8coop.investors import services

    return services.interest_express(
        user=investor.user, opportunity=opportunity, message="We invest in food processing."
    )


def snapshot(interest: Interest) -> tuple:
    interest.refresh_from_db()
    return (interest.stage, interest.stage_on, interest.steps.count())
