"""Deny by default, for every write and every role: the authorization matrix.

Every page and API endpoint that accepts POST, PUT, PATCH or DELETE is one row of `WRITES`: how
to build its URL and payload, which roles may make the write, and what the write changes. Each
row runs against every role in `ROLES`. A role not allowed gets its refusal (a page: the
anonymous visitor is sent to sign in, anyone else gets 403 or 404; the API: 401 for the
anonymous caller, 403/404 JSON `{code, message}` for anyone else, 405 where nobody writes) and
nothing changes; an allowed role's write succeeds and changes it. `READS` does the same for the
member-area pages and members-only API lists: the public and signed-in outsiders never get
members-only content, and a member does (so that a refusal cannot come from a wrong URL).
The write pages that show a form on a GET refuse that GET to the same roles.

Where a row expects something else of a role it says so in `expect`: an answer for Türkiye
posted by the focal point of another recipient state is a form error (400: the form offers
only the states the user answers for); a member of staff asking to invite secretariat staff gets
the form back (200) or a 400 from the API; the scorecard publication form, a POST on a public
page, refuses the anonymous visitor with 403; and the caller's-own-account writes (notices,
preferences, API token) succeed for everyone on their own account while the row checks that the
victim's (Türkiye's focal point's) account is untouched.

Left out on purpose, public by design with their own proof: signing in and its second step,
signing out, password reset, an invitation's link (its token), the e-mail unsubscribe link (a
signed token) and the language switcher (a GET). The back office is tested in test_admin.py (the
consultations' admin is read-only). Two-factor enrolment, turning it off and new recovery codes
act on the signed-in user's own account only; here they get the anonymous check.

The personas and objects are built once per module, in the transaction that holds the shipped
D-8 record (tests/consultations_support.py); each test runs in its own savepoint.
"""

# ruff: noqa: F811 - the fixtures come from tests.consultations_support

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from d8coop.accounts.models import Invitation
from d8coop.consultations import services as consultation_services
from d8coop.consultations.models import Answer, Consultation, Round
from d8coop.cooperation import services as ledger_services
from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    ProgressReport,
    PublishedMetric,
)
from d8coop.members.models import MemberState, Organization, Position
from d8coop.notifications.models import Kind, Notification
from d8coop.notifications.selectors import deliveries_of
from d8coop.statistics.models import Upload
from tests.conftest import sign_in_verified
from tests.consultations_support import (  # noqa: F401 - fixtures
    MEMBERS_2015,
    SEED_CIRCULATED,
    SEED_DEADLINE_UTC,
    _media,
    _reference_data_once,
    answer,
    appoint,
    circulate,
    reference_data,
)
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
ROLES = [
    "anonymous",
    "outsider",  # signed in, no role
    "observer",  # the members-only permission (as conftest's `member_user`)
    "fp_tr",  # focal point of Türkiye, whose item and answer are at stake
    "fp_eg",  # focal point of Egypt: another recipient state, no coordinator of the body
    "coordinator",  # focal point of Iran, which coordinates the Task Force on Cement
    "staff",  # secretariat staff
    "admin",  # secretariat administrator (superuser)
]
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
SECRETARIAT = frozenset({"staff", "admin"})
NOBODY: frozenset[str] = frozenset()

DRAFT_TEXT = "Members-only draft: harmonised test methods for Portland cement."
TR_COMMENT = "Türkiye asks for EN 196-1 as the reference method."
REVISED_TEXT = "Members-only revision: EN 196-1 is the reference method for Portland cement."
REPORT_TEXT = "Members-only progress: 14 of 52 cement plants surveyed in Anatolia."
NOTICE_SUBJECT = "Only for the focal point of Türkiye: the cement survey is due soon"
ATTACHMENT_TEXT = b"Members-only attachment of the cement survey."


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    users: dict[str, Any]
    turkey: MemberState
    item: ActionItem
    meeting: Meeting
    report: ProgressReport
    open_round: Round  # circulated an hour ago, open a month; Türkiye commented
    rejected: Consultation  # round 1 closed, not adopted: a new round may follow
    adopted: Consultation  # round 1 closed, adopted: its result may be published
    revised: Consultation  # two versions (for the diff)
    notice: Notification  # Türkiye's focal point's, unread
    invitation: Invitation  # pending

    def user(self, role: str) -> Any:
        return self.users.get(role)


