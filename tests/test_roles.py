"""Roles come from positions: focal points, coordinators, the secretariat, and create-user."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from d8coop.accounts.models import AccountEvent
from d8coop.accounts.permissions import (
    can_act_for_state,
    can_see_members_data,
    coordinated_bodies,
    focal_point_bodies,
    focal_point_states,
)
from d8coop.cooperation.models import Body
from d8coop.core.models import Source, Visibility
from d8coop.members.models import MemberState, Person, Position, PositionHolding
from tests.factories import MemberStateFactory, appoint_focal_point

pytestmark = pytest.mark.django_db

STARTED = date(2024, 1, 1)


def body(slug: str) -> Body:
    return Body.objects.get(slug=slug)


def appoint(user, code: str, *body_slugs: str, started_on: date = STARTED):
    return appoint_focal_point(user, code, *body_slugs, started_on=started_on)


@pytest.fixture
def tarik(reference_data, django_user_model):
    """The focal point of Türkiye, for all bodies."""
    user = django_user_model.objects.create_user(email="tarik@tr-sme.example", password="x-pw-11")
    appoint(user, "TR")
    return user


@pytest.fixture
def reza(reference_data, django_user_model):
    """The focal point of Iran, for all bodies."""
    user = django_user_model.objects.create_user(email="reza@iran-sme.example", password="x-pw-12")
    appoint(user, "IR")
    return user


@pytest.fixture
def selin(reference_data, django_user_model):
    """A focal point of Türkiye for the SME Task Force only."""
    user = django_user_model.objects.create_user(email="selin@kosgeb.example", password="x-pw-13")
    appoint(user, "TR", "tf-smes")
    return user


def test_a_focal_point_of_turkiye_can_act_for_turkiye_and_not_for_iran(tarik):
    assert focal_point_states(tarik) == {"TR"}
    assert focal_point_bodies(tarik, "TR") is None
    assert can_act_for_state(tarik, "TR")
    assert can_act_for_state(tarik, "tr", body_id=body("tf-energy").pk)
    assert not can_act_for_state(tarik, "IR")
    assert focal_point_bodies(tarik, "IR") == set()


def test_a_focal_point_limited_to_the_sme_task_force_cannot_act_on_another_body(selin):
    assert focal_point_bodies(selin, "TR") == {body("tf-smes").pk}
    assert can_act_for_state(selin, "TR", body_id=body("tf-smes").pk)
    assert not can_act_for_state(selin, "TR", body_id=body("tf-energy").pk)
    assert not can_act_for_state(selin, "IR", body_id=body("tf-smes").pk)


def test_a_successor_gains_the_rights_and_the_predecessor_loses_them_the_next_day(
    tarik, django_user_model
):
    # Given Tarik has held Türkiye's focal-point position since 2024
    successor = django_user_model.objects.create_user(email="ayse@kosgeb.example")
    takeover = date(2025, 6, 1)
    eve = takeover - timedelta(days=1)

    # When Ayşe is appointed to the same position from 1 June 2025
    holding = appoint(successor, "TR", started_on=takeover)

    # Then the position is the same, Tarik acts until the eve and Ayşe from the day on
    assert holding.position == Position.objects.get(holdings__person__user=tarik)
    assert PositionHolding.objects.get(person__user=tarik).ended_on == eve
    assert can_act_for_state(tarik, "TR", on=eve)
    assert not can_act_for_state(successor, "TR", on=eve)
    assert not can_act_for_state(tarik, "TR", on=takeover)
    assert can_act_for_state(successor, "TR", on=takeover)
    assert focal_point_states(tarik) == set()
    kinds = set(AccountEvent.objects.values_list("user__email", "kind"))
    assert ("tarik@tr-sme.example", "role_ended") in kinds
    assert ("ayse@kosgeb.example", "role_granted") in kinds


def test_a_focal_point_of_a_coordinator_country_coordinates_the_body(tarik, reza):
    coordinated = coordinated_bodies(tarik)
    # Türkiye coordinates the SME and Energy task forces (terms with no period: current)
    assert {body("tf-smes").pk, body("tf-energy").pk} <= coordinated
    # its chair of the SME Governmental Bodies was for 2015-2016 only
    assert body("smes-governmental-bodies").pk not in coordinated
    # and counted while it lasted, for a focal point in office then
    PositionHolding.objects.filter(person__user=tarik).update(started_on=date(2015, 1, 1))
    assert body("smes-governmental-bodies").pk in coordinated_bodies(tarik, on=date(2016, 6, 1))
    # Iran does not coordinate the Energy task force
    assert body("tf-energy").pk not in coordinated_bodies(reza)
    assert body("tf-smes").pk in coordinated_bodies(reza)


def test_a_focal_point_limited_to_one_body_coordinates_only_that_body(selin):
    assert coordinated_bodies(selin) == {body("tf-smes").pk}


def test_the_secretariat_can_act_for_every_state(reference_data, secretariat):
    for code in MemberState.objects.values_list("code", flat=True):
        assert can_act_for_state(secretariat, code, body_id=body("tf-smes").pk)
    assert can_see_members_data(secretariat)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "inactive focal point"])
def test_nobody_without_a_current_position_can_act_for_any_state(
    reference_data, outsider, django_user_model, who
):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "outsider":
        user = outsider
    else:
        user = django_user_model.objects.create_user(email="gone@kosgeb.example")
        appoint(user, "TR")
        user.is_active = False
        user.save()
    for code in MemberState.objects.values_list("code", flat=True):
        assert not can_act_for_state(user, code)
    assert focal_point_states(user) == set()
    assert coordinated_bodies(user) == set()
    assert not can_see_members_data(user)


@pytest.fixture
def members_only_contact(reference_data):
    position = Position.objects.create(
        slug="sme-tf-ng-private", role="Confidential focal point of Nigeria",
        member_state=MemberState.objects.get(code="NG"), visibility=Visibility.MEMBERS,
        source=Source.objects.get(key="seed"),
    )  # fmt: skip
    position.bodies.add(body("tf-smes"))
    return position


def test_a_focal_point_sees_members_only_contacts_and_the_outsider_does_not(
    client, members_only_contact, selin, outsider
):
    client.force_login(selin)
    assert "Confidential focal point of Nigeria" in client.get("/bodies/tf-smes/contacts/").text
    client.force_login(outsider)
    assert "Confidential focal point" not in client.get("/bodies/tf-smes/contacts/").text


def test_a_former_focal_point_no_longer_sees_members_only_contacts(
    client, members_only_contact, tarik
):
    PositionHolding.objects.filter(person__user=tarik).update(
        ended_on=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(tarik)
    assert "Confidential focal point" not in client.get("/bodies/tf-smes/contacts/").text


@pytest.mark.parametrize("who", ["focal point", "outsider", "observer"])
def test_the_members_only_check_costs_a_few_queries_once_per_request(
    tarik, outsider, member_user, who
):
    user = {"focal point": tarik, "outsider": outsider, "observer": member_user}[who]
    user = get_user_model().objects.get(pk=user.pk)  # a fresh object, as each request has
    with CaptureQueriesContext(connection) as first:
        expected = can_see_members_data(user)
    with CaptureQueriesContext(connection) as again:
        assert can_see_members_data(user) is expected
    assert expected is (who != "outsider")
    assert len(first) <= 3
    assert len(again) == 0


# create-user --role focal-point


def create_user(*args: str) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_create_user_makes_a_focal_point_of_a_new_members_only_position(reference_data):
    output = create_user(
        "--email", "Tarik@KOSGEB.example", "--role", "focal-point", "--country", "tr",
        "--name", "Tarık Yılmaz", "--body", "tf-energy", "--password", "x-long-pw-1",
    )  # fmt: skip
    user = get_user_model().objects.get(email="tarik@kosgeb.example")
    person = Person.objects.get(user=user)
    holding = PositionHolding.objects.get(person=person)
    position = holding.position
    assert person.name == "Tarık Yılmaz"
    assert holding.started_on == timezone.localdate() and holding.ended_on is None
    assert position.role == "Focal point of Türkiye for Energy"
    assert position.visibility == Visibility.MEMBERS and position.is_focal_point
    assert position.source.key == "platform-users"
    assert position.source.title == "Entered by the platform's operators"
    assert list(position.bodies.all()) == [body("tf-energy")]
    assert not user.is_staff
    assert can_act_for_state(user, "TR", body_id=body("tf-energy").pk)
    assert not can_act_for_state(user, "TR", body_id=body("tf-smes").pk)
    assert "holds Focal point of Türkiye for Energy" in output
    event = AccountEvent.objects.get(user=user)
    assert event.kind == "role_granted"
    assert "focal point of TR (tf-energy)" in event.detail


def test_create_user_gives_a_second_focal_point_the_position_of_the_first(reference_data):
    # Given a focal point of Türkiye for all bodies
    create_user("--email", "tarik@kosgeb.example", "--role", "focal-point", "--country",
                "TR", "--name", "Tarık")  # fmt: skip
    first = get_user_model().objects.get(email="tarik@kosgeb.example")
    position = Position.objects.get(holdings__person__user=first)
    assert position.role == "Focal point of Türkiye" and not position.bodies.exists()

    # When the operators create his successor
    create_user("--email", "ayse@kosgeb.example", "--role", "focal-point", "--country",
                "TR", "--name", "Ayşe")  # fmt: skip

    # Then she holds the same position from today, and his holding ended yesterday
    today = timezone.localdate()
    second = get_user_model().objects.get(email="ayse@kosgeb.example")
    assert Position.objects.get(holdings__person__user=second) == position
    assert PositionHolding.objects.get(person__user=first).ended_on == today - timedelta(days=1)
    assert can_act_for_state(second, "TR") and not can_act_for_state(first, "TR")
    assert Source.objects.filter(key="platform-users").count() == 1


def test_appointing_a_focal_point_never_takes_over_a_public_listed_position(reference_data):
    # Given Iran's SME focal point position, published on the seed page
    listed = Position.objects.get(slug="sme-tf-ir")
    # When an operator appoints a new focal point of Iran for the SME task force
    create_user("--email", "reza@iran-sme.example", "--role", "focal-point", "--country",
                "IR", "--name", "Reza", "--body", "tf-smes")  # fmt: skip
    user = get_user_model().objects.get(email="reza@iran-sme.example")
    position = Position.objects.get(holdings__person__user=user)
    # Then the person gets a members-only position; the public listing is untouched
    assert position != listed and position.visibility == "members"
    assert list(position.bodies.all()) == [body("tf-smes")]
    assert listed.holdings.get().ended_on is None


def test_a_second_appointment_to_the_same_role_reuses_the_operators_position(reference_data):
    for email, name in [("a@ir.example", "A"), ("b@ir.example", "B")]:
        create_user("--email", email, "--role", "focal-point", "--country", "IR",
                    "--name", name, "--body", "tf-smes")  # fmt: skip
    first = Position.objects.get(holdings__person__user__email="a@ir.example")
    second = Position.objects.get(holdings__person__user__email="b@ir.example")
    assert first == second


def _state_of_the_database() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "people": Person.objects.count(),
        "positions": Position.objects.count(),
        "holdings": PositionHolding.objects.count(),
        "open holdings": PositionHolding.objects.filter(ended_on__isnull=True).count(),
        "sources": Source.objects.count(),
        "events": AccountEvent.objects.count(),
    }


FOCAL_POINT = ["--email", "new@d8.example", "--role", "focal-point", "--name", "New Person"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*FOCAL_POINT, "--country", "XY"], "No member state with the code 'XY'"),
        ([*FOCAL_POINT, "--country", "QZ"], "is not a member today"),
        ([*FOCAL_POINT, "--country", "TR", "--body", "tf-nothing"], "No body with the slug"),
        (FOCAL_POINT, "needs --country"),
        ([*FOCAL_POINT[:4], "--country", "TR"], "needs --name"),
        (["--email", "new@d8.example", "--role", "observer", "--country", "TR"],
         "apply to --role focal-point only"),
        (["--email", "new@d8.example", "--role", "secretariat", "--body", "tf-smes"],
         "apply to --role focal-point only"),
        (["--email", "Tarik@TR-SME.example", "--role", "focal-point", "--country", "TR",
          "--name", "X"], "already exists"),
    ],
)  # fmt: skip
def test_create_user_refuses_a_wrong_focal_point_and_changes_nothing(
    reference_data, tarik, args, message
):
    MemberStateFactory(code="QZ", name="Former member", membership__left_on=date(2001, 1, 1))
    before = _state_of_the_database()
    with pytest.raises(CommandError, match=message):
        create_user(*args)
    assert _state_of_the_database() == before
