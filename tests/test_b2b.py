"""B2B meetings: settings, requests (allowed and refused), expiry, the schedule, notices."""

# ruff: noqa: F811 - the fixtures `world` and `open_world` come from tests.b2b_support

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from d8coop.b2b import services
from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting, Seat
from d8coop.notifications.models import Kind, Notification
from d8coop.participation.models import Nomination
from tests.b2b_support import NOW, SESSIONS, configure, open_world, world  # noqa: F401

pytestmark = pytest.mark.django_db
Status = MeetingRequest.Status


def send(w, sender=None, recipient=None, by=None, now=NOW, message="Let us talk"):
    sender = sender or w.a1
    return services.request_send(
        by=by or w.maintainer_a1, sender=sender, recipient=recipient or w.b1, message=message,
        now=now,
    )  # fmt: skip


def snapshot():
    return (
        list(MeetingRequest.objects.order_by("pk").values_list("pk", "status", "answered_at")),
        ScheduledMeeting.objects.count(),
        Seat.objects.count(),
    )


# --------------------------------------------------------------------------- settings


def test_the_secretariat_sets_the_sessions_in_the_host_country_zone(world):
    b2b = configure(world)
    assert b2b.time_zone == "Europe/Istanbul"
    slots = services.slots_of(b2b)
    # 09:00-11:00 holds four 30-minute slots, 14:00-15:00 two; Istanbul is UTC+3.
    assert len(slots) == 6
    assert slots[0].start == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert slots[-1].start == datetime(2026, 12, 3, 11, 30, tzinfo=UTC)
    assert b2b.history.count() == 1 and b2b.history.first().history_user == world.secretariat


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"slot_minutes": 2}, "invalid_slot_minutes"),
        ({"tables": 0}, "invalid_tables"),
        ({"time_zone": "Mars/Olympus"}, "unknown_time_zone"),
        ({"sessions": []}, "no_sessions"),
        ({"sessions": [services.SessionInput(SESSIONS[0].day, *(SESSIONS[0].starts,) * 2)]},
         "session_too_short"),
        ({"sessions": [services.SessionInput(SESSIONS[0].day.replace(day=20),
                                             SESSIONS[0].starts, SESSIONS[0].ends)]},
         "session_outside_event"),
        ({"sessions": [SESSIONS[0], services.SessionInput(SESSIONS[0].day, SESSIONS[0].starts
                                                          .replace(hour=10), SESSIONS[0].ends
                                                          .replace(hour=12))]},
         "sessions_overlap"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_a_reason_and_nothing_is_saved(world, change, code):
    with pytest.raises(services.Refused) as refused:
        configure(world, **change)
    assert refused.value.code == code
    assert not B2bSettings.objects.exists()


@pytest.mark.parametrize("who", ["fp_a", "maintainer_a1", "outsider"])
def test_only_the_secretariat_configures(world, who):
    with pytest.raises(services.NotAllowed):
        services.b2b_configure(
            by=getattr(world, who), event=world.event, slot_minutes=30, tables=2,
            request_lifetime_hours=48, sessions=SESSIONS,
        )  # fmt: skip
    assert not B2bSettings.objects.exists()


# --------------------------------------------------------------------------- requests


def test_a_maintainer_asks_another_participant_and_the_recipient_side_is_notified(open_world):
    w = open_world
    request = send(w)
    assert request.status == Status.PENDING
    assert request.expires_at == NOW + timedelta(hours=48)
    assert request.history.first().history_user == w.maintainer_a1
    notice = Notification.objects.get(recipient=w.fp_b)
    assert notice.kind == Kind.B2B_REQUEST and "Anvil Works" in notice.subject
    assert notice.url == "/b2b/expo-2026/"


def test_the_focal_point_of_the_smes_state_acts_for_it(open_world):
    request = send(open_world, sender=open_world.b1, recipient=open_world.a2, by=open_world.fp_b)
    accepted = services.request_accept(by=open_world.maintainer_a2, request=request, now=NOW)
    assert accepted.status == Status.ACCEPTED and accepted.answered_by == open_world.maintainer_a2
    assert Notification.objects.filter(recipient=open_world.fp_b, key__startswith="b2b-answer")


@pytest.mark.parametrize(
    ("actor", "sender", "recipient", "error", "code"),
    [
        ("outsider", "a1", "b1", services.NotAllowed, "permission_denied"),
        ("fp_b", "a1", "b1", services.NotAllowed, "permission_denied"),  # another state's SME
        ("maintainer_a2", "a1", "b1", services.NotAllowed, "permission_denied"),
        ("secretariat", "a1", "b1", services.NotAllowed, "permission_denied"),
        ("fp_a", "a3_nominated", "b1", services.Refused, "not_a_participant"),
        ("fp_a", "a1", "a3_nominated", services.Refused, "not_a_participant"),
        ("maintainer_a1", "a1", "b_elsewhere", services.Refused, "not_a_participant"),
        ("maintainer_a1", "a1", "a1", services.Refused, "to_oneself"),
    ],
)
def test_requests_refused_change_nothing(open_world, actor, sender, recipient, error, code):
    w = open_world
    before = snapshot()
    with pytest.raises(error) as refused:
        services.request_send(
            by=getattr(w, actor), sender=getattr(w, sender), recipient=getattr(w, recipient),
            now=NOW,
        )  # fmt: skip
    assert refused.value.code == code
    assert snapshot() == before
    assert not Notification.objects.exists()


def test_one_open_request_per_pair_in_either_direction(open_world):
    w = open_world
    send(w)
    with pytest.raises(services.Conflict) as refused:
        send(w, sender=w.b1, recipient=w.a1, by=w.fp_b)
    assert refused.value.code == "open_request_exists"
    assert MeetingRequest.objects.count() == 1


def test_the_database_refuses_a_second_open_request_for_a_pair(open_world):
    w = open_world
    first = send(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingRequest.objects.create(
            event=w.event, sender=w.b1, recipient=w.a1, created_by=w.fp_b,
            expires_at=first.expires_at,
        )  # fmt: skip


def test_after_a_decline_the_pair_may_ask_again(open_world):
    w = open_world
    services.request_decline(by=w.fp_b, request=send(w), now=NOW)
    assert send(w, sender=w.b1, recipient=w.a1, by=w.fp_b).status == Status.PENDING


def test_no_request_before_b2b_is_open_nor_once_frozen(world):
    with pytest.raises(services.Conflict) as refused:
        send(world)
    assert refused.value.code == "b2b_not_configured"
    configure(world)
    services.schedule_freeze(by=world.secretariat, event=world.event, frozen=True)
    with pytest.raises(services.Conflict) as refused:
        send(world)
    assert refused.value.code == "schedule_frozen"
    assert not MeetingRequest.objects.exists()


@pytest.mark.parametrize("answer", [services.request_accept, services.request_decline])
@pytest.mark.parametrize("who", ["maintainer_a1", "fp_a", "outsider", "secretariat", "fp_b"])
def test_only_the_recipients_side_answers(open_world, answer, who):
    """The sender's side (maintainer, own focal point), outsiders and the secretariat cannot
    answer a request to b1; fp_b acts for b1 and can."""
    w = open_world
    request = send(w)
    before = snapshot()
    if who == "fp_b":
        assert answer(by=w.fp_b, request=request, now=NOW).answered_by == w.fp_b
        return
    with pytest.raises(services.NotAllowed):
        answer(by=getattr(w, who), request=request, now=NOW)
    assert snapshot() == before


def test_a_request_is_answered_once(open_world):
    w = open_world
    request = send(w)
    services.request_accept(by=w.fp_b, request=request, now=NOW)
    before = snapshot()
    for answer in (services.request_accept, services.request_decline):
        with pytest.raises(services.Conflict) as refused:
            answer(by=w.fp_b, request=request, now=NOW)
        assert refused.value.code == "already_answered"
    assert snapshot() == before


def test_an_expired_request_cannot_be_accepted_even_before_the_job_ran(open_world):
    w = open_world
    request = send(w)
    before = snapshot()
    with pytest.raises(services.Conflict) as refused:
        services.request_accept(by=w.fp_b, request=request, now=request.expires_at)
    assert refused.value.code == "expired"
    assert snapshot() == before


def test_the_expiry_job_expires_due_requests_once_and_tells_the_sender(open_world):
    w = open_world
    due = send(w)
    later = send(w, recipient=w.b2, now=NOW + timedelta(hours=10))
    assert services.requests_expire(NOW + timedelta(hours=47)) == 0
    assert services.requests_expire(NOW + timedelta(hours=48)) == 1
    assert services.requests_expire(NOW + timedelta(hours=48)) == 0  # idempotent
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (Status.EXPIRED, Status.PENDING)
    assert due.history.first().status == Status.EXPIRED
    assert Notification.objects.filter(recipient=w.maintainer_a1, key=f"b2b-expired:{due.pk}")
    with pytest.raises(services.Conflict):
        services.request_accept(by=w.fp_b, request=due, now=NOW)
    # The pair may ask again.
    assert send(w, now=NOW + timedelta(hours=49)).status == Status.PENDING


def test_the_expiry_job_is_a_periodic_job(settings):
    assert "d8coop.b2b.services.requests_expire" in settings.PERIODIC_JOBS


def test_cancel_a_pending_request_by_the_sender_only(open_world):
    w = open_world
    request = send(w)
    with pytest.raises(services.NotAllowed):
        services.request_cancel(by=w.fp_b, request=request)
    assert services.request_cancel(by=w.fp_a, request=request).status == Status.CANCELLED


# --------------------------------------------------------------------------- schedule


def accepted(w, sender, recipient):
    by = {w.a1.pk: w.maintainer_a1, w.a2.pk: w.maintainer_a2}
    request = services.request_send(
        by=by.get(sender.pk, w.fp_a if sender.sme.member_state == w.a1.sme.member_state
                  else w.fp_b), sender=sender, recipient=recipient, now=NOW,
    )  # fmt: skip
    other = w.fp_b if recipient.sme.member_state == w.b1.sme.member_state else w.fp_a
    return services.request_accept(by=other, request=request, now=NOW)


def test_the_schedule_places_every_accepted_request_without_conflict(open_world):
    w = open_world
    pairs = [(w.a1, w.b1), (w.a1, w.b2), (w.a2, w.b1), (w.a2, w.b2), (w.b1, w.b2)]
    for sender, recipient in pairs:
        accepted(w, sender, recipient)
    result = services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    assert (result.placed, len(result.unscheduled)) == (5, 0)
    seats = list(Seat.objects.values_list("nomination_id", "slot_start"))
    assert len(seats) == len(set(seats)) == 10
    cells = list(ScheduledMeeting.objects.values_list("slot_start", "table"))
    assert len(cells) == len(set(cells))
    assert all(1 <= table <= 2 for _, table in cells)
    meeting = ScheduledMeeting.objects.first()
    assert meeting.history.first().history_user == w.secretariat


def test_rebuilding_keeps_meetings_in_place_and_frees_cancelled_ones(open_world):
    w = open_world
    first = accepted(w, w.a1, w.b1)
    second = accepted(w, w.a2, w.b2)
    services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    places = dict(ScheduledMeeting.objects.values_list("request_id", "slot_start"))
    third = accepted(w, w.a1, w.b2)
    services.request_cancel(by=w.maintainer_a2, request=second)
    result = services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    assert (result.kept, result.placed, result.removed) == (1, 1, 0)
    now_places = dict(ScheduledMeeting.objects.values_list("request_id", "slot_start"))
    assert now_places[first.pk] == places[first.pk]
    assert set(now_places) == {first.pk, third.pk}


def test_fewer_sessions_drop_meetings_that_no_longer_fit_and_say_why(open_world):
    w = open_world
    for recipient in (w.b1, w.b2, w.a2):
        accepted(w, w.a1, recipient)
    services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    one_slot = [services.SessionInput(SESSIONS[0].day, SESSIONS[0].starts,
                                      SESSIONS[0].starts.replace(minute=30))]  # fmt: skip
    configure(w, sessions=one_slot)
    result = services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    assert ScheduledMeeting.objects.count() == 1
    assert len(result.unscheduled) == 2
    left_out = MeetingRequest.objects.exclude(unscheduled_reason="").select_related("sender__sme")
    assert {r.unscheduled_reason for r in left_out} == {"sender_full"}
    assert {r.unscheduled_text for r in left_out} == {
        "Anvil Works already has a meeting in every slot."
    }


def test_too_few_tables_is_given_as_the_reason(open_world):
    w = open_world
    first = SESSIONS[0]
    one_slot = services.SessionInput(first.day, first.starts, first.starts.replace(minute=30))
    configure(w, tables=1, sessions=[one_slot])
    accepted(w, w.a1, w.b1)
    late = accepted(w, w.a2, w.b2)
    result = services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    assert result.unscheduled == [late]
    late.refresh_from_db()
    assert late.unscheduled_reason == "no_table"
    assert late.unscheduled_text.startswith("Every table is taken")


def test_a_participant_who_left_loses_its_meetings_at_the_next_build(open_world):
    w = open_world
    accepted(w, w.a1, w.b1)
    services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    Nomination.objects.filter(pk=w.b1.pk).update(status=Nomination.Status.WITHDRAWN)
    result = services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    assert result.removed == 1 and not ScheduledMeeting.objects.exists()


@pytest.mark.parametrize("who", ["fp_a", "maintainer_a1", "outsider"])
def test_only_the_secretariat_builds_and_freezes(open_world, who):
    w = open_world
    accepted(w, w.a1, w.b1)
    before = snapshot()
    with pytest.raises(services.NotAllowed):
        services.schedule_build(by=getattr(w, who), event=w.event, now=NOW)
    with pytest.raises(services.NotAllowed):
        services.schedule_freeze(by=getattr(w, who), event=w.event, frozen=True)
    assert snapshot() == before
    assert B2bSettings.objects.get().frozen_at is None


def test_a_frozen_schedule_is_neither_rebuilt_nor_answered(open_world):
    w = open_world
    request = send(w)
    services.schedule_freeze(by=w.secretariat, event=w.event, frozen=True)
    with pytest.raises(services.Conflict):
        services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    with pytest.raises(services.Conflict):
        services.request_accept(by=w.fp_b, request=request, now=NOW)
    services.schedule_freeze(by=w.secretariat, event=w.event, frozen=False)
    assert services.request_accept(by=w.fp_b, request=request, now=NOW).status == Status.ACCEPTED


def test_participants_are_told_of_their_schedule_once_per_version_by_email(
    open_world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    w = open_world
    accepted(w, w.a1, w.b1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_build(by=w.secretariat, event=w.event, now=NOW)
    notices = Notification.objects.filter(kind=Kind.B2B_SCHEDULE)
    assert set(notices.values_list("recipient__email", flat=True)) == {
        "anvil@example.com", "fp-a@example.org", "fp-b@example.org",
    }  # fmt: skip
    assert notices.get(recipient=w.maintainer_a1).url == f"/b2b/expo-2026/schedule/{w.a1.pk}/"
    assert {message.to[0] for message in mail.outbox} >= {"anvil@example.com"}
    assert any("B2B schedule" in message.subject for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_build(by=w.secretariat, event=w.event, now=NOW)  # nothing changed
    assert notices.count() == 3


def test_a_request_notice_is_emailed_to_the_recipient_side(
    open_world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send(open_world, message="We make food machinery.")
    assert [message.to for message in mail.outbox] == [["fp-b@example.org"]]
    assert "We make food machinery." in mail.outbox[0].body