def _personas() -> dict[str, Any]:
    User = get_user_model()
    make = User.objects.create_user  # no password: nobody signs in with one here
    users = {
        "outsider": make(email="olga@example.com"),
        "observer": make(email="omar@observer.example"),
        "fp_tr": make(email="tarik@kosgeb.example"),
        "fp_eg": make(email="emad@msmeda.example"),
        "coordinator": make(email="reza@iran-sme.example"),
        "staff": make(email="sara@d8-sec.example", is_staff=True),
        "admin": User.objects.create_superuser(email="root@d8-sec.example"),
    }
    users["observer"].user_permissions.add(
        Permission.objects.get(codename="view_members_only_data")
    )
    appoint(users["fp_tr"], "TR")
    appoint(users["fp_eg"], "EG")
    appoint(users["coordinator"], "IR")
    return users


def _ledger(users: dict[str, Any], turkey: MemberState, cement: Body):
    """Türkiye's item in the Task Force on Cement, reviewed at its deciding meeting, with a
    report by Türkiye's focal point and a members-only attachment."""
    item = ActionItemFactory(
        title="Matrix survey of cement plants",
        responsible_states=[turkey],
        outcome__meeting__body=cement,
        outcome__meeting__country=turkey,
        outcome__meeting__title="Matrix meeting of the cement task force",
    )
    meeting = item.outcome.meeting
    ActionItem.objects.filter(pk=item.pk).update(review_meeting=meeting)
    report = ledger_services.action_item_report_progress(
        user=users["fp_tr"],
        item=item,
        text=REPORT_TEXT,
        attachment=SimpleUploadedFile("matrix-survey.txt", ATTACHMENT_TEXT),
    )
    return item, meeting, report


def _consultations(users: dict[str, Any], cement: Body) -> dict[str, Any]:
    staff, tarik = users["staff"], users["fp_tr"]
    after_deadline = SEED_DEADLINE_UTC + timedelta(hours=1)
    open_round = circulate(
        staff,
        title="Matrix draft on cement test methods",
        text=DRAFT_TEXT,
        body=cement,
        now=timezone.now() - timedelta(hours=1),
    )
    answer(tarik, open_round, "TR", "comment", TR_COMMENT)
    closed = {}
    for name in ("rejected", "adopted", "revised"):
        round_ = circulate(
            staff, title=f"Matrix draft {name}", body=cement, recipients=MEMBERS_2015
        )
        if name != "adopted":
            answer(tarik, round_, "TR", "objection", "Türkiye objects.", now=SEED_CIRCULATED)
        consultation_services.round_close_due(round=round_, now=after_deadline, via="clock")
        closed[name] = round_.consultation
    consultation_services.round_open_next(
        by=staff, consultation=closed["revised"], text=REVISED_TEXT, duration="one (1) month"
    )
    return {"open_round": open_round, **closed}


def _build_world() -> World:
    users = _personas()
    turkey = MemberState.objects.get(code="TR")
    cement = Body.objects.get(slug="tf-cement")
    item, meeting, report = _ledger(users, turkey, cement)
    consultations = _consultations(users, cement)
    notice = Notification.objects.create(
        recipient=users["fp_tr"],
        kind=Kind.ACTION_DUE_SOON,
        key="matrix:cement-survey-due",
        subject=NOTICE_SUBJECT,
        body="Report progress on the cement survey.",
    )
    now = timezone.now()
    invitation = Invitation.objects.create(
        email="pending@smedan.example",
        role=Invitation.Role.FOCAL_POINT,
        member_state=MemberState.objects.get(code="NG"),
        name="Pending Person",
        token_hash=Invitation.hash_token("matrix-pending-invitation"),
        invited_by=users["admin"],
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    return World(
        users=users,
        turkey=turkey,
        item=item,
        meeting=meeting,
        report=report,
        notice=notice,
        invitation=invitation,
        **consultations,
    )


@pytest.fixture(scope="module")
def _world_once(_reference_data_once, django_db_blocker, tmp_path_factory) -> World:
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        return _build_world()


@pytest.fixture
def world(_world_once, reference_data) -> World:
    return _world_once


@pytest.fixture(autouse=True)
def _attachment_file(_media, _world_once) -> None:
    """The report's attachment, in this test's media folder."""
    default_storage.save(_world_once.report.attachment.name, ContentFile(ATTACHMENT_TEXT))


# --------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Write:
    """One write: `changed(world, user)` is what it would change, read before and after."""

    name: str
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict]
    allowed: frozenset[str]
    changed: Callable[[World, Any], Any]
    api: bool = False
    ok: int = 302  # the allowed role's status
    done: Callable[[World], str] | None = None  # where a page sends the allowed role
    expect: Mapping[str, int] = field(default_factory=dict)  # a refused role's exact status
    given: Callable[[World], None] | None = None  # set-up run in the test
    form: str = ""  # a field the form shows on a GET of the URL (refused to the same roles)
    multipart: bool = False  # an API write sending a file


