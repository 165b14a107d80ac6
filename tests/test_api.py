"""The read-only REST API at /api/v1/: content, filters, visibility, refusals, schema, cost."""

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.urls import NoReverseMatch
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome, Term
from d8coop.members.models import Organization, Position
from tests.conftest import sign_in_verified
from tests.factories import (
    ActionItemFactory,
    BodyFactory,
    ContactNumberFactory,
    DocumentFactory,
    MeetingFactory,
    MembershipFactory,
    MemberStateFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    PositionFactory,
    PositionHoldingFactory,
    SignatoryFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
ENDPOINTS = [
    "member-states",
    "organizations",
    "bodies",
    "meetings",
    "documents",
    "outcomes",
    "action-items",
    "contacts",
]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def as_persona(api, request) -> Callable[[str], APIClient]:
    """Sign the client in as a persona of conftest.py, by name ("anonymous" stays out)."""

    def sign_in(persona: str) -> APIClient:
        if persona != "anonymous":
            sign_in_verified(api, request.getfixturevalue(persona))
        return api

    return sign_in


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response, key: str = "slug") -> list:
    return [row[key] for row in results(response)]


def detail_url(endpoint: str, obj) -> str:
    if endpoint == "member-states":
        return f"{API}/member-states/{obj.code.lower()}/"
    if endpoint in {"outcomes", "action-items"}:
        return f"{API}/{endpoint}/{obj.pk}/"
    return f"{API}/{endpoint}/{obj.slug}/"


def assert_error_shape(response, code: str) -> None:
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


# --------------------------------------------------------------------------- member states


def test_member_states_are_listed_and_retrieved_by_their_lowercase_iso_code(api):
    state = MemberStateFactory(code="XA", name="Xanadu", membership__joined_on=date(1997, 6, 15))

    listed = results(api.get(f"{API}/member-states/"))
    detail = api.get(f"{API}/member-states/xa/")

    assert [row["code"] for row in listed] == ["XA"]
    assert detail.status_code == 200
    assert api.get(f"{API}/member-states/XA/").status_code == 404
    body = detail.json()
    assert body["name"] == "Xanadu"
    assert body["is_member_today"] is True
    assert body["memberships"] == [
        {
            "joined_on": "1997-06-15",
            "left_on": None,
            "note": "",
            "source": body["memberships"][0]["source"],
            "source_note": "",
        }
    ]
    assert body["memberships"][0]["source"]["key"] == state.memberships.get().source.key


def test_an_unknown_member_state_code_is_a_404_with_the_error_shape(api):
    MemberStateFactory(code="XA")

    response = api.get(f"{API}/member-states/xb/")

    assert response.status_code == 404
    assert_error_shape(response, "not_found")


def test_member_on_keeps_only_the_states_that_were_members_that_day(api):
    MemberStateFactory(code="XA", membership__joined_on=date(1997, 6, 15))
    MemberStateFactory(code="XB", membership__joined_on=date(2017, 10, 20))
    left = MemberStateFactory(code="XC", membership=None)
    MembershipFactory(member_state=left, joined_on=date(1997, 6, 15), left_on=date(2010, 1, 1))

    in_2015 = api.get(f"{API}/member-states/", {"member_on": "2015-01-01"})
    in_2005 = api.get(f"{API}/member-states/", {"member_on": "2005-01-01"})

    assert sorted(slugs(in_2015, "code")) == ["XA"]
    assert sorted(slugs(in_2005, "code")) == ["XA", "XC"]


# --------------------------------------------------------------------------- organizations


def test_organizations_are_listed_retrieved_and_filtered_by_member_state_and_kind(api):
    state = MemberStateFactory(code="XA")
    ministry = OrganizationFactory(slug="moi-xa", member_state=state)
    OrganizationFactory(slug="chamber-xa", member_state=state, kind=Organization.Kind.CHAMBER)
    OrganizationFactory(slug="moi-other")

    by_state = api.get(f"{API}/organizations/", {"member_state": "xa"})
    by_both = api.get(f"{API}/organizations/", {"member_state": "XA", "kind": "ministry"})
    detail = api.get(f"{API}/organizations/moi-xa/").json()

    assert sorted(slugs(by_state)) == ["chamber-xa", "moi-xa"]
    assert slugs(by_both) == ["moi-xa"]
    assert detail["name"] == ministry.name
    assert detail["member_state"] == {"code": "XA", "name": state.name}


