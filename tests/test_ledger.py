"""The action ledger: who may report progress on which item, what a report changes, and the
notices of items becoming due or overdue."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from d8coop.cooperation import selectors, services
from d8coop.cooperation.models import ActionItem, Meeting, ProgressReport
from d8coop.core.models import RecordIsFinal
from d8coop.members.models import MemberState
from d8coop.notifications.models import Kind, Notification
from tests.factories import ActionItemFactory, appoint_focal_point

pytestmark = pytest.mark.django_db

STARTED = date(2024, 1, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def appoint(user, code: str, *body_slugs: str, started_on: date = STARTED):
    return appoint_focal_point(user, code, *body_slugs, started_on=started_on)


def item(title: str) -> ActionItem:
    return ActionItem.objects.get(title__startswith=title)


@pytest.fixture
def tarik(reference_data, django_user_model):
    """Focal point of Türkiye, for all bodies."""
    user = django_user_model.objects.create_user(email="tarik@tr.example", password="x-pw-1")
    appoint(user, "TR")
    return user


@pytest.fixture
def amina(reference_data, django_user_model):
    """Focal point of Egypt: Egypt coordinates the Automotive Task Force."""
    user = django_user_model.objects.create_user(email="amina@eg.example", password="x-pw-2")
    appoint(user, "EG")
    return user


@pytest.fixture
def survey(reference_data) -> ActionItem:
    """Türkiye alone is responsible for it, in a body nobody coordinates; due in 2016."""
    turkey = MemberState.objects.get(code="TR")
    return ActionItemFactory(title="Survey of cement plants", responsible_states=[turkey])


@pytest.fixture
def automotive(reference_data) -> ActionItem:
    """Indonesia, Türkiye and Iran are responsible; Egypt coordinates its body."""
    return item("Establish a joint working group")


def test_focal_point_reports_progress_on_own_states_item(tarik, survey):
    report = services.action_item_report_progress(
        user=tarik, item=survey, text="Venue booked in Ankara.", status="in_progress"
    )

    survey.refresh_from_db()
    assert survey.status == "in_progress"
    assert report.member_state.code == "TR"
    assert report.position.is_focal_point and report.position.member_state.code == "TR"
    assert (report.status_before, report.status_after) == ("planned", "in_progress")
    latest = survey.history.first()
    assert latest.history_user == tarik
    assert latest.history_change_reason == f"progress report {report.pk}"


def test_focal_point_cannot_report_on_another_countrys_item(amina, survey):
    with pytest.raises(PermissionDenied):
        services.action_item_report_progress(user=amina, item=survey, text="Done.")
    assert not ProgressReport.objects.exists()
    survey.refresh_from_db()
    assert survey.status == "planned"


def test_focal_point_cannot_report_for_another_state_on_a_shared_item(tarik, automotive):
    iran = MemberState.objects.get(code="IR")
    with pytest.raises(PermissionDenied):
        services.action_item_report_progress(
            user=tarik, item=automotive, text="x", member_state=iran
        )
    assert not ProgressReport.objects.exists()


def test_on_a_shared_item_a_focal_point_reports_but_does_not_set_the_status(tarik, automotive):
    services.action_item_report_progress(user=tarik, item=automotive, text="Our part is ready.")
    with pytest.raises(ValidationError) as error:
        services.action_item_report_progress(
            user=tarik, item=automotive, text="All done.", status="done"
        )
    assert "several responsible member states" in str(error.value)
    assert ProgressReport.objects.count() == 1
    automotive.refresh_from_db()
    assert automotive.status == "not_reported"


def test_coordinator_sets_the_status_of_their_bodys_items(amina, automotive):
    report = services.action_item_report_progress(
        user=amina, item=automotive, text="Replaced by the 2016 plan.", status="superseded"
    )
    automotive.refresh_from_db()
    assert automotive.status == "superseded"
    assert report.member_state is None  # for the whole item


def test_focal_point_cannot_cancel_or_reopen(tarik, survey):
    with pytest.raises(ValidationError):
        services.action_item_report_progress(
            user=tarik, item=survey, text="No budget.", status="cancelled"
        )
    services.action_item_report_progress(user=tarik, item=survey, text="Held.", status="done")
    with pytest.raises(ValidationError):
        services.action_item_report_progress(
            user=tarik, item=survey, text="Again.", status="in_progress"
        )
    survey.refresh_from_db()
    assert survey.status == "done"


def test_secretariat_updates_any_item(secretariat, survey):
    services.action_item_report_progress(
        user=secretariat, item=survey, text="Cancelled by the WGIC.", status="cancelled"
    )
    survey.refresh_from_db()
    assert survey.status == "cancelled"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"text": "   "}, "text"),
        ({"progress_on": date.today() + timedelta(days=2)}, "progress_on"),
        ({"progress_on": date(2014, 1, 1)}, "progress_on"),
        ({"status": "not_reported"}, "status"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(tarik, survey, changes, field):
    values = {"text": "Fine.", **changes}
    with pytest.raises(ValidationError) as error:
        services.action_item_report_progress(user=tarik, item=survey, **values)
    assert field in error.value.message_dict
    assert not ProgressReport.objects.exists()


def test_reports_are_append_only(tarik, survey):
    report = services.action_item_report_progress(user=tarik, item=survey, text="One.")
    report.text = "Rewritten."
    with pytest.raises(RecordIsFinal):
        report.save()
    with pytest.raises(RecordIsFinal):
        report.delete()
    with pytest.raises(RecordIsFinal):
        ProgressReport.objects.filter(pk=report.pk).update(text="Rewritten.")
    assert ProgressReport.objects.get().text == "One."


def test_a_successor_inherits_the_open_work_and_the_predecessor_loses_it(
    tarik, survey, django_user_model
):
    successor = django_user_model.objects.create_user(email="deniz@tr.example", password="x-pw")
    appoint(successor, "TR", started_on=timezone.localdate())
    assert survey in selectors.action_items_for_user(successor, timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.action_item_report_progress(user=tarik, item=survey, text="Still me.")
    services.action_item_report_progress(user=successor, item=survey, text="Taking over.")


def test_workspace_lists_the_items_the_user_answers_for(tarik, survey, automotive, signed_in):
    response = signed_in(tarik).get(reverse("workspace:home"))
    assert response.status_code == 200
    rows = [row_item for row_item, _due in response.context["rows"]]
    assert survey in rows and automotive in rows
    egypt_only = ActionItemFactory(responsible_states=[MemberState.objects.get(code="EG")])
    rows = [
        row_item
        for row_item, _due in signed_in(tarik).get(reverse("workspace:home")).context["rows"]
    ]
    assert egypt_only not in rows
    # Türkiye coordinates the SME Task Force: Nigeria's SME item is on its list too
    assert item("Hold the SPX/Cluster Development Training session") in rows
    # the survey was due in 2016
    assert "overdue" in response.content.decode()


def test_report_form_records_progress_with_an_attachment(tarik, survey, signed_in):
    client = signed_in(tarik)
    url = reverse("workspace:report-progress", args=[survey.pk])
    upload = SimpleUploadedFile("agenda.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url,
        {"text": "Agenda attached.", "progress_on": "2025-05-01", "status": "in_progress",
         "member_state": MemberState.objects.get(code="TR").pk, "attachment": upload},
    )  # fmt: skip
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.attachment.name.endswith(".pdf")
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "Agenda attached." in page
    download = client.get(reverse("workspace:attachment", args=[report.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_a_file_that_is_not_what_its_name_says_is_refused(tarik, survey, signed_in):
    upload = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    response = signed_in(tarik).post(
        reverse("workspace:report-progress", args=[survey.pk]),
        {"text": "See file.", "progress_on": "2025-05-01", "status": "planned",
         "member_state": MemberState.objects.get(code="TR").pk, "attachment": upload},
    )  # fmt: skip
    assert response.status_code == 200
    assert "is not a .pdf file" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_report_form_refuses_another_countrys_focal_point(amina, survey, signed_in):
    url = reverse("workspace:report-progress", args=[survey.pk])
    client = signed_in(amina)
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "x", "progress_on": "2025-01-01"}).status_code == 403
    assert not ProgressReport.objects.exists()


def test_outsiders_and_visitors_are_kept_out(outsider, survey, client, signed_in, tarik):
    report = services.action_item_report_progress(
        user=tarik,
        item=survey,
        text="Secret budget figures.",
        attachment=SimpleUploadedFile("a.pdf", PDF),
    )
    urls = [
        reverse("workspace:home"),
        reverse("workspace:report-progress", args=[survey.pk]),
        reverse("workspace:attachment", args=[report.pk]),
        reverse("workspace:follow-up", args=[survey.outcome.meeting.slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    public = client.get(survey.get_absolute_url()).content.decode()
    assert "Secret budget figures." not in public
    stranger = signed_in(outsider)
    for url in urls:
        assert stranger.get(url).status_code == 403
    assert "Secret budget figures." not in stranger.get(survey.get_absolute_url()).content.decode()


def test_follow_up_list_holds_open_items_due_by_the_meeting(reference_data, secretariat):
    decided = item("Hold an SME Financing Model Workshop")  # 2nd half of 2015
    later = Meeting.objects.create(
        body=decided.body,
        kind=decided.outcome.meeting.kind,
        title="Review meeting 2016",
        slug="review-2016",
        status=Meeting.Status.PLANNED,
        period_text="10 March 2016",
        period_earliest=date(2016, 3, 10),
        period_latest=date(2016, 3, 10),
        source=decided.source,
    )
    listed = list(selectors.follow_up_items(later))
    assert decided in listed
    services.action_item_report_progress(
        user=secretariat, item=decided, text="Held in Ankara.", status="done"
    )
    assert decided not in list(selectors.follow_up_items(later))
    services.action_item_set_review_meeting(user=secretariat, item=decided, meeting=later)
    assert decided in list(selectors.follow_up_items(later))


def test_due_notices_reach_the_responsible_focal_points_once(tarik, amina, survey):
    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    services.action_items_notify_due(now)
    services.action_items_notify_due(now)

    key = f"action_overdue:{survey.pk}:{survey.period_latest.isoformat()}"
    assert Notification.objects.filter(recipient=tarik, key=key).count() == 1
    assert Notification.objects.get(recipient=tarik, key=key).kind == Kind.ACTION_OVERDUE
    # Egypt is neither responsible for the survey nor coordinating its body
    assert not Notification.objects.filter(recipient=amina, url=survey.get_absolute_url())


def test_a_new_due_date_is_a_new_notice(tarik, survey):
    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    services.action_items_notify_due(now)
    survey.period_text = "15 December 2026"
    survey.period_earliest, survey.period_latest = date(2026, 12, 15), date(2026, 12, 15)
    survey.save()
    services.action_items_notify_due(now)
    kinds = Notification.objects.filter(recipient=tarik, url=survey.get_absolute_url())
    assert sorted(kinds.values_list("kind", flat=True)) == ["action_due_soon", "action_overdue"]


def test_due_soon_is_measured_from_the_latest_day_of_the_due_period(reference_data):
    workshop = item("Hold an SME Financing Model Workshop")  # second half of 2015
    assert selectors.due_state(workshop, date(2015, 11, 15), 30) == ""
    assert selectors.due_state(workshop, date(2015, 12, 1), 30) == "due_soon"
    assert selectors.due_state(workshop, date(2015, 12, 31), 30) == "due_soon"
    assert selectors.due_state(workshop, date(2016, 1, 1), 30) == "overdue"


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_api_focal_point_posts_a_progress_report(tarik, survey):
    url = reverse("api:action-item-progress-reports", args=[survey.pk])
    response = api_client(tarik).post(
        url, {"text": "Survey sent.", "member_state": "tr", "status": "in_progress"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["member_state"]["code"] == "TR"
    survey.refresh_from_db()
    assert survey.status == "in_progress"
    listed = api_client(tarik).get(url).json()
    assert [row["text"] for row in listed["results"]] == ["Survey sent."]


def test_api_refuses_another_countrys_focal_point_with_a_json_error(amina, survey):
    url = reverse("api:action-item-progress-reports", args=[survey.pk])
    response = api_client(amina).post(url, {"text": "Done.", "status": "done"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You may not update this action item.",
    }
    assert not ProgressReport.objects.exists()


def test_api_bad_input_names_the_field(tarik, survey):
    url = reverse("api:action-item-progress-reports", args=[survey.pk])
    response = api_client(tarik).post(
        url, {"text": "x", "progress_on": "2999-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "progress_on" in response.json()["errors"]
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_api_progress_reports_stay_with_members(who, outsider, tarik, survey):
    services.action_item_report_progress(user=tarik, item=survey, text="Internal figures.")
    client = api_client(None if who == "anonymous" else outsider)
    for url in (
        reverse("api:action-item-progress-reports", args=[survey.pk]),
        reverse("api:progress-report-list"),
    ):
        response = client.get(url)
        assert response.status_code == (401 if who == "anonymous" else 403)
        assert "Internal figures." not in response.content.decode()
    posted = client.post(
        reverse("api:action-item-progress-reports", args=[survey.pk]), {"text": "x"}
    )
    assert posted.status_code == (401 if who == "anonymous" else 403)
    assert ProgressReport.objects.count() == 1


def test_workspace_shows_consultations_awaiting_the_users_answer_in_his_zone(
    tarik, amina, secretariat, signed_in
):
    from d8coop.consultations.services import answer_submit, consultation_circulate

    # Given a draft circulated to all member states, answered by Egypt only
    round_ = consultation_circulate(
        by=secretariat,
        title="Draft terms of reference",
        text="The text.",
        duration="one month",
    )
    answer_submit(by=amina, round=round_, state_code="EG", kind="no_objection")
    # Then it waits for Türkiye's answer, with its deadline in Istanbul time
    awaiting = signed_in(tarik).get(reverse("workspace:home")).context["awaiting"]
    istanbul = round_.deadline.astimezone(ZoneInfo("Europe/Istanbul"))
    assert [(r.pk, d) for r, d in awaiting] == [
        (round_.pk, f"{istanbul:%-d %B %Y, %H:%M} (Europe/Istanbul, UTC+03:00)")
    ]
    # And not for Egypt's focal point any more
    assert signed_in(amina).get(reverse("workspace:home")).context["awaiting"] == []


def test_rescheduling_a_meeting_moves_the_due_periods_counted_from_it(reference_data, secretariat):
    # Given "within one (1) month" of a meeting held on 26-28 January 2015
    draft = item("Forward views and comments on the communication network draft")
    meeting = draft.outcome.meeting
    before = (draft.period_earliest, draft.period_latest)
    assert before[1] == date(2015, 2, 28)
    fixed = item("Hold an SME Financing Model Workshop")
    fixed_before = (fixed.period_earliest, fixed.period_latest)
    # When the meeting's dates are corrected to March 2015
    meeting.period_text = "10-12 March 2015"
    meeting.full_clean()
    meeting.save()
    moved = services.action_items_recompute_due(meeting=meeting, user=secretariat)
    # Then the relative period moves with it, absolute ones stay, and the history says why
    draft.refresh_from_db()
    fixed.refresh_from_db()
    assert draft.period_latest == date(2015, 4, 12)
    assert (fixed.period_earliest, fixed.period_latest) == fixed_before
    assert moved >= 1
    assert draft.history.first().history_change_reason == f"meeting {meeting.slug} rescheduled"
    assert services.action_items_recompute_due(meeting=meeting, user=secretariat) == 0


def test_the_due_notice_job_costs_two_queries_once_everyone_was_told(tarik, survey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    services.action_items_notify_due(now)  # the 2015 items and the survey, all overdue
    # The clock runs it again a minute later: the open items, then the notices already sent
    with CaptureQueriesContext(connection) as queries:
        services.action_items_notify_due(now)
    assert len(queries) == 2