def _today() -> str:
    return timezone.localdate().isoformat()


def _codes_today() -> list[str]:
    return list(MemberState.objects.members_on(timezone.localdate()).values_list("code", flat=True))


def _everyone_else(*roles: str, status: int) -> dict[str, int]:
    """Own-account writes: the other signed-in roles act on their own account, successfully."""
    return {role: status for role in SIGNED_IN - set(roles)}


def _progress_reports(w: World, user: Any) -> int:
    return ProgressReport.objects.filter(action_item=w.item).count()


def _consultation_count(w: World, user: Any) -> int:
    return Consultation.objects.count()


def _rounds_of_rejected(w: World, user: Any) -> int:
    return Round.objects.filter(consultation=w.rejected).count()


def _turkeys_answers(w: World, user: Any) -> int:
    return Answer.objects.filter(round=w.open_round, member_state__code="TR").count()


def _invitations(w: World, user: Any) -> int:
    return Invitation.objects.count()


def _notice_read(w: World, user: Any):
    return Notification.objects.get(pk=w.notice.pk).read_at


def _turkeys_unread(w: World, user: Any) -> int:
    return Notification.objects.filter(recipient=w.user("fp_tr"), read_at__isnull=True).count()


def _turkeys_deliveries(w: World, user: Any) -> dict:
    return deliveries_of(w.user("fp_tr"))


def _turkeys_token(w: World, user: Any) -> bool:
    return Token.objects.filter(user=w.user("fp_tr")).exists()


def _callers_token(w: World, user: Any):
    return Token.objects.filter(user=user).exists() if user else Token.objects.count()


def _give_turkey_a_token(w: World) -> None:
    Token.objects.create(user=w.user("fp_tr"))


def _turkeys_uploads(w: World, user: Any) -> int:
    return Upload.objects.filter(country=w.turkey).count()


MICRODATA = b"enterprise_id,isic,employees\nM1,10,5\nM2,23,60\n"


def _microdata(w: World) -> SimpleUploadedFile:
    return SimpleUploadedFile("matrix-firms.csv", MICRODATA, content_type="text/csv")


def _invitation(role: str, extra: Callable[[World], dict]) -> Callable[[World], dict]:
    def data(w: World) -> dict:
        return {"email": f"new.{role}@d8.example", "role": role, "language": "en", **extra(w)}

    return data