# --------------------------------------------------------------------------- bodies


def test_bodies_include_their_coordinator_and_chair_terms_with_the_period(api):
    body = BodyFactory(slug="wgic")
    TermFactory(body=body, member_state=MemberStateFactory(code="XA"), period_text="2015-2017")
    TermFactory(body=body, role=Term.Role.CHAIR, period_text="")

    detail = api.get(f"{API}/bodies/wgic/").json()

    coordinator, chair = sorted(detail["terms"], key=lambda t: t["role"] != "coordinator")
    assert coordinator["role"] == "coordinator"
    assert coordinator["member_state"]["code"] == "XA"
    assert coordinator["period"] == {
        "text": "2015-2017",
        "earliest": "2015-01-01",
        "latest": "2017-12-31",
        "tentative": False,
    }
    assert chair["period"] is None


def test_bodies_are_filtered_by_kind_and_parent_slug(api):
    ministerial = BodyFactory(slug="ministerial", kind=Body.Kind.MINISTERIAL)
    BodyFactory(slug="wgic", parent=ministerial)
    BodyFactory(slug="task-force", kind=Body.Kind.TASK_FORCE, parent=ministerial)
    BodyFactory(slug="orphan")

    children = api.get(f"{API}/bodies/", {"parent": "ministerial"})
    task_forces = api.get(f"{API}/bodies/", {"kind": "task_force"})
    parent = api.get(f"{API}/bodies/ministerial/").json()

    assert sorted(slugs(children)) == ["task-force", "wgic"]
    assert slugs(task_forces) == ["task-force"]
    assert sorted(parent["children"]) == ["task-force", "wgic"]


# --------------------------------------------------------------------------- meetings


def test_meetings_are_retrieved_with_back_to_back_slugs_documents_and_outcome_count(api):
    meeting = MeetingFactory(slug="wgic-1", period_text="26-28 January 2015")
    workshop = MeetingFactory(slug="workshop-1", back_to_back=[meeting])
    DocumentFactory(slug="declaration", adopted_at=meeting)
    OutcomeFactory.create_batch(3, meeting=meeting)

    detail = api.get(f"{API}/meetings/wgic-1/").json()
    other = api.get(f"{API}/meetings/workshop-1/").json()

    assert detail["back_to_back"] == ["workshop-1"]
    assert other["back_to_back"] == ["wgic-1"]  # the relation is symmetrical
    assert [d["slug"] for d in detail["documents"]] == ["declaration"]
    assert detail["outcomes_count"] == 3
    assert other["outcomes_count"] == 0
    assert detail["period"]["earliest"] == "2015-01-26"
    assert detail["body"]["slug"] == meeting.body.slug
    assert detail["country"]["code"] == meeting.country.code
    assert workshop.slug in slugs(api.get(f"{API}/meetings/"))


def test_meetings_are_filtered_by_body_and_year(api):
    wgic, other = BodyFactory(slug="wgic"), BodyFactory(slug="other")
    MeetingFactory(slug="wgic-2015", body=wgic, period_text="26-28 January 2015")
    MeetingFactory(slug="wgic-2016", body=wgic, period_text="March 2016")
    MeetingFactory(slug="wgic-new-year", body=wgic, period_text="30 December 2014 - 2 January 2015")
    MeetingFactory(slug="other-2015", body=other, period_text="May 2015")

    in_2015 = api.get(f"{API}/meetings/", {"body": "wgic", "year": 2015})
    in_2014 = api.get(f"{API}/meetings/", {"body": "wgic", "year": "2014"})

    assert sorted(slugs(in_2015)) == ["wgic-2015", "wgic-new-year"]
    assert slugs(in_2014) == ["wgic-new-year"]  # a period counts in every year it touches


