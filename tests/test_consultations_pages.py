"""Consultation pages: who sees what, answering from the page, deadlines in two zones, the
circular, the comment matrix, the differences between versions, the secretariat's forms and
the published results."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from d8coop.consultations import services
from d8coop.consultations.models import Answer, Consultation, Round
from d8coop.cooperation.models import Body
from tests.consultations_support import (  # noqa: F401 - fixtures
    IST,
    SEED_DEADLINE_UTC,
    SEED_TEXT,
    _media,
    _reference_data_once,
    answer,
    aysel,
    circulate,
    emad,
    maya,
    reference_data,
    tarik,
)
from tests.factories import MemberStateFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a tiny test file\n"
CAIRO = ZoneInfo("Africa/Cairo")


@pytest.fixture
def closed_seed(secretariat, tarik, maya, emad):
    """The 2015 seed round: Türkiye and Malaysia answered, the rest stayed silent; closed."""
    round_ = circulate(secretariat)
    answer(tarik, round_, "TR", now=datetime(2015, 2, 2, 10, 0, tzinfo=IST))
    answer(maya, round_, "MY", "objection", "Not yet.", now=datetime(2015, 2, 5, 9, 0, tzinfo=IST))
    answer(
        maya,
        round_,
        "MY",
        "comment",
        "Add a contact list per state.",
        now=datetime(2015, 2, 10, 9, 0, tzinfo=IST),
    )
    services.consultations_close_due(SEED_DEADLINE_UTC + timedelta(minutes=1))
    return Round.objects.get(pk=round_.pk)


@pytest.fixture
def open_round(secretariat, tarik, maya, emad):
    """A round circulated an hour ago for one month, to today's member states."""
    return circulate(secretariat, title="Open draft", now=timezone.now() - timedelta(hours=1))


def urls(round_: Round) -> list[tuple[str, str]]:
    pk = round_.consultation_id
    return [
        ("get", "/consultations/"),
        ("get", "/consultations/new/"),
        ("get", f"/consultations/{pk}/"),
        ("get", f"/consultations/{pk}/diff/"),
        ("get", f"/consultations/{pk}/matrix/"),
        ("get", f"/consultations/{pk}/matrix.csv"),
        ("get", f"/consultations/{pk}/rounds/new/"),
        ("get", f"/consultations/{pk}/versions/1/file/"),
        ("get", f"/consultations/{pk}/answers/{round_.answers.first().pk}/file/"),
        ("post", f"/consultations/{pk}/rounds/1/answer/"),
        ("post", f"/consultations/{pk}/publish/"),
    ]


# --------------------------------------------------------------------------- who sees what