PAGE_WRITES = [
    Write(
        "page: report progress on Türkiye's action item",
        "post",
        lambda w: reverse("workspace:report-progress", args=[w.item.pk]),
        lambda w: {
            "member_state": w.turkey.pk,
            "text": "Kilns of Ankara surveyed.",
            "progress_on": _today(),
            "status": ActionItem.objects.get(pk=w.item.pk).status,
        },
        frozenset({"fp_tr", "coordinator"}) | SECRETARIAT,
        _progress_reports,
        done=lambda w: w.item.get_absolute_url(),
        form='name="text"',
    ),
    Write(
        "page: circulate a draft",
        "post",
        lambda w: reverse("consultations:create"),
        lambda w: {
            "title": "Matrix new draft",
            "text": "A new draft.",
            "recipients": _codes_today(),
            "breaking_kinds": ["objection", "amendment"],
            "deadline_mode": "duration",
            "duration": "one (1) month",
            "time_zone": "Europe/Istanbul",
        },
        SECRETARIAT,
        _consultation_count,
        done=lambda w: Consultation.objects.latest("pk").get_absolute_url(),
        form='name="title"',
    ),
    Write(
        "page: open a new round",
        "post",
        lambda w: reverse("consultations:round-create", args=[w.rejected.pk]),
        lambda w: {
            "text": "The revised draft.",
            "note": "Türkiye's objection met.",
            "recipients": _codes_today(),
            "deadline_mode": "duration",
            "duration": "one (1) month",
            "time_zone": "Europe/Istanbul",
        },
        SECRETARIAT,
        _rounds_of_rejected,
        done=lambda w: w.rejected.get_absolute_url(),
        form='name="note"',
    ),
    Write(
        "page: answer a consultation for Türkiye",
        "post",
        lambda w: reverse("consultations:answer", args=[w.open_round.consultation_id, 1]),
        lambda w: {"r1-member_state": "TR", "r1-kind": "comment", "r1-text": "Another view."},
        frozenset({"fp_tr"}),
        _turkeys_answers,
        done=lambda w: w.open_round.get_absolute_url(),
        expect={"fp_eg": 400, "coordinator": 400},
    ),
    Write(
        "page: publish a consultation result",
        "post",
        lambda w: reverse("consultations:publish", args=[w.adopted.pk]),
        lambda w: {"public": "1"},
        SECRETARIAT,
        lambda w, user: Consultation.objects.get(pk=w.adopted.pk).result_is_public,
        done=lambda w: w.adopted.get_absolute_url(),
    ),
    Write(
        "page: publish scorecard figures",
        "post",
        lambda w: reverse("portal:scorecards-publish"),
        lambda w: {"metrics": ["consultations", "activity"]},
        SECRETARIAT,
        lambda w, user: sorted(
            PublishedMetric.objects.filter(public=True).values_list("metric", flat=True)
        ),
        done=lambda w: reverse("portal:scorecards"),
        expect={"anonymous": 403},
    ),
    Write(
        "page: invite a focal point",
        "post",
        lambda w: reverse("accounts:invitations"),
        _invitation("focal_point", lambda w: {"member_state": w.turkey.pk, "name": "New One"}),
        SECRETARIAT,
        _invitations,
        done=lambda w: reverse("accounts:invitations"),
        form='name="email"',
    ),
    Write(
        "page: invite secretariat staff",
        "post",
        lambda w: reverse("accounts:invitations"),
        _invitation("secretariat", lambda w: {}),
        frozenset({"admin"}),
        _invitations,
        done=lambda w: reverse("accounts:invitations"),
        expect={"staff": 200},  # the form again: the role is not offered to staff
    ),
    Write(
        "page: revoke an invitation",
        "post",
        lambda w: reverse("accounts:invitation-revoke", args=[w.invitation.pk]),
        lambda w: {},
        SECRETARIAT,
        lambda w, user: Invitation.objects.get(pk=w.invitation.pk).revoked_at,
        done=lambda w: reverse("accounts:invitations"),
    ),
    Write(
        "page: mark another user's notice read",
        "post",
        lambda w: reverse("notifications:read", args=[w.notice.pk]),
        lambda w: {},
        frozenset({"fp_tr"}),
        _notice_read,
        done=lambda w: reverse("notifications:list"),
    ),
    Write(
        "page: mark all notices read",
        "post",
        lambda w: reverse("notifications:read-all"),
        lambda w: {},
        frozenset({"fp_tr"}),
        _turkeys_unread,
        done=lambda w: reverse("notifications:list"),
        expect=_everyone_else("fp_tr", status=302),
    ),
    Write(
        "page: notification preferences",
        "post",
        lambda w: reverse("notifications:preferences"),
        lambda w: {kind: "none" for kind in Kind.values},
        frozenset({"fp_tr"}),
        _turkeys_deliveries,
        done=lambda w: reverse("notifications:preferences"),
        expect=_everyone_else("fp_tr", status=302),
    ),
    Write(
        "page: revoke the API token",
        "post",
        lambda w: reverse("accounts:api-token-revoke"),
        lambda w: {},
        frozenset({"fp_tr"}),
        _turkeys_token,
        done=lambda w: reverse("accounts:api-token"),
        expect=_everyone_else("fp_tr", status=302),
        given=_give_turkey_a_token,
    ),
    Write(
        "page: create an API token",
        "post",
        lambda w: reverse("accounts:api-token-create"),
        lambda w: {},
        SIGNED_IN,
        _callers_token,
        ok=200,  # the page shows the new key, once
    ),
    Write(
        "page: upload Türkiye's microdata",
        "post",
        lambda w: reverse("statistics:upload-create"),
        lambda w: {"country": w.turkey.pk, "year": 2023, "file": _microdata(w)},
        frozenset({"fp_tr"}) | SECRETARIAT,
        _turkeys_uploads,
        done=lambda w: reverse("statistics:upload", args=[Upload.objects.latest("pk").pk]),
        expect={"fp_eg": 400, "coordinator": 400},  # the form offers their own state only
    ),
]