def test_meetings_are_filtered_by_kind_status_country_and_a_date_range(api):
    state = MemberStateFactory(code="XA")
    MeetingFactory(slug="january", period_text="26-28 January 2015", country=state)
    MeetingFactory(
        slug="june-workshop",
        period_text="10 June 2015",
        kind=Meeting.Kind.WORKSHOP,
        status=Meeting.Status.PLANNED,
    )
    MeetingFactory(slug="december", period_text="1 December 2015")

    in_range = api.get(f"{API}/meetings/", {"from": "2015-02-01", "to": "2015-11-30"})
    since = api.get(f"{API}/meetings/", {"from": "2015-01-28"})
    workshops = api.get(f"{API}/meetings/", {"kind": "workshop", "status": "planned"})
    in_xa = api.get(f"{API}/meetings/", {"country": "xa"})

    assert slugs(in_range) == ["june-workshop"]
    assert sorted(slugs(since)) == ["december", "january", "june-workshop"]
    assert slugs(workshops) == ["june-workshop"]
    assert slugs(in_xa) == ["january"]


def test_an_invalid_filter_value_is_a_400_with_the_error_shape(api):
    response = api.get(f"{API}/meetings/", {"status": "imagined", "year": "soon"})

    assert response.status_code == 400
    assert_error_shape(response, "invalid")
    assert set(response.json()["errors"]) == {"status", "year"}


# --------------------------------------------------------------------------- documents


def test_documents_are_retrieved_with_their_signatories_and_filtered(api):
    wgic = BodyFactory(slug="wgic")
    meeting = MeetingFactory(slug="summit")
    mou = DocumentFactory(slug="mou", kind=Document.Kind.MOU, body=wgic, adopted_at=meeting)
    SignatoryFactory(document=mou, member_state=MemberStateFactory(code="XA"))
    SignatoryFactory(
        document=mou, member_state=None, organization=OrganizationFactory(slug="chamber")
    )
    DocumentFactory(slug="report", kind=Document.Kind.REPORT, body=wgic)
    DocumentFactory(slug="elsewhere")

    detail = api.get(f"{API}/documents/mou/").json()

    assert detail["adopted_at"] == {"slug": "summit", "title": meeting.title}
    parties = [(s["member_state"] or {}).get("code") for s in detail["signatories"]]
    organizations = [(s["organization"] or {}).get("slug") for s in detail["signatories"]]
    assert sorted(filter(None, parties)) == ["XA"]
    assert sorted(filter(None, organizations)) == ["chamber"]
    assert sorted(slugs(api.get(f"{API}/documents/", {"body": "wgic"}))) == ["mou", "report"]
    assert slugs(api.get(f"{API}/documents/", {"kind": "mou"})) == ["mou"]
    assert slugs(api.get(f"{API}/documents/", {"meeting": "summit"})) == ["mou"]


# --------------------------------------------------------------------------- outcomes


def test_outcomes_are_listed_retrieved_and_filtered_by_meeting_body_and_kind(api):
    wgic = BodyFactory(slug="wgic")
    meeting = MeetingFactory(slug="wgic-1", body=wgic)
    decision = OutcomeFactory(meeting=meeting, text="Establish a task force.")
    recommendation = OutcomeFactory(meeting=meeting, kind=Outcome.Kind.RECOMMENDATION)
    elsewhere = OutcomeFactory()
    item = ActionItemFactory(outcome=decision)

    detail = api.get(f"{API}/outcomes/{decision.pk}/").json()
    by_meeting = api.get(f"{API}/outcomes/", {"meeting": "wgic-1"})
    by_body = api.get(f"{API}/outcomes/", {"body": "wgic", "kind": "recommendation"})

    assert detail["text"] == "Establish a task force."
    assert detail["meeting"] == {"slug": "wgic-1", "title": meeting.title}
    assert detail["action_items"] == [item.pk]
    assert sorted(slugs(by_meeting, "id")) == sorted([decision.pk, recommendation.pk])
    assert slugs(by_body, "id") == [recommendation.pk]
    assert elsewhere.pk in slugs(api.get(f"{API}/outcomes/"), "id")


# --------------------------------------------------------------------------- action items


