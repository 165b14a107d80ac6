"""Consultations through the API (/api/v1/consultations/): the same rules as the pages, errors
as {code, message}, and an OpenAPI document without warnings."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from d8coop.consultations import services
from d8coop.consultations.models import Answer, Consultation, Round
from tests.conftest import sign_in_verified
from tests.consultations_support import (  # noqa: F401 - fixtures
    IST,
    MEMBERS_2015,
    SEED_DEADLINE_UTC,
    _media,
    _reference_data_once,
    answer,
    circulate,
    emad,
    maya,
    reference_data,
    tarik,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_user(user) -> APIClient:
    return sign_in_verified(APIClient(), user)


@pytest.fixture
def open_round(secretariat, tarik, maya, emad):
    return circulate(secretariat, title="Open draft", now=timezone.now() - timedelta(hours=1))


def error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    return body["message"]


def endpoints(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", f"{API}/"),
        ("post", f"{API}/"),
        ("get", f"{API}/{pk}/"),
        ("post", f"{API}/{pk}/rounds/"),
        ("get", f"{API}/{pk}/answers/"),
        ("post", f"{API}/{pk}/answers/"),
        ("get", f"{API}/{pk}/results/"),
    ]


def test_the_anonymous_caller_gets_401_everywhere(api, open_round):
    for method, url in endpoints(open_round.consultation_id):
        response = getattr(api, method)(url, {}, format="json")

        error(response, 401, "not_authenticated")


def test_a_signed_in_outsider_gets_404_everywhere(outsider, open_round):
    client = as_user(outsider)

    for method, url in endpoints(open_round.consultation_id):
        response = getattr(client, method)(
            url, {"member_state": "TR", "answer": "objection"}, format="json"
        )

        error(response, 404, "not_found")
    assert Answer.objects.count() == 0


def test_members_list_what_they_may_see(secretariat, maya, open_round):
    circulate(secretariat, title="Only Egypt", recipients=["EG"])

    mine = as_user(maya).get(f"{API}/").json()
    everything = as_user(secretariat).get(f"{API}/").json()

    assert [row["title"] for row in mine["results"]] == ["Open draft"]
    assert everything["count"] == 2
    detail = as_user(maya).get(f"{API}/{open_round.consultation_id}/").json()
    first_round = detail["rounds"][0]
    assert first_round["status"] == "open"
    assert first_round["time_zone"] == "Europe/Istanbul"
    assert first_round["deadline_local"].endswith("+03:00")
    assert detail["breaking_kinds"] == ["objection", "amendment"]


def test_the_secretariat_circulates_through_the_api(secretariat, tarik):
    response = as_user(secretariat).post(
        f"{API}/",
        {
            "title": "Draft charter",
            "text": "Article 1.",
            "body": "tf-smes",
            "recipients": ["TR", "MY"],
            "deadline_local": "2099-02-28T17:00",
            "time_zone": "Asia/Jayapura",
            "breaking_kinds": ["comment", "objection"],
            "close_on_break": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert datetime.fromisoformat(body["rounds"][0]["deadline"]) == datetime(
        2099, 2, 28, 8, 0, tzinfo=UTC
    )
    assert body["rounds"][0]["deadline_local"] == "2099-02-28T17:00:00+09:00"
    assert body["rounds"][0]["recipients"] == ["MY", "TR"]
    assert body["close_on_break"] is True
    assert body["breaking_kinds"] == ["comment", "objection"]


def test_a_focal_point_cannot_circulate_through_the_api(tarik):
    response = as_user(tarik).post(
        f"{API}/", {"title": "Mine", "text": "x", "duration": "10 days"}, format="json"
    )

    error(response, 403, "permission_denied")
    assert Consultation.objects.count() == 0


def test_a_nonexistent_local_deadline_is_refused_with_its_reason(secretariat, reference_data):
    response = as_user(secretariat).post(
        f"{API}/",
        {
            "title": "Draft",
            "text": "x",
            "deadline_local": "2099-10-29T23:30",
            "time_zone": "Africa/Cairo",
        },
        format="json",
    )

    message = error(response, 400, "local_time_fold")
    assert "happens twice in Africa/Cairo" in message
    assert Consultation.objects.count() == 0


def test_a_focal_point_answers_through_the_api_with_a_token(api, tarik, open_round):
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=tarik).key}")

    response = api.post(
        f"{API}/{open_round.consultation_id}/answers/",
        {"member_state": "tr", "answer": "comment", "text": "Fine, with one remark."},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["member_state"]["code"] == "TR"
    assert response.json()["kind"] == "comment"
    assert Answer.objects.get().answered_by == tarik


def test_a_focal_point_cannot_answer_for_another_state_through_the_api(tarik, open_round):
    response = as_user(tarik).post(
        f"{API}/{open_round.consultation_id}/answers/",
        {"member_state": "MY", "answer": "objection", "text": "No."},
        format="json",
    )

    assert (
        error(response, 403, "permission_denied")
        == "Only a focal point of Malaysia answers for it."
    )
    assert Answer.objects.count() == 0


def test_the_secretariat_cannot_answer_through_the_api(secretariat, open_round):
    response = as_user(secretariat).post(
        f"{API}/{open_round.consultation_id}/answers/",
        {"member_state": "TR", "answer": "no_objection"},
        format="json",
    )

    error(response, 403, "permission_denied")
    assert Answer.objects.count() == 0


def test_a_late_answer_through_the_api_is_a_conflict(secretariat, tarik):
    round_ = circulate(secretariat)

    response = as_user(tarik).post(
        f"{API}/{round_.consultation_id}/answers/",
        {"member_state": "TR", "answer": "no_objection"},
        format="json",
    )

    message = error(response, 409, "deadline_passed")
    assert "28 February 2015, 17:00 (Europe/Istanbul, UTC+02:00)" in message
    assert Answer.objects.count() == 0


def test_answers_are_read_by_the_secretariat_and_by_each_state_for_itself(
    secretariat, tarik, maya, open_round
):
    answer(tarik, open_round, "TR", "comment", "Türkiye's remark.")
    answer(maya, open_round, "MY", "no_objection")
    url = f"{API}/{open_round.consultation_id}/answers/"

    everything = as_user(secretariat).get(url).json()
    own = as_user(maya).get(url).json()

    assert [a["member_state"]["code"] for a in everything] == ["MY", "TR"]
    assert [a["member_state"]["code"] for a in own] == ["MY"]


def test_results_carry_positions_and_the_circular(secretariat, tarik, maya):
    round_ = circulate(secretariat)
    answer(tarik, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))
    services.consultations_close_due(SEED_DEADLINE_UTC)

    [result] = as_user(maya).get(f"{API}/{round_.consultation_id}/results/").json()

    assert (result["round"], result["outcome"], result["reason"]) == (1, "adopted", "deadline")
    kinds = {p["member_state"]["code"]: p["kind"] for p in result["positions"]}
    assert sorted(kinds) == MEMBERS_2015
    assert kinds["TR"] == "no_objection"
    assert list(kinds.values()).count("tacit_acceptance") == 7
    assert result["circular"]["text"].startswith("Circular D-8/SP/2015/")


def test_a_new_round_through_the_api(secretariat, tarik, emad):
    first = circulate(secretariat, close_on_break=True, now=timezone.now() - timedelta(days=1))
    answer(emad, first, "EG", "objection", "Budget?")
    url = f"{API}/{first.consultation_id}/rounds/"

    refused = as_user(tarik).post(url, {"text": "v2", "duration": "10 days"}, format="json")
    created = as_user(secretariat).post(url, {"text": "v2", "duration": "10 days"}, format="json")
    again = as_user(secretariat).post(url, {"text": "v3", "duration": "10 days"}, format="json")

    error(refused, 403, "permission_denied")
    assert created.status_code == 201, created.content
    assert [r["number"] for r in created.json()["rounds"]] == [1, 2]
    error(again, 409, "no_new_round")
    assert Round.objects.count() == 2


def test_the_openapi_document_validates_without_warnings(tmp_path):
    out = StringIO()

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
        stdout=out,
        stderr=out,
    )

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/consultations/{id}/answers/:" in schema
    assert "/api/v1/consultations/{id}/rounds/:" in schema
    assert "/api/v1/consultations/{id}/results/:" in schema
