"""Personas and helpers shared by the consultation tests (imported by each test module).

Focal points hold their positions since 1 January 2014, so they answer in the 2015 seed
scenario as today. Files go to a temporary media folder.

The shipped D-8 record is loaded once per test module, inside a transaction rolled back when
the module ends (each test still runs in its own savepoint); `reference_data` here replaces
the per-test loading of tests/conftest.py. Tests that need real commits (transaction=True)
live in a module of their own and load the record themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from d8coop.consultations import services
from d8coop.cooperation.models import Body
from tests.factories import appoint_focal_point

IST = ZoneInfo("Europe/Istanbul")
SINCE = date(2014, 1, 1)
SEED_TEXT = (
    "All the Member States shall forward their views and comments within one (1) month on the "
    "communication network draft. In case no feedback received, it will be considered as "
    "accepted."
)
# The eight member states of January 2015 (Azerbaijan joined on 7 March 2025).
MEMBERS_2015 = ["BD", "EG", "ID", "IR", "MY", "NG", "PK", "TR"]
# Circulated at the close of the SME task force meeting in Tehran, 26-28 January 2015.
SEED_CIRCULATED = datetime(2015, 1, 28, 17, 0, tzinfo=IST)
SEED_DEADLINE_UTC = datetime(2015, 2, 28, 15, 0, tzinfo=UTC)  # 28 Feb 17:00 at UTC+02:00


def appoint(user, code: str, *body_slugs: str, started_on: date = SINCE):
    return appoint_focal_point(user, code, *body_slugs, started_on=started_on)


def focal_point(django_user_model, email: str, code: str, *bodies: str, **extra):
    user = django_user_model.objects.create_user(email=email, password="x-long-password-9", **extra)
    appoint(user, code, *bodies)
    return user


def circulate(by, **overrides):
    """The seed consultation, circulated on 28 January 2015, unless told otherwise."""
    values = {
        "title": "Communication network draft",
        "text": SEED_TEXT,
        "body": Body.objects.get(slug="tf-smes"),
        "duration": "one (1) month",
        "now": SEED_CIRCULATED,
    }
    values.update(overrides)
    return services.consultation_circulate(by=by, **values)


def answer(by, round_, code: str, kind: str = "no_objection", text: str = "", **extra):
    return services.answer_submit(
        by=by, round=round_, state_code=code, kind=kind, text=text, **extra
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Personas' passwords are never checked here; a slow hash only slows every test down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def _reference_data_once(django_db_setup, django_db_blocker):
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
    """The D-8 record, loaded once for the module (see the module's docstring)."""
    return _reference_data_once


@pytest.fixture
def tarik(reference_data, django_user_model):
    """Focal point of Türkiye (all bodies); Türkiye coordinates the SME task force."""
    return focal_point(django_user_model, "tarik@tr-sme.example", "TR")


@pytest.fixture
def maya(reference_data, django_user_model):
    """Focal point of Malaysia, for the SME task force only, reading in Kuala Lumpur time."""
    return focal_point(django_user_model, "maya@smecorp.example", "MY", "tf-smes")


@pytest.fixture
def emad(reference_data, django_user_model):
    """Focal point of Egypt (all bodies)."""
    return focal_point(django_user_model, "emad@msmeda.example", "EG")


@pytest.fixture
def aysel(reference_data, django_user_model):
    """Focal point of Azerbaijan, a member since 2025 only."""
    return focal_point(django_user_model, "aysel@az-sme.example", "AZ")


@pytest.fixture
def ngozi(reference_data, django_user_model):
    """Focal point of Nigeria for the energy task force only (not for SMEs)."""
    return focal_point(django_user_model, "ngozi@smedan.example", "NG", "tf-energy")