API_WRITES = [
    Write(
        "API: report progress on Türkiye's action item",
        "post",
        lambda w: f"{API}/action-items/{w.item.pk}/progress-reports/",
        lambda w: {"text": "Kilns of Ankara surveyed.", "member_state": "TR"},
        frozenset({"fp_tr", "coordinator"}) | SECRETARIAT,
        _progress_reports,
        api=True,
        ok=201,
    ),
    Write(
        "API: circulate a draft",
        "post",
        lambda w: f"{API}/consultations/",
        lambda w: {"title": "Matrix new draft", "text": "A draft.", "duration": "10 days"},
        SECRETARIAT,
        _consultation_count,
        api=True,
        ok=201,
    ),
    Write(
        "API: open a new round",
        "post",
        lambda w: f"{API}/consultations/{w.rejected.pk}/rounds/",
        lambda w: {"text": "The revised draft.", "duration": "10 days"},
        SECRETARIAT,
        _rounds_of_rejected,
        api=True,
        ok=201,
    ),
    Write(
        "API: answer a consultation for Türkiye",
        "post",
        lambda w: f"{API}/consultations/{w.open_round.consultation_id}/answers/",
        lambda w: {"member_state": "TR", "answer": "comment", "text": "Another view."},
        frozenset({"fp_tr"}),
        _turkeys_answers,
        api=True,
        ok=201,
    ),
    Write(
        "API: invite a focal point",
        "post",
        lambda w: f"{API}/invitations/",
        _invitation("focal_point", lambda w: {"member_state": "TR", "name": "New One"}),
        SECRETARIAT,
        _invitations,
        api=True,
        ok=201,
    ),
    Write(
        "API: invite secretariat staff",
        "post",
        lambda w: f"{API}/invitations/",
        _invitation("secretariat", lambda w: {}),
        frozenset({"admin"}),
        _invitations,
        api=True,
        ok=201,
        expect={"staff": 400},  # {"code": "invalid", ...} naming the role
    ),
    Write(
        "API: mark another user's notice read",
        "post",
        lambda w: f"{API}/notifications/{w.notice.pk}/read/",
        lambda w: {},
        frozenset({"fp_tr"}),
        _notice_read,
        api=True,
        ok=200,
    ),
    Write(
        "API: mark all notices read",
        "post",
        lambda w: f"{API}/notifications/read-all/",
        lambda w: {},
        frozenset({"fp_tr"}),
        _turkeys_unread,
        api=True,
        ok=200,
        expect=_everyone_else("fp_tr", status=200),
    ),
    Write(
        "API: notification preferences",
        "put",
        lambda w: f"{API}/notifications/preferences/",
        lambda w: {"preferences": [{"kind": "action_due_soon", "delivery": "none"}]},
        frozenset({"fp_tr"}),
        _turkeys_deliveries,
        api=True,
        ok=200,
        expect=_everyone_else("fp_tr", status=200),
    ),
    Write(
        "API: upload Türkiye's microdata",
        "post",
        lambda w: f"{API}/statistics/uploads/",
        lambda w: {"country": "TR", "year": 2023, "file": _microdata(w)},
        frozenset({"fp_tr"}) | SECRETARIAT,
        _turkeys_uploads,
        api=True,
        ok=202,
        multipart=True,
    ),
]