def test_the_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, closed_seed):
    for method, url in urls(closed_seed):
        response = getattr(client, method)(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/sign-in/"), url
    assert Answer.objects.count() == 3


def test_a_signed_in_outsider_finds_nothing_on_any_page(signed_in, outsider, closed_seed):
    client = signed_in(outsider)

    for method, url in urls(closed_seed):
        response = getattr(client, method)(url, {"public": "1", "r1-kind": "no_objection"})

        assert response.status_code == 404, url
    assert not Consultation.objects.get().result_is_public
    assert Answer.objects.count() == 3


def test_a_focal_point_of_a_state_not_consulted_finds_nothing(signed_in, aysel, closed_seed):
    client = signed_in(aysel)

    assert client.get(f"/consultations/{closed_seed.consultation_id}/").status_code == 404
    assert "Communication network draft" not in client.get("/consultations/").content.decode()


def test_the_header_links_to_consultations_for_members_only(signed_in, client, outsider, tarik):
    link = 'href="/consultations/"'

    assert link not in client.get("/").content.decode()
    assert link not in signed_in(outsider).get("/").content.decode()
    assert link in signed_in(tarik).get("/").content.decode()


# --------------------------------------------------------------------------- reading


def test_the_deadline_is_shown_in_the_declared_zone_and_the_readers(signed_in, maya, closed_seed):
    # Malaysia's focal point reads in Kuala Lumpur time (UTC+08:00)
    page = signed_in(maya).get(f"/consultations/{closed_seed.consultation_id}/").content.decode()

    assert "28 February 2015, 17:00 (Europe/Istanbul, UTC+02:00)" in page
    assert "28 February 2015, 23:00 (Asia/Kuala_Lumpur, UTC+08:00)" in page
    assert 'datetime="2015-02-28T17:00:00+02:00"' in page  # the same instant, machine-readable


def test_a_deadline_moved_past_cairos_spring_gap_says_so(signed_in, secretariat, reference_data):
    round_ = circulate(
        secretariat, time_zone="Africa/Cairo", now=datetime(2023, 3, 28, 0, 30, tzinfo=CAIRO)
    )

    page = signed_in(secretariat).get(f"/consultations/{round_.consultation_id}/").content.decode()

    assert "28 April 2023, 01:30 (Africa/Cairo, UTC+03:00)" in page
    assert (
        "The computed local time, 2023-04-28 00:30, does not exist in Africa/Cairo (the clocks "
        "jump forward then): the deadline was moved forward by the length of the jump."
    ) in page


def test_a_reader_with_a_zone_of_their_own_sees_it(signed_in, tarik, closed_seed):
    tarik.time_zone = "Asia/Jayapura"
    tarik.save()

    page = signed_in(tarik).get(f"/consultations/{closed_seed.consultation_id}/").content.decode()

    assert "1 March 2015, 00:00 (Asia/Jayapura, UTC+09:00)" in page


def test_the_closed_page_shows_the_circular_and_the_tacit_acceptances(
    signed_in, secretariat, closed_seed
):
    page = signed_in(secretariat).get(f"/consultations/{closed_seed.consultation_id}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert f"Circular D-8/SP/2015/{closed_seed.consultation_id}-1" in html
    assert "Result: ADOPTED" in html
    assert html.count("Tacit acceptance</span>") == 6  # BD, EG, ID, IR, NG, PK
    assert "1 earlier answer" in html  # Malaysia's objection, superseded by its comment
    assert "Add a contact list per state." in html


def test_while_open_a_focal_point_reads_its_own_answer_text_not_other_states(
    signed_in, maya, emad, open_round
):
    answer(maya, open_round, "MY", "comment", "Add a contact list per state.")
    url = f"/consultations/{open_round.consultation_id}/"

    others = signed_in(emad).get(url).content.decode()
    own = signed_in(maya).get(url).content.decode()

    assert "Comment" in others  # who answered what is shown to every recipient
    assert "Add a contact list per state." not in others
    assert "For the secretariat and the coordinators" in others
    assert "Add a contact list per state." in own


def test_the_list_costs_the_same_queries_for_three_or_nine_consultations(
    signed_in, secretariat, tarik
):
    client = signed_in(secretariat)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/consultations/").status_code == 200
        return len(captured)

    for n in range(3):
        circulate(secretariat, title=f"Draft {n}")
    few = count()
    for n in range(6):
        circulate(secretariat, title=f"More {n}")

    assert count() == few


# --------------------------------------------------------------------------- answering


def test_a_focal_point_answers_from_the_page_and_may_change_it(signed_in, tarik, open_round):
    client = signed_in(tarik)
    url = f"/consultations/{open_round.consultation_id}/"
    assert "Answer for Türkiye" in client.get(url).content.decode()

    response = client.post(
        f"{url}rounds/1/answer/", {"r1-member_state": "TR", "r1-kind": "no_objection"}
    )

    assert response.status_code == 302
    assert Answer.objects.get().kind == "no_objection"
    page = client.get(url).content.decode()
    assert "Your answer is recorded." in page
    assert "Change the answer of Türkiye" in page


def test_an_answer_with_a_file_is_kept_and_read_by_its_state_only(
    signed_in, tarik, maya, secretariat, open_round
):
    url = f"/consultations/{open_round.consultation_id}/rounds/1/answer/"
    upload = SimpleUploadedFile("amendment.pdf", PDF, content_type="application/pdf")

    signed_in(tarik).post(
        url,
        {
            "r1-member_state": "TR",
            "r1-kind": "amendment",
            "r1-text": "See the file.",
            "r1-file": upload,
        },
    )

    given = Answer.objects.get()
    assert (given.file_name, given.file_size) == ("amendment.pdf", len(PDF))
    file_url = f"/consultations/{open_round.consultation_id}/answers/{given.pk}/file/"
    assert b"".join(signed_in(tarik).get(file_url).streaming_content) == PDF
    assert signed_in(secretariat).get(file_url).status_code == 200
    assert signed_in(maya).get(file_url).status_code == 404


def test_a_file_of_the_wrong_type_is_refused_with_a_message(signed_in, tarik, open_round):
    url = f"/consultations/{open_round.consultation_id}/rounds/1/answer/"
    upload = SimpleUploadedFile("amendment.pdf", b"MZ\x90\x00 not a pdf")

    response = signed_in(tarik).post(
        url,
        {
            "r1-member_state": "TR",
            "r1-kind": "amendment",
            "r1-text": "See file.",
            "r1-file": upload,
        },
    )

    assert response.status_code == 400
    assert "content is not a .pdf file" in response.content.decode()
    assert Answer.objects.count() == 0


def test_a_focal_point_cannot_answer_for_another_state_from_the_page(signed_in, tarik, open_round):
    url = f"/consultations/{open_round.consultation_id}/rounds/1/answer/"

    response = signed_in(tarik).post(
        url, {"r1-member_state": "MY", "r1-kind": "objection", "r1-text": "No."}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Answer.objects.count() == 0


def test_the_secretariat_cannot_answer_from_the_page(signed_in, secretariat, open_round):
    url = f"/consultations/{open_round.consultation_id}/rounds/1/answer/"

    response = signed_in(secretariat).post(
        url, {"r1-member_state": "TR", "r1-kind": "no_objection"}
    )

    assert response.status_code == 403
    assert Answer.objects.count() == 0


def test_a_late_answer_from_the_page_is_refused_with_the_deadline(signed_in, secretariat, tarik):
    round_ = circulate(secretariat, duration="1 day", now=timezone.now() - timedelta(days=2))
    url = f"/consultations/{round_.consultation_id}/"

    page = signed_in(tarik).get(url).content.decode()
    response = signed_in(tarik).post(
        f"{url}rounds/1/answer/", {"r1-member_state": "TR", "r1-kind": "no_objection"}
    )

    assert "Answer for Türkiye" not in page
    assert "Deadline passed; closing" in page
    assert response.status_code == 409
    assert "The deadline passed on" in response.content.decode()
    assert Answer.objects.count() == 0


def test_an_answer_after_the_close_is_refused_from_the_page(signed_in, tarik, closed_seed):
    url = f"/consultations/{closed_seed.consultation_id}/rounds/1/answer/"

    response = signed_in(tarik).post(
        url, {"r1-member_state": "TR", "r1-kind": "objection", "r1-text": "Too late."}
    )

    assert response.status_code == 409
    assert "Round 1 closed on" in response.content.decode()
    assert Answer.objects.count() == 3


# --------------------------------------------------------------------------- matrix and diff


def test_the_comment_matrix_is_for_the_secretariat_and_the_coordinators(
    signed_in, secretariat, tarik, maya, closed_seed
):
    url = f"/consultations/{closed_seed.consultation_id}/matrix/"

    page = signed_in(secretariat).get(url).content.decode()

    assert '<th scope="row">Malaysia</th>' in page
    assert "1 superseded answer" in page
    assert page.count("Tacit acceptance") == 6
    assert signed_in(tarik).get(url).status_code == 200  # Türkiye coordinates the SME TF
    assert signed_in(maya).get(url).status_code == 403


def test_the_comment_matrix_exports_as_csv(signed_in, secretariat, closed_seed):
    response = signed_in(secretariat).get(
        f"/consultations/{closed_seed.consultation_id}/matrix.csv"
    )

    rows = response.content.decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0].startswith("member_state,round,counting_answer,text,answered_at")
    assert (
        "MY,1,comment,Add a contact list per state.,2015-02-10 09:00,Europe/Istanbul,1,"
        "comment" in rows
    )
    assert "BD,1,,,,Europe/Istanbul,0,tacit_acceptance" in rows


def test_the_differences_between_versions_are_marked_beyond_colour(
    signed_in, secretariat, tarik, emad
):
    first = circulate(secretariat, close_on_break=True)
    answer(emad, first, "EG", "objection", "Budget?", now=datetime(2015, 2, 3, tzinfo=IST))
    services.round_open_next(
        by=secretariat,
        consultation=first.consultation,
        duration="10 days",
        text=SEED_TEXT.replace("one (1) month", "two (2) months"),
        now=datetime(2015, 2, 5, tzinfo=IST),
    )

    page = signed_in(tarik).get(f"/consultations/{first.consultation_id}/diff/").content.decode()

    assert '<th scope="col">Version 1</th>' in page
    assert '<th scope="col">Version 2</th>' in page
    assert '<del><span class="visually-hidden">deleted: </span>one</del>' in page
    assert '<ins><span class="visually-hidden">added: </span>two</ins>' in page
    assert '<ins><span class="visually-hidden">added: </span>months</ins>' in page


# --------------------------------------------------------------------------- the secretariat


def circulate_form(**overrides) -> dict:
    data = {
        "title": "Draft terms of reference",
        "body": Body.objects.get(slug="tf-smes").pk,
        "text": "The task force meets twice a year.",
        "recipients": ["TR", "MY", "EG"],
        "deadline_mode": "duration",
        "duration": "10 days",
        "deadline_local": "",
        "time_zone": "Europe/Istanbul",
        "breaking_kinds": ["objection", "amendment"],
    }
    data.update(overrides)
    return data


def test_a_focal_point_cannot_open_the_circulation_form(signed_in, tarik):
    client = signed_in(tarik)

    assert client.get("/consultations/new/").status_code == 403
    assert client.post("/consultations/new/", circulate_form()).status_code == 403
    assert Consultation.objects.count() == 0


def test_the_secretariat_circulates_from_the_form(signed_in, secretariat, tarik):
    client = signed_in(secretariat)
    form = client.get("/consultations/new/").content.decode()
    # by default, every member state of today is ticked (Azerbaijan included since 2025)
    assert len(re.findall(r'name="recipients" value="[A-Z]{2}"[^>]*checked', form)) == 9

    response = client.post("/consultations/new/", circulate_form())

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.pk}/"
    round_ = consultation.rounds.get()
    assert sorted(round_.dispatches.values_list("member_state__code", flat=True)) == [
        "EG",
        "MY",
        "TR",
    ]
    assert round_.deadline - round_.circulated_at == timedelta(days=10)


def test_an_explicit_deadline_in_cairos_spring_gap_is_refused_on_the_form(
    signed_in, secretariat, reference_data
):
    response = signed_in(secretariat).post(
        "/consultations/new/",
        circulate_form(
            deadline_mode="instant",
            duration="",
            deadline_local="2099-04-24T00:30",
            time_zone="Africa/Cairo",
        ),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "2099-04-24 00:30 does not exist in Africa/Cairo" in html
    assert Consultation.objects.count() == 0


def test_a_state_that_is_not_a_member_today_cannot_be_chosen(
    signed_in, secretariat, reference_data
):
    MemberStateFactory(code="XF", name="Futuria", membership__joined_on=date(2090, 1, 1))

    response = signed_in(secretariat).post(
        "/consultations/new/", circulate_form(recipients=["TR", "XF"])
    )

    assert response.status_code == 400
    assert "Futuria was not a member state on" in response.content.decode()
    assert Consultation.objects.count() == 0


def test_a_new_round_after_a_break_from_the_form(signed_in, secretariat, tarik, emad):
    first = circulate(secretariat, close_on_break=True, now=timezone.now() - timedelta(days=1))
    answer(emad, first, "EG", "objection", "Budget?")
    url = f"/consultations/{first.consultation_id}/rounds/new/"
    client = signed_in(secretariat)
    assert SEED_TEXT in client.get(url).content.decode()  # the last text, to revise

    response = client.post(
        url,
        {
            "text": "Revised.",
            "note": "Shorter",
            "recipients": ["TR", "EG"],
            "deadline_mode": "duration",
            "duration": "72 hours",
            "time_zone": "Africa/Lagos",
        },
    )

    assert response.status_code == 302
    second = Round.objects.get(number=2)
    assert (second.version.number, second.time_zone) == (2, "Africa/Lagos")
    assert second.deadline - second.circulated_at == timedelta(hours=72)


# --------------------------------------------------------------------------- publication


def test_only_published_results_are_public(client, signed_in, secretariat, closed_seed):
    other = circulate(secretariat, title="Unpublished draft")
    services.consultations_close_due(SEED_DEADLINE_UTC + timedelta(minutes=1))
    pk = closed_seed.consultation_id
    assert client.get(f"/consultations/results/{pk}/").status_code == 404

    response = signed_in(secretariat).post(f"/consultations/{pk}/publish/", {"public": "1"})
    client.logout()

    assert response.status_code == 302
    listing = client.get("/consultations/results/").content.decode()
    assert "Communication network draft" in listing
    assert "Unpublished draft" not in listing
    page = client.get(f"/consultations/results/{pk}/").content.decode()
    assert SEED_TEXT in page
    assert "Result: ADOPTED" in page
    assert client.get(f"/consultations/results/{other.consultation_id}/").status_code == 404
    assert client.get(f"/consultations/{pk}/").status_code == 302  # the record stays members-only


def test_a_detail_page_costs_the_same_queries_for_one_or_eight_states(signed_in, secretariat):
    client = signed_in(secretariat)
    one = circulate(secretariat, recipients=["TR"])
    eight = circulate(secretariat, title="For everyone")
    services.consultations_close_due(SEED_DEADLINE_UTC)

    def count(round_: Round) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/consultations/{round_.consultation_id}/")
        assert response.status_code == 200
        return len(captured)

    assert count(one) == count(eight)


# --------------------------------------------------------------------------- back office


def test_the_back_office_shows_the_record_read_only(signed_in, django_user_model, closed_seed):
    admin = django_user_model.objects.create_superuser(email="root@d8-sec.example", password="x")
    client = signed_in(admin)
    given = Answer.objects.first()

    page = client.get(f"/admin/consultations/answer/{given.pk}/change/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/consultations/answer/add/").status_code == 403
    assert (
        client.post(f"/admin/consultations/answer/{given.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get(f"/admin/consultations/answer/{given.pk}/history/").status_code == 200
    assert Answer.objects.count() == 3