def test_action_items_are_retrieved_and_filtered_by_body_status_and_responsible_state(api):
    wgic = BodyFactory(slug="wgic")
    xa = MemberStateFactory(code="XA")
    outcome = OutcomeFactory(meeting=MeetingFactory(body=wgic))
    mine = ActionItemFactory(outcome=outcome, responsible_states=[xa, MemberStateFactory()])
    done = ActionItemFactory(outcome=outcome, status=ActionItem.Status.DONE)
    ActionItemFactory(responsible_states=[xa], status=ActionItem.Status.DONE)

    detail = api.get(f"{API}/action-items/{mine.pk}/").json()
    by_body = api.get(f"{API}/action-items/", {"body": "wgic"})
    done_here = api.get(f"{API}/action-items/", {"body": "wgic", "status": "done"})
    for_xa = api.get(f"{API}/action-items/", {"responsible_state": "xa"})

    assert detail["outcome"] == outcome.pk
    assert detail["meeting"]["slug"] == outcome.meeting.slug
    assert "XA" in [s["code"] for s in detail["responsible_states"]]
    assert detail["period"]["text"] == "2016"
    assert sorted(slugs(by_body, "id")) == sorted([mine.pk, done.pk])
    assert slugs(done_here, "id") == [done.pk]
    assert len(slugs(for_xa, "id")) == 2  # no duplicates from the many-to-many join


def test_overdue_action_items_are_open_items_whose_period_ended_before_today(api):
    today = timezone.localdate()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    late = ActionItemFactory(period_text="2016")
    late_not_reported = ActionItemFactory(
        period_text="", period_earliest=yesterday, period_latest=yesterday,
        status=ActionItem.Status.NOT_REPORTED,
    )  # fmt: skip
    done = ActionItemFactory(period_text="2016", status=ActionItem.Status.DONE)
    due_later = ActionItemFactory(period_text="", period_earliest=today, period_latest=tomorrow)
    undated = ActionItemFactory(period_text="")

    overdue = api.get(f"{API}/action-items/", {"overdue": "true"})
    not_overdue = api.get(f"{API}/action-items/", {"overdue": "false"})

    assert sorted(slugs(overdue, "id")) == sorted([late.pk, late_not_reported.pk])
    assert sorted(slugs(not_overdue, "id")) == sorted([done.pk, due_later.pk, undated.pk])
    flags = {row["id"]: row["is_overdue"] for row in results(api.get(f"{API}/action-items/"))}
    assert flags == {
        late.pk: True,
        late_not_reported.pk: True,
        done.pk: False,
        due_later.pk: False,
        undated.pk: False,
    }


def test_action_items_are_ordered_by_the_end_of_their_period(api):
    ActionItemFactory(period_text="2018")
    ActionItemFactory(period_text="March 2016")
    ActionItemFactory(period_text="2017")

    ascending = results(api.get(f"{API}/action-items/", {"ordering": "period_latest"}))
    descending = results(api.get(f"{API}/action-items/", {"ordering": "-period_latest"}))

    assert [r["period"]["text"] for r in ascending] == ["March 2016", "2017", "2018"]
    assert [r["period"]["text"] for r in descending] == ["2018", "2017", "March 2016"]


# --------------------------------------------------------------------------- contacts


@pytest.fixture
def contacts():
    """A public position with a public and a members-only number, and a members-only one."""
    state = MemberStateFactory(code="XA")
    body = BodyFactory(slug="wgic")
    public = PositionFactory(
        slug="public-focal-point", public=True, member_state=state, bodies=[body]
    )
    ContactNumberFactory(position=public, public=True, number="+90 312 555 0001", extension="12")
    ContactNumberFactory(position=public, number="+90 532 555 0002", kind="mobile")
    hidden = PositionFactory(slug="private-focal-point", member_state=state, bodies=[body])
    ContactNumberFactory(position=hidden, number="+90 312 555 0003")
    return public, hidden