# The registry and the record are read-only through the API: nobody writes there.
REGISTRY = {
    "member-states": MemberState,
    "organizations": Organization,
    "bodies": Body,
    "meetings": Meeting,
    "documents": Document,
    "outcomes": Outcome,
    "action-items": ActionItem,
    "contacts": Position,
}


def _count_of(model) -> Callable[[World, Any], int]:
    return lambda w, user: model.objects.count()


def _item_row(w: World, user: Any) -> dict:
    return ActionItem.objects.filter(pk=w.item.pk).values().get()


NOT_ALLOWED = {role: 405 for role in SIGNED_IN}
READ_ONLY_WRITES = [
    *(
        Write(
            f"API: create in {endpoint} (read-only)",
            "post",
            lambda w, endpoint=endpoint: f"{API}/{endpoint}/",
            lambda w: {"name": "Matrix", "title": "Matrix", "code": "XM", "slug": "matrix"},
            NOBODY,
            _count_of(model),
            api=True,
            expect=NOT_ALLOWED,
        )
        for endpoint, model in REGISTRY.items()
    ),
    *(
        Write(
            f"API: {method.upper()} an action item (read-only)",
            method,
            lambda w: f"{API}/action-items/{w.item.pk}/",
            lambda w: {"title": "Changed", "status": "done"},
            NOBODY,
            _item_row,
            api=True,
            expect=NOT_ALLOWED,
        )
        for method in ("put", "patch", "delete")
    ),
    Write(
        "API: DELETE a consultation (read-only)",
        "delete",
        lambda w: f"{API}/consultations/{w.open_round.consultation_id}/",
        lambda w: {},
        NOBODY,
        _consultation_count,
        api=True,
        expect={**NOT_ALLOWED, "outsider": 404},
    ),
    Write(
        "API: PATCH a consultation (read-only)",
        "patch",
        lambda w: f"{API}/consultations/{w.open_round.consultation_id}/",
        lambda w: {"title": "Changed"},
        NOBODY,
        lambda w, user: Consultation.objects.get(pk=w.open_round.consultation_id).title,
        api=True,
        expect={**NOT_ALLOWED, "outsider": 404},
    ),
    Write(
        "API: DELETE a notice (read-only)",
        "delete",
        lambda w: f"{API}/notifications/{w.notice.pk}/",
        lambda w: {},
        NOBODY,
        lambda w, user: Notification.objects.filter(pk=w.notice.pk).exists(),
        api=True,
        expect=NOT_ALLOWED,
    ),
    Write(
        "API: DELETE the progress reports of an item (read-only)",
        "delete",
        lambda w: f"{API}/action-items/{w.item.pk}/progress-reports/",
        lambda w: {},
        NOBODY,
        _progress_reports,
        api=True,
        expect=NOT_ALLOWED,
    ),
]

WRITES = PAGE_WRITES + API_WRITES + READ_ONLY_WRITES


def _client(role: str, world: World, write_api: bool, client) -> Any:
    """The role's client: the test client for pages, DRF's for the API, signed in the way the
    platform signs people in (both steps for staff)."""
    caller = APIClient() if write_api else client
    user = world.user(role)
    if user is not None:
        sign_in_verified(caller, user)
    return caller


def _send(caller, write: Write, world: World):
    url, data = write.url(world), write.data(world)
    if write.api:
        return getattr(caller, write.method)(
            url, data, format="multipart" if write.multipart else "json"
        )
    return getattr(caller, write.method)(url, data)


def _cases(allowed: bool) -> list:
    return [
        pytest.param(write, role, id=f"{write.name} | {role}")
        for write in WRITES
        for role in ROLES
        if (role in write.allowed) == allowed
    ]


def _sign_in_page() -> str:
    return resolve_url(settings.LOGIN_URL)


def _assert_refused(write: Write, role: str, response) -> None:
    expected = write.expect.get(role)
    if expected is not None:
        assert response.status_code == expected, response.content[:500]
    elif role == "anonymous" and write.api:
        assert response.status_code == 401, response.content[:500]
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(_sign_in_page() + "?next=")
    else:
        assert response.status_code in {403, 404}, response.content[:500]
    if write.api and response.status_code >= 400:
        body = response.json()
        assert isinstance(body["code"], str) and body["code"]
        assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize(("write", "role"), _cases(allowed=False))
