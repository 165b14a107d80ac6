"""Consultations by silence procedure: the seed scenario end to end, the rules of answering and
closing, reminders, and the append-only record. Pages and API: test_consultations_pages.py and
test_consultations_api.py; deadlines and time zones: test_consultations_deadlines.py."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from d8coop.consultations import services
from d8coop.consultations.models import (
    Answer,
    Circular,
    Consultation,
    Dispatch,
    RecordIsFinal,
    Result,
    Round,
    StatePosition,
    Version,
)
from d8coop.consultations.selectors import consultations_awaiting_answer, consultations_visible_to
from d8coop.cooperation.models import Outcome
from d8coop.notifications.models import Kind, Notification
from tests.consultations_support import (  # noqa: F401 - fixtures
    IST,
    MEMBERS_2015,
    SEED_CIRCULATED,
    SEED_DEADLINE_UTC,
    SEED_TEXT,
    _media,
    _reference_data_once,
    answer,
    aysel,
    circulate,
    emad,
    maya,
    ngozi,
    reference_data,
    tarik,
)

pytestmark = pytest.mark.django_db

AFTER = SEED_DEADLINE_UTC + timedelta(minutes=1)


def close_due(as_of: str) -> str:
    out = StringIO()
    call_command("consultations", "close-due", "--as-of", as_of, stdout=out)
    return out.getvalue()


def notices(key: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(key=key).values_list("recipient__email", "kind"))


# --------------------------------------------------------------------------- the seed scenario


def test_the_seed_draft_is_adopted_by_silence_with_one_circular_and_one_notice_each(
    secretariat, tarik, maya, emad, aysel
):
    # Given the decision of the SME task force meeting of 26-28 January 2015
    decision = Outcome.objects.get(text=SEED_TEXT)

    # When the secretariat circulates the draft on 28 January 2015 for one (1) month
    round_ = circulate(secretariat, outcome=decision)

    # Then the eight member states of that day receive it, Azerbaijan does not
    sent = sorted(round_.dispatches.values_list("member_state__code", flat=True))
    assert sent == MEMBERS_2015
    assert round_.deadline == SEED_DEADLINE_UTC
    assert round_.deadline_text == "one (1) month"
    assert set(Dispatch.objects.values_list("sent_at", flat=True)) == {SEED_CIRCULATED}
    # and the focal points of the recipients (not Azerbaijan's) are told once
    circulated = notices(f"consultation-circulated:{round_.pk}")
    assert [email for email, _ in circulated] == [
        "emad@msmeda.example",
        "maya@smecorp.example",
        "tarik@tr-sme.example",
    ]

    # When three states answer during February and the other five stay silent
    answer(tarik, round_, "TR", now=datetime(2015, 2, 2, 10, 0, tzinfo=IST))
    answer(
        maya,
        round_,
        "MY",
        "comment",
        "Add a contact list per state.",
        now=datetime(2015, 2, 10, 9, 30, tzinfo=IST),
    )
    answer(emad, round_, "EG", now=datetime(2015, 2, 27, 23, 0, tzinfo=IST))

    # Then nothing closes a minute before the deadline
    assert "No round was due" in close_due("2015-02-28T16:59+02:00")
    assert Result.objects.count() == 0

    # When `d8coop consultations close-due --as-of` runs after the deadline
    output = close_due("2015-03-01T00:00+02:00")

    # Then the round is adopted, with five tacit acceptances and one circular
    assert "Closed round 1 of “Communication network draft”" in output
    assert "adopted" in output
    result = Result.objects.get()
    assert result.outcome == "adopted"
    assert result.closed_via == "command"
    positions = dict(result.positions.values_list("member_state__code", "kind"))
    assert positions == {
        "TR": "no_objection",
        "MY": "comment",
        "EG": "no_objection",
        "BD": "tacit_acceptance",
        "ID": "tacit_acceptance",
        "IR": "tacit_acceptance",
        "NG": "tacit_acceptance",
        "PK": "tacit_acceptance",
    }
    circular = Circular.objects.get()
    assert "Result: ADOPTED" in circular.text
    assert "2015-02-28 17:00 Europe/Istanbul (UTC+02:00)" in circular.text
    assert (
        "Tacit acceptance (no answer before the deadline): Bangladesh, Indonesia, Iran, "
        "Nigeria, Pakistan." in circular.text
    )
    assert "Malaysia: comment" in circular.text
    # and every participant is told once: focal points, the circulator, the secretariat
    told = notices(f"consultation-result:{round_.pk}")
    assert told == [
        ("emad@msmeda.example", Kind.CONSULTATION_RESULT),
        ("maya@smecorp.example", Kind.CONSULTATION_RESULT),
        ("sara@d8-sec.example", Kind.CONSULTATION_RESULT),
        ("tarik@tr-sme.example", Kind.CONSULTATION_RESULT),
    ]

    # When the command (or the clock) runs again
    assert "No round was due" in close_due("2015-03-02T00:00+02:00")
    services.consultations_close_due(AFTER + timedelta(days=5))

    # Then nothing is written twice
    assert Result.objects.count() == 1
    assert Circular.objects.count() == 1
    assert StatePosition.objects.count() == 8
    assert notices(f"consultation-result:{round_.pk}") == told


def test_azerbaijan_cannot_receive_a_draft_circulated_in_2015(secretariat, reference_data):
    with pytest.raises(services.Refused) as refusal:
        circulate(secretariat, recipients=[*MEMBERS_2015, "AZ"])

    assert refusal.value.code == "not_a_member"
    assert refusal.value.message == (
        "Azerbaijan was not a member state on 2015-01-28 and cannot receive this draft."
    )
    assert Consultation.objects.count() == 0
    assert Version.objects.count() == 0


def test_azerbaijan_receives_drafts_circulated_after_it_joined(secretariat, reference_data):
    round_ = circulate(secretariat, now=datetime(2025, 3, 7, 9, 0, tzinfo=IST))

    assert "AZ" in set(round_.dispatches.values_list("member_state__code", flat=True))


def test_the_close_command_refuses_an_instant_without_offset(reference_data):
    with pytest.raises(CommandError, match="with its offset"):
        close_due("2015-03-01T00:00")


def test_the_clock_runs_the_consultation_jobs(secretariat, tarik, settings):
    assert "d8coop.consultations.services.consultations_close_due" in settings.PERIODIC_JOBS
    assert "d8coop.consultations.services.consultations_send_reminders" in settings.PERIODIC_JOBS
    circulate(secretariat)

    call_command("clock", "--once", "--as-of", "2015-03-01T00:00+02:00")

    assert Result.objects.get().closed_via == "clock"


# --------------------------------------------------------------------------- who answers


def test_a_focal_point_cannot_answer_for_another_country(secretariat, tarik, maya):
    round_ = circulate(secretariat)

    with pytest.raises(services.NotAllowed) as refusal:
        answer(tarik, round_, "MY", now=datetime(2015, 2, 2, tzinfo=IST))

    assert refusal.value.message == "Only a focal point of Malaysia answers for it."
    assert Answer.objects.count() == 0


def test_the_secretariat_does_not_answer_for_a_state(secretariat, tarik):
    round_ = circulate(secretariat)

    with pytest.raises(services.NotAllowed, match="The secretariat does not answer"):
        answer(secretariat, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))

    assert Answer.objects.count() == 0


def test_a_focal_point_for_another_body_cannot_answer_on_this_one(secretariat, ngozi):
    round_ = circulate(secretariat)

    with pytest.raises(services.NotAllowed):
        answer(ngozi, round_, "NG", now=datetime(2015, 2, 2, tzinfo=IST))

    assert Answer.objects.count() == 0


def test_a_state_the_round_was_not_sent_to_cannot_answer(secretariat, tarik, maya):
    round_ = circulate(secretariat, recipients=["TR", "EG"])

    with pytest.raises(services.Refused) as refusal:
        answer(maya, round_, "MY", now=datetime(2015, 2, 2, tzinfo=IST))

    assert refusal.value.code == "not_a_recipient"
    assert Answer.objects.count() == 0


def test_a_focal_point_cannot_circulate(tarik):
    with pytest.raises(services.NotAllowed, match="Only the secretariat"):
        circulate(tarik)

    assert Consultation.objects.count() == 0


def test_an_answer_one_second_late_is_refused_and_changes_nothing(secretariat, tarik):
    round_ = circulate(secretariat)
    answer(tarik, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))

    with pytest.raises(services.TooLate) as refusal:
        answer(
            tarik,
            round_,
            "TR",
            "objection",
            "Too costly.",
            now=SEED_DEADLINE_UTC + timedelta(seconds=1),
        )

    assert refusal.value.code == "deadline_passed"
    assert refusal.value.message == (
        "The deadline passed on 28 February 2015, 17:00 (Europe/Istanbul, UTC+02:00); "
        "the answer was not recorded."
    )
    assert list(Answer.objects.values_list("kind", flat=True)) == ["no_objection"]


def test_an_answer_at_the_last_second_counts(secretariat, tarik):
    round_ = circulate(secretariat)

    answer(tarik, round_, "TR", "objection", "No.", now=SEED_DEADLINE_UTC - timedelta(seconds=1))
    services.consultations_close_due(SEED_DEADLINE_UTC)

    assert Result.objects.get().outcome == "not_adopted"


def test_the_latest_answer_counts_and_every_answer_is_kept(secretariat, tarik):
    round_ = circulate(secretariat)
    answer(tarik, round_, "TR", "objection", "Not yet.", now=datetime(2015, 2, 2, tzinfo=IST))
    answer(tarik, round_, "TR", "no_objection", now=datetime(2015, 2, 20, tzinfo=IST))

    services.consultations_close_due(AFTER)

    result = Result.objects.get()
    assert result.outcome == "adopted"
    position = result.positions.get(member_state__code="TR")
    assert position.kind == "no_objection"
    assert list(Answer.objects.order_by("answered_at").values_list("kind", flat=True)) == [
        "objection",
        "no_objection",
    ]
    assert "superseded" not in Circular.objects.get().text


def test_an_objection_breaks_silence_and_the_round_is_not_adopted(secretariat, tarik, emad):
    round_ = circulate(secretariat)
    answer(emad, round_, "EG", "objection", "Budget unclear.", now=datetime(2015, 2, 3, tzinfo=IST))

    services.consultations_close_due(AFTER)

    result = Result.objects.get()
    assert (result.outcome, result.reason) == ("not_adopted", "deadline")
    assert "Silence was broken by Egypt (objection)" in Circular.objects.get().text


def test_a_comment_does_not_break_silence_unless_the_consultation_says_so(secretariat, tarik):
    plain = circulate(secretariat)
    strict = circulate(secretariat, title="Strict draft", breaking_kinds=["comment", "objection"])
    for round_ in (plain, strict):
        answer(tarik, round_, "TR", "comment", "A remark.", now=datetime(2015, 2, 2, tzinfo=IST))

    services.consultations_close_due(AFTER)

    assert Result.objects.get(round=plain).outcome == "adopted"
    assert Result.objects.get(round=strict).outcome == "not_adopted"


def test_a_comment_without_text_is_refused(secretariat, tarik):
    round_ = circulate(secretariat)

    with pytest.raises(services.Refused) as refusal:
        answer(tarik, round_, "TR", "comment", now=datetime(2015, 2, 2, tzinfo=IST))

    assert refusal.value.field == "text"
    assert Answer.objects.count() == 0


def test_with_close_on_break_an_objection_closes_the_round_at_once(secretariat, tarik, emad):
    round_ = circulate(secretariat, close_on_break=True)
    objected = datetime(2015, 2, 3, 11, 0, tzinfo=IST)

    answer(emad, round_, "EG", "amendment", "Replace 'network' by 'platform'.", now=objected)

    result = Result.objects.get()
    assert (result.outcome, result.reason, result.decided_at) == (
        "not_adopted",
        "silence_broken",
        objected,
    )
    assert Round.objects.get().closed_at == objected
    assert "closed at once when silence was broken" in Circular.objects.get().text
    assert len(notices(f"consultation-result:{round_.pk}")) == 3  # TR, EG, the secretariat

    # and an answer to the closed round is refused, changing nothing
    with pytest.raises(services.TooLate) as refusal:
        answer(tarik, round_, "TR", now=datetime(2015, 2, 4, tzinfo=IST))
    assert refusal.value.code == "round_closed"
    assert "Round 1 closed on 3 February 2015, 11:00" in refusal.value.message
    assert Answer.objects.count() == 1
    assert services.consultations_close_due(AFTER) == []


def test_a_revised_text_goes_out_in_a_new_round_after_a_break(secretariat, tarik, emad):
    first = circulate(secretariat, close_on_break=True)
    answer(emad, first, "EG", "objection", "Budget unclear.", now=datetime(2015, 2, 3, tzinfo=IST))

    second = services.round_open_next(
        by=secretariat,
        consultation=first.consultation,
        text=SEED_TEXT + "\nThe budget is shared equally.",
        note="Budget added",
        duration="10 days",
        now=datetime(2015, 2, 5, 9, 0, tzinfo=IST),
    )

    assert (second.number, second.version.number) == (2, 2)
    assert second.deadline == datetime(2015, 2, 15, 7, 0, tzinfo=UTC)
    assert list(first.consultation.rounds.values_list("number", "closed_at")) == [
        (1, datetime(2015, 2, 3, tzinfo=IST)),
        (2, None),
    ]
    # the earlier round keeps its record
    assert Answer.objects.filter(round=first).count() == 1
    assert Result.objects.filter(round=first).count() == 1


def test_a_new_round_needs_a_broken_round_before_it(secretariat, tarik):
    round_ = circulate(secretariat)

    with pytest.raises(services.Refused) as refusal:
        services.round_open_next(
            by=secretariat,
            consultation=round_.consultation,
            text="v2",
            duration="10 days",
            now=datetime(2015, 2, 5, tzinfo=IST),
        )

    assert refusal.value.code == "no_new_round"
    assert Round.objects.count() == 1


# --------------------------------------------------------------------------- reminders


def test_reminders_go_7_days_and_1_day_before_to_states_that_have_not_answered(
    secretariat, tarik, maya, emad
):
    round_ = circulate(secretariat)
    answer(emad, round_, "EG", now=datetime(2015, 2, 1, tzinfo=IST))
    week_mark = SEED_DEADLINE_UTC - timedelta(days=7)
    day_mark = SEED_DEADLINE_UTC - timedelta(days=1)

    assert services.consultations_send_reminders(week_mark - timedelta(minutes=1)) == 0
    assert services.consultations_send_reminders(week_mark) == 2
    assert services.consultations_send_reminders(week_mark + timedelta(minutes=1)) == 0
    assert [email for email, _ in notices(f"consultation-reminder:{round_.pk}:7d")] == [
        "maya@smecorp.example",
        "tarik@tr-sme.example",
    ]

    answer(tarik, round_, "TR", now=day_mark - timedelta(hours=1))
    assert services.consultations_send_reminders(day_mark) == 1
    assert services.consultations_send_reminders(day_mark + timedelta(hours=2)) == 0
    assert notices(f"consultation-reminder:{round_.pk}:1d") == [
        ("maya@smecorp.example", Kind.CONSULTATION_REMINDER)
    ]
    subject = Notification.objects.get(key=f"consultation-reminder:{round_.pk}:1d").subject
    assert subject == "1 day left to answer: Communication network draft"


def test_a_72_hour_round_gets_only_the_one_day_reminder(secretariat, tarik):
    round_ = circulate(secretariat, duration="72 hours")

    sent = services.consultations_send_reminders(round_.circulated_at + timedelta(minutes=1))
    sent += services.consultations_send_reminders(round_.deadline - timedelta(hours=23))

    assert sent == 1
    assert Notification.objects.filter(kind=Kind.CONSULTATION_REMINDER).get().key.endswith(":1d")


# --------------------------------------------------------------------------- selectors


def test_awaiting_answer_lists_open_rounds_the_users_state_has_not_answered(
    secretariat, tarik, maya
):
    now = datetime(2015, 2, 2, tzinfo=IST)
    round_ = circulate(secretariat)
    circulate(secretariat, title="Only Egypt", recipients=["EG"])

    assert consultations_awaiting_answer(tarik, now=now) == [round_]
    assert [s.code for s in consultations_awaiting_answer(tarik, now=now)[0].awaiting_states] == [
        "TR"
    ]
    answer(tarik, round_, "TR", now=now)
    assert consultations_awaiting_answer(tarik, now=now) == []
    assert consultations_awaiting_answer(maya, now=now) == [round_]
    assert consultations_awaiting_answer(maya, now=AFTER) == []
    assert consultations_awaiting_answer(secretariat, now=now) == []


def test_focal_points_see_the_consultations_sent_to_their_state(
    secretariat, tarik, maya, ngozi, aysel, outsider, member_user
):
    for_all = circulate(secretariat).consultation
    for_egypt = circulate(secretariat, title="Only Egypt", recipients=["EG"]).consultation

    assert set(consultations_visible_to(secretariat)) == {for_all, for_egypt}
    assert set(consultations_visible_to(member_user)) == {for_all, for_egypt}  # an observer
    assert set(consultations_visible_to(maya)) == {for_all}
    # Türkiye coordinates the SME task force: its focal point sees that body's consultations
    assert set(consultations_visible_to(tarik)) == {for_all, for_egypt}
    assert set(consultations_visible_to(ngozi)) == set()  # Nigeria, energy task force only
    assert set(consultations_visible_to(aysel)) == set()  # not a recipient in 2015
    assert set(consultations_visible_to(outsider)) == set()


# --------------------------------------------------------------------------- the record


def test_answers_versions_and_results_refuse_to_change_or_disappear(secretariat, tarik):
    round_ = circulate(secretariat)
    given = answer(tarik, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))
    services.consultations_close_due(AFTER)
    records = [
        given,
        round_.version,
        Dispatch.objects.first(),
        Result.objects.get(),
        StatePosition.objects.first(),
        Circular.objects.get(),
    ]

    for record in records:
        with pytest.raises(RecordIsFinal):
            record.save()
        with pytest.raises(RecordIsFinal):
            record.delete()
        with pytest.raises(RecordIsFinal):
            type(record).objects.filter(pk=record.pk).update(pk=record.pk)
        with pytest.raises(RecordIsFinal):
            type(record).objects.filter(pk=record.pk).delete()
    with pytest.raises(RecordIsFinal):
        Round.objects.get().save()
    with pytest.raises(RecordIsFinal):
        Round.objects.all().delete()


def test_the_database_refuses_to_change_the_record_behind_the_models_back(secretariat, tarik):
    round_ = circulate(secretariat)
    given = answer(tarik, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))
    statements = [
        ("UPDATE consultations_answer SET kind = 'objection' WHERE id = %s", given.pk),
        ("UPDATE consultations_version SET text = 'forged' WHERE id = %s", round_.version_id),
        ("UPDATE consultations_round SET time_zone = 'Asia/Jayapura' WHERE id = %s", round_.pk),
        (
            "UPDATE consultations_consultation SET objection_breaks_silence = FALSE WHERE id = %s",
            round_.consultation_id,
        ),
    ]

    for sql, pk in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])

    assert Answer.objects.get().kind == "no_objection"
    assert Round.objects.get().time_zone == "Europe/Istanbul"
    assert Consultation.objects.get().objection_breaks_silence is True


def test_a_closed_round_cannot_be_reopened_even_in_sql(secretariat, tarik):
    round_ = circulate(secretariat)
    services.consultations_close_due(AFTER)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE consultations_round SET closed_at = NULL WHERE id = %s", [round_.pk])

    assert Round.objects.get().closed_at == AFTER


def test_the_breaking_kinds_are_frozen_at_circulation(secretariat, tarik):
    consultation = circulate(secretariat).consultation

    consultation.comment_breaks_silence = True
    with pytest.raises(RecordIsFinal):
        consultation.save()
    with pytest.raises(RecordIsFinal):
        consultation.save(update_fields=["comment_breaks_silence"])

    assert Consultation.objects.get().breaking_kinds == ["objection", "amendment"]


def test_every_write_is_in_the_history_with_its_author(secretariat, tarik):
    round_ = circulate(secretariat)
    answer(tarik, round_, "TR", now=datetime(2015, 2, 2, tzinfo=IST))
    services.consultations_close_due(AFTER)

    assert Answer.history.get().history_user == tarik
    assert Version.history.get().history_user == secretariat
    assert Dispatch.history.count() == 8
    # the round: created by the secretariat, then closed by the clock (no user)
    assert list(
        Round.history.order_by("history_date").values_list("history_type", "closed_at")
    ) == [
        ("+", None),
        ("~", AFTER),
    ]
    assert Result.history.count() == 1


def test_only_an_adopted_result_can_be_published_and_only_by_the_secretariat(secretariat, tarik):
    round_ = circulate(secretariat)
    consultation = round_.consultation
    with pytest.raises(services.Refused, match="Only an adopted text"):
        services.consultation_set_result_public(
            by=secretariat, consultation=consultation, public=True
        )
    services.consultations_close_due(AFTER)
    with pytest.raises(services.NotAllowed):
        services.consultation_set_result_public(by=tarik, consultation=consultation, public=True)

    services.consultation_set_result_public(by=secretariat, consultation=consultation, public=True)

    consultation.refresh_from_db()
    assert consultation.result_is_public
    assert consultation.published_by == secretariat
    assert Consultation.history.latest().history_user == secretariat


def test_the_database_allows_one_result_per_round(secretariat, tarik):
    from django.db import IntegrityError

    round_ = circulate(secretariat)
    services.consultations_close_due(AFTER)

    with pytest.raises(IntegrityError), transaction.atomic():
        Result.objects.create(
            round=round_, outcome="adopted", reason="deadline", decided_at=AFTER, closed_via="x"
        )
    assert Result.objects.count() == 1


def test_the_console_script_closes_due_rounds(secretariat, tarik, capsys, monkeypatch):
    from django.core import management

    from d8coop.cli import main

    # The real entry point closes every connection when it ends (as `manage.py` does), which
    # would end the test's transaction; the command itself runs as the console script runs it.
    monkeypatch.setattr(
        management, "execute_from_command_line", lambda argv: call_command(*argv[1:])
    )
    circulate(secretariat)

    main(["consultations", "close-due", "--as-of", "2015-02-28T15:00:00Z"])

    assert "Closed round 1" in capsys.readouterr().out
    assert Result.objects.count() == 1