PUBLIC_ONLY_NUMBERS = [{"kind": "phone", "number": "+90 312 555 0001", "extension": "12"}]
ALL_NUMBERS = [
    {"kind": "phone", "number": "+90 312 555 0001", "extension": "12"},
    {"kind": "mobile", "number": "+90 532 555 0002", "extension": ""},
]


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_the_public_never_sees_members_only_positions_or_numbers(as_persona, contacts, persona):
    client = as_persona(persona)

    listed = results(client.get(f"{API}/contacts/"))
    public = client.get(f"{API}/contacts/public-focal-point/").json()
    hidden = client.get(f"{API}/contacts/private-focal-point/")
    filtered = client.get(f"{API}/contacts/", {"body": "wgic", "member_state": "xa"})

    assert [row["slug"] for row in listed] == ["public-focal-point"]
    assert listed[0]["numbers"] == PUBLIC_ONLY_NUMBERS
    assert public["numbers"] == PUBLIC_ONLY_NUMBERS
    assert hidden.status_code == 404
    assert_error_shape(hidden, "not_found")
    assert slugs(filtered) == ["public-focal-point"]
    assert "+90 532" not in json.dumps(listed) + json.dumps(public)


@pytest.mark.parametrize("persona", ["member_user", "secretariat"])
def test_members_and_the_secretariat_see_members_only_positions_and_numbers(
    as_persona, contacts, persona
):
    client = as_persona(persona)

    listed = results(client.get(f"{API}/contacts/"))
    public = client.get(f"{API}/contacts/public-focal-point/").json()
    hidden = client.get(f"{API}/contacts/private-focal-point/")

    assert sorted(row["slug"] for row in listed) == ["private-focal-point", "public-focal-point"]
    assert public["numbers"] == ALL_NUMBERS
    assert hidden.status_code == 200
    assert hidden.json()["visibility"] == "members"
    assert hidden.json()["numbers"][0]["number"] == "+90 312 555 0003"


def test_a_token_lets_a_member_see_members_only_contacts(api, contacts, member_user, outsider):
    member_token = Token.objects.create(user=member_user)
    outsider_token = Token.objects.create(user=outsider)

    api.credentials(HTTP_AUTHORIZATION=f"Token {member_token.key}")
    as_member = api.get(f"{API}/contacts/private-focal-point/")
    api.credentials(HTTP_AUTHORIZATION=f"Token {outsider_token.key}")
    as_outsider = api.get(f"{API}/contacts/private-focal-point/")
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    with_bad_token = api.get(f"{API}/contacts/")

    assert as_member.status_code == 200
    assert as_outsider.status_code == 404
    assert with_bad_token.status_code == 401
    assert_error_shape(with_bad_token, "authentication_failed")


def test_contacts_show_the_current_holder_the_organization_and_the_numbers(api):
    organization = OrganizationFactory(name="KOSGEB")
    position = PositionFactory(slug="focal", public=True, organization=organization)
    PositionHoldingFactory(
        position=position,
        person=PersonFactory(honorific="Mr.", name="Former Holder"),
        started_on=date(2010, 1, 1),
        ended_on=date(2014, 12, 31),
    )
    PositionHoldingFactory(
        position=position,
        person=PersonFactory(honorific="Dr.", name="Current Holder"),
        started_on=date(2015, 1, 1),
        as_of_text="listed c. 2015",
    )
    ContactNumberFactory(position=position, public=True, kind="fax", number="+90 312 555 9999")

    detail = api.get(f"{API}/contacts/focal/").json()

    assert [(h["honorific"], h["name"]) for h in detail["holders"]] == [("Dr.", "Current Holder")]
    assert detail["holders"][0]["as_of_text"] == "listed c. 2015"
    assert detail["organization"]["name"] == "KOSGEB"
    assert detail["member_state"]["code"] == organization.member_state.code
    assert detail["numbers"] == [{"kind": "fax", "number": "+90 312 555 9999", "extension": ""}]


def test_contacts_are_filtered_by_member_state_body_and_sector(api):
    xa = MemberStateFactory(code="XA")
    wgic = BodyFactory(slug="wgic")
    PositionFactory(slug="xa-public", public=True, member_state=xa, bodies=[wgic])
    PositionFactory(
        slug="xa-private",
        public=True,
        member_state=xa,
        sector=Position.Sector.PRIVATE,
        bodies=[wgic, BodyFactory()],
    )
    PositionFactory(slug="elsewhere", public=True)

    assert sorted(slugs(api.get(f"{API}/contacts/", {"member_state": "xa"}))) == [
        "xa-private",
        "xa-public",
    ]
    assert sorted(slugs(api.get(f"{API}/contacts/", {"body": "wgic"}))) == [
        "xa-private",
        "xa-public",
    ]
    assert slugs(api.get(f"{API}/contacts/", {"sector": "private"})) == ["xa-private"]