def test_a_role_not_allowed_is_refused_and_nothing_is_written(write, role, world, client):
    # Given the role's client, and what the write would change
    if write.given:
        write.given(world)
    user = world.user(role)
    before = write.changed(world, user)
    caller = _client(role, world, write.api, client)

    # When it tries the write
    response = _send(caller, write, world)

    # Then it is refused, and nothing changed
    _assert_refused(write, role, response)
    assert write.changed(world, user) == before


@pytest.mark.parametrize(("write", "role"), _cases(allowed=True))
def test_an_allowed_role_makes_the_write(write, role, world, client):
    # Given the role's client, and what the write changes
    if write.given:
        write.given(world)
    user = world.user(role)
    before = write.changed(world, user)
    caller = _client(role, world, write.api, client)

    # When it makes the write
    response = _send(caller, write, world)

    # Then it succeeds, and the change is recorded
    assert response.status_code == write.ok, response.content[:1000]
    if write.done is not None:
        assert response["Location"] == write.done(world)
    assert write.changed(world, user) != before


@pytest.mark.parametrize(
    ("write", "role"),
    [
        pytest.param(write, role, id=f"{write.name} | {role}")
        for write in WRITES
        if write.form
        for role in ROLES
        if role not in write.allowed
    ],
)
def test_a_role_not_allowed_does_not_get_the_form_either(write, role, world, client):
    caller = _client(role, world, write.api, client)

    response = caller.get(write.url(world))

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(_sign_in_page() + "?next=")
    else:
        assert response.status_code in {403, 404}
    assert write.form not in response.content.decode()


@pytest.mark.parametrize(
    ("write", "role"),
    [
        pytest.param(write, role, id=f"{write.name} | {role}")
        for write in WRITES
        if write.form
        for role in sorted(write.allowed)
    ],
)
def test_an_allowed_role_gets_the_form(write, role, world, client):
    response = _client(role, world, write.api, client).get(write.url(world))

    assert response.status_code == 200
    assert write.form in response.content.decode()


def test_the_matrix_covers_every_role_and_each_required_case():
    names = {write.name for write in WRITES}
    for required in [
        "page: report progress on Türkiye's action item",
        "page: answer a consultation for Türkiye",
        "API: answer a consultation for Türkiye",
        "page: circulate a draft",
        "page: open a new round",
        "API: open a new round",
        "page: publish scorecard figures",
        "page: invite a focal point",
        "API: invite a focal point",
        "page: mark another user's notice read",
        "API: mark another user's notice read",
        "page: publish a consultation result",
    ]:
        assert required in names
    assert len(ROLES) == 8
    for write in WRITES:
        assert write.allowed <= SIGNED_IN  # the anonymous visitor never writes
        assert set(write.expect) <= set(ROLES) - write.allowed


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Read:
    """A member-area page or members-only API list; `marker` is members-only content on it."""

    name: str
    url: Callable[[World], str]
    marker: str
    reader: str  # a role that reads it
    outsider: int  # the signed-in outsider's status
    api: bool = False
    anonymous: int | None = None  # the anonymous visitor's status, if not sent to sign in (401)