# --------------------------------------------------------------------------- every endpoint


def make_member_state():
    return MemberStateFactory()


def make_organization():
    return OrganizationFactory()


def make_body():
    body = BodyFactory(parent=BodyFactory(), established_at=MeetingFactory())
    TermFactory(body=body, decided_at=MeetingFactory(body=body))
    TermFactory(body=body, role=Term.Role.CHAIR)
    return body


def make_meeting():
    meeting = MeetingFactory(host=OrganizationFactory(), follow_up_of=MeetingFactory())
    MeetingFactory(back_to_back=[meeting])
    DocumentFactory(adopted_at=meeting)
    OutcomeFactory(meeting=meeting)
    return meeting


def make_document():
    document = DocumentFactory(adopted_at=MeetingFactory())
    SignatoryFactory(document=document)
    SignatoryFactory(document=document, member_state=None, organization=OrganizationFactory())
    return document


def make_outcome():
    outcome = OutcomeFactory()
    ActionItemFactory(outcome=outcome)
    return outcome


def make_action_item():
    return ActionItemFactory(
        responsible_states=[MemberStateFactory(), MemberStateFactory()],
        result_meeting=MeetingFactory(),
    )


def make_contact():
    position = PositionFactory(public=True, bodies=[BodyFactory(), BodyFactory()])
    ContactNumberFactory(position=position, public=True)
    ContactNumberFactory(position=position)
    PositionHoldingFactory(position=position)
    return position