READS = [
    Read("page: workspace", lambda w: reverse("workspace:home"), NOTICE_SUBJECT, "fp_tr", 403),
    Read(
        "page: meeting follow-up",
        lambda w: reverse("workspace:follow-up", args=[w.meeting.slug]),
        REPORT_TEXT,
        "observer",
        403,
    ),
    Read(
        "page: progress report attachment",
        lambda w: reverse("workspace:attachment", args=[w.report.pk]),
        ATTACHMENT_TEXT.decode(),
        "fp_eg",
        403,
    ),
    Read(
        "page: consultations",
        lambda w: reverse("consultations:list"),
        "Matrix draft on cement test methods",
        "observer",
        404,
    ),
    Read(
        "page: consultation",
        lambda w: reverse("consultations:detail", args=[w.open_round.consultation_id]),
        DRAFT_TEXT,
        "fp_eg",
        404,
    ),
    Read(
        "page: comment matrix",
        lambda w: reverse("consultations:matrix", args=[w.open_round.consultation_id]),
        TR_COMMENT,
        "coordinator",
        404,
    ),
    Read(
        "page: comment matrix as CSV",
        lambda w: reverse("consultations:matrix-csv", args=[w.open_round.consultation_id]),
        TR_COMMENT,
        "staff",
        404,
    ),
    Read(
        "page: differences between versions",
        lambda w: reverse("consultations:diff", args=[w.revised.pk]),
        "Portland",  # a word of version 2 only
        "fp_eg",
        404,
    ),
    Read(
        "page: notifications",
        lambda w: reverse("notifications:list"),
        NOTICE_SUBJECT,
        "fp_tr",
        200,  # the outsider's own (empty) list
    ),
    Read(
        "page: scorecards as CSV",
        lambda w: reverse("portal:scorecards-csv") + "?by=member-states",
        "rounds_received",  # figures nobody published
        "observer",
        200,  # a public page: the published figures only
        anonymous=200,
    ),
    Read(
        "API: consultations",
        lambda w: f"{API}/consultations/",
        "Matrix draft on cement test methods",
        "observer",
        404,
        api=True,
    ),
    Read(
        "API: consultation",
        lambda w: f"{API}/consultations/{w.open_round.consultation_id}/",
        DRAFT_TEXT,
        "fp_eg",
        404,
        api=True,
    ),
    Read(
        "API: answers",
        lambda w: f"{API}/consultations/{w.open_round.consultation_id}/answers/",
        TR_COMMENT,
        "observer",
        404,
        api=True,
    ),
    Read(
        "API: results",
        lambda w: f"{API}/consultations/{w.rejected.pk}/results/",
        "not_adopted",
        "fp_eg",
        404,
        api=True,
    ),
    Read(
        "API: progress reports",
        lambda w: f"{API}/progress-reports/",
        REPORT_TEXT,
        "observer",
        403,
        api=True,
    ),
    Read(
        "API: progress reports of an item",
        lambda w: f"{API}/action-items/{w.item.pk}/progress-reports/",
        REPORT_TEXT,
        "fp_eg",
        403,
        api=True,
    ),
    Read(
        "API: notifications",
        lambda w: f"{API}/notifications/",
        NOTICE_SUBJECT,
        "fp_tr",
        200,  # the outsider's own (empty) list
        api=True,
    ),
    Read(
        "API: a notice",
        lambda w: f"{API}/notifications/{w.notice.pk}/",
        NOTICE_SUBJECT,
        "fp_tr",
        404,
        api=True,
    ),
    Read(
        "API: scorecards by member state",
        lambda w: f"{API}/scorecards/?by=member-states",
        '"rounds_received"',  # figures nobody published
        "observer",
        200,  # the published figures only
        api=True,
        anonymous=200,
    ),
]


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize(
    ("read", "role"),
    [
        pytest.param(read, role, id=f"{read.name} | {role}")
        for read in READS
        for role in ("anonymous", "outsider")
    ],
)
def test_the_public_and_outsiders_never_get_members_only_content(read, role, world, client):
    caller = _client(role, world, read.api, client)

    response = caller.get(read.url(world))

    assert read.marker not in _content(response)
    if role == "outsider":
        assert response.status_code == read.outsider
    elif read.anonymous is not None:
        assert response.status_code == read.anonymous
    elif read.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(_sign_in_page() + "?next=")


@pytest.mark.parametrize("read", [pytest.param(read, id=read.name) for read in READS])
def test_a_member_reads_what_the_others_may_not(read, world, client):
    caller = _client(read.reader, world, read.api, client)

    response = caller.get(read.url(world))

    assert response.status_code == 200
    assert read.marker in _content(response)


@pytest.mark.parametrize(
    "name",
    [
        "accounts:api-token-create",
        "accounts:api-token-revoke",
        "accounts:two-factor",
        "accounts:two-factor-disable",
        "accounts:recovery-codes-renew",
        "notifications:read-all",
        "notifications:preferences",
    ],
)
def test_own_account_writes_send_the_anonymous_visitor_to_sign_in(name, client, world):
    response = client.post(reverse(name), {"code": "123456", "password": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(_sign_in_page() + "?next=")