MAKERS = {
    "member-states": make_member_state,
    "organizations": make_organization,
    "bodies": make_body,
    "meetings": make_meeting,
    "documents": make_document,
    "outcomes": make_outcome,
    "action-items": make_action_item,
    "contacts": make_contact,
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_lists_and_retrieves_with_source_and_web_url(api, endpoint):
    obj = MAKERS[endpoint]()
    if endpoint == "bodies":
        obj = Body.objects.get(pk=obj.pk)

    listed = api.get(f"{API}/{endpoint}/")
    detail = api.get(detail_url(endpoint, obj))

    assert listed.status_code == 200
    assert {"count", "next", "previous", "results"} <= set(listed.json())
    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body in listed.json()["results"]
    assert body["source"] == {
        "key": obj.source.key,
        "title": obj.source.title,
        "url": obj.source.url,
        "publisher": obj.source.publisher,
        "published_text": obj.source.published_text,
    }
    assert body["source_note"] == ""
    if hasattr(obj, "get_absolute_url"):
        # The portal page, or None while the portal does not define it.
        try:
            expected = obj.get_absolute_url()
        except NoReverseMatch:
            expected = None
        assert body["web_url"] == expected
    if hasattr(obj, "period_text"):
        assert body["period"]["text"] == obj.period_text


def test_a_period_is_null_when_it_is_not_set(api):
    item = ActionItemFactory(period_text="")

    assert api.get(f"{API}/action-items/{item.pk}/").json()["period"] is None


def test_the_source_note_records_disagreements_between_sources(api):
    source = SourceFactory(key="seed-page", title="D-8 seed page", url="")
    MeetingFactory(slug="wgic-1", source=source, source_note="Another source says 27-29 Jan.")

    detail = api.get(f"{API}/meetings/wgic-1/").json()

    assert detail["source"]["key"] == "seed-page"
    assert detail["source"]["url"] == ""
    assert detail["source_note"] == "Another source says 27-29 Jan."


def test_lists_are_paginated_by_fifty(api):
    OrganizationFactory.create_batch(51)

    first = api.get(f"{API}/organizations/").json()
    second = api.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_the_api_root_lists_every_endpoint(api):
    response = api.get(f"{API}/")

    assert response.status_code == 200
    assert sorted(response.json()) == sorted(ENDPOINTS)


# --------------------------------------------------------------------------- refusals

WRITES = [
    ("post", "list"),
    ("put", "detail"),
    ("patch", "detail"),
    ("delete", "detail"),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("method", "target"), WRITES)
def test_the_anonymous_caller_may_not_write(api, endpoint, method, target):
    obj = MAKERS[endpoint]() if target == "detail" else None
    url = f"{API}/{endpoint}/" if obj is None else detail_url(endpoint, obj)

    response = getattr(api, method)(url, {"name": "changed"}, format="json")

    assert response.status_code in {401, 403}
    assert_error_shape(response, "not_authenticated")


@pytest.mark.parametrize("persona", ["outsider", "member_user", "secretariat"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("method", "target"), WRITES)
def test_a_signed_in_user_may_not_write_either(as_persona, persona, endpoint, method, target):
    client = as_persona(persona)
    obj = MAKERS[endpoint]() if target == "detail" else None
    url = f"{API}/{endpoint}/" if obj is None else detail_url(endpoint, obj)

    response = getattr(client, method)(url, {"name": "changed"}, format="json")

    assert response.status_code == 405
    assert_error_shape(response, "method_not_allowed")


def test_a_signed_in_user_may_not_write_with_a_token_either(api, member_user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member_user).key}")

    response = api.post(f"{API}/meetings/", {"title": "New"}, format="json")

    assert response.status_code == 405
    assert_error_shape(response, "method_not_allowed")


# --------------------------------------------------------------------------- schema and docs


def test_the_schema_is_an_openapi_3_document_that_contains_every_path(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    lookups = {"member-states": "{code}", "outcomes": "{id}", "action-items": "{id}"}
    expected = set()
    for endpoint in ENDPOINTS:
        expected |= {
            f"/api/v1/{endpoint}/",
            f"/api/v1/{endpoint}/{lookups.get(endpoint, '{slug}')}/",
        }
    assert expected <= set(schema["paths"])
    # The registry is read-only; other endpoints (e.g. the caller's notifications) may write.
    assert all(set(schema["paths"][path]) == {"get"} for path in expected)
    meeting_params = {p["name"] for p in schema["paths"]["/api/v1/meetings/"]["get"]["parameters"]}
    assert {"body", "kind", "status", "country", "year", "from", "to", "page"} <= meeting_params


def test_the_api_docs_page_loads_and_uses_no_external_cdn(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    for external in ("cdn.", "unpkg", "jsdelivr"):
        assert external not in html


# --------------------------------------------------------------------------- query counts

# Pinned ceilings for one list page; a change that adds a query per row breaks the equality
# assertion below, a change that adds a fixed query breaks the pin.
MAX_QUERIES = {
    "member-states": 3,
    "organizations": 2,
    "bodies": 4,
    "meetings": 4,
    "documents": 3,
    "outcomes": 3,
    "action-items": 3,
    "contacts": 5,
}


def list_queries(client, url, ceiling, assert_max) -> int:
    with assert_max(ceiling) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_list_page_costs_the_same_queries_for_thirty_rows_as_for_ninety(
    api, endpoint, django_assert_max_num_queries
):
    url, ceiling = f"{API}/{endpoint}/", MAX_QUERIES[endpoint]
    for _ in range(30):
        MAKERS[endpoint]()
    with_few = list_queries(api, url, ceiling, django_assert_max_num_queries)
    for _ in range(60):
        MAKERS[endpoint]()
    with_many = list_queries(api, url, ceiling, django_assert_max_num_queries)

    assert with_many == with_few


def test_contacts_cost_the_same_queries_for_a_member_with_thirty_or_ninety_positions(
    as_persona, django_assert_max_num_queries
):
    client = as_persona("member_user")  # + session, user and two permission queries
    for _ in range(30):
        make_contact()
        PositionFactory()
    with_few = list_queries(client, f"{API}/contacts/", 9, django_assert_max_num_queries)
    for _ in range(60):
        make_contact()
    with_many = list_queries(client, f"{API}/contacts/", 9, django_assert_max_num_queries)

    assert with_many == with_few
