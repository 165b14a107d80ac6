"""Participation services: every write allowed and refused (nothing written when refused),
the quota, the waiting list and its promotion, confirmations, attendance, the survey, e-mails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.notifications.models import Kind, Notification
from d8coop.participation import services
from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer
from tests.participation_support import at, build_world, make_meeting, make_sme, open_event

Status = Nomination.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data, secretariat, django_user_model):
    return build_world(secretariat, django_user_model)


def after_event(event):
    return at(event.meeting.period_latest + timedelta(days=1))


def nominate(w, sme=None, by=None):
    return services.nomination_create(by=by or w.tarik, event=w.event, sme=sme or w.tr_smes[0])


# --------------------------------------------------------------------------- opening


def test_the_secretariat_opens_registration_for_an_exhibition(reference_data, secretariat):
    event = open_event(secretariat, quota=3, capacity=10)
    assert (event.default_quota, event.capacity, event.created_by) == (3, 10, secretariat)
    assert event.history.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": Meeting.Kind.MEETING}, "not_an_event"),
        ({"status": Meeting.Status.CANCELLED}, "cancelled"),
    ],
)
def test_only_live_exhibitions_and_workshops_take_registration(
    reference_data, secretariat, change, code
):
    meeting = make_meeting(**({"kind": Meeting.Kind.EXHIBITION} | change))
    with pytest.raises(services.Refused) as refused:
        open_event(secretariat, meeting)
    assert refused.value.code == code
    assert not Event.objects.exists()


def test_a_workshop_takes_registration_too(reference_data, secretariat):
    assert open_event(secretariat, make_meeting(kind=Meeting.Kind.WORKSHOP)).pk


def test_an_undated_meeting_cannot_open_registration(reference_data, secretariat):
    meeting = make_meeting()
    meeting.period_earliest = meeting.period_latest = None
    meeting.save()
    with pytest.raises(services.Refused, match="no dates"):
        open_event(secretariat, meeting)


def test_the_window_must_open_before_it_closes_and_close_before_the_meeting(
    reference_data, secretariat
):
    meeting = make_meeting(starts_in=10)
    now = timezone.now()
    with pytest.raises(services.Refused, match="open before it closes"):
        open_event(secretariat, meeting, opens=now, closes=now)
    with pytest.raises(services.Refused, match="before the meeting starts") as late:
        open_event(secretariat, meeting, opens=now, closes=now + timedelta(days=11))
    assert late.value.field == "registration_closes"
    assert not Event.objects.exists()


def test_quota_and_capacity_must_be_positive(reference_data, secretariat):
    with pytest.raises(services.Refused, match="between 1 and"):
        open_event(secretariat, quota=0)
    with pytest.raises(services.Refused, match="whole number"):
        open_event(secretariat, quota="many")
    with pytest.raises(services.Refused, match="between 1 and"):
        open_event(secretariat, capacity=0)
    assert not Event.objects.exists()


def test_only_the_secretariat_opens_registration(world):
    meeting = make_meeting()
    for user in (world.tarik, world.owner):
        with pytest.raises(services.NotAllowed):
            open_event(user, meeting)
    assert not Event.objects.filter(meeting=meeting).exists()


def test_registration_opens_once_then_settings_change(world):
    with pytest.raises(services.Conflict, match="already open"):
        open_event(world.secretariat, world.event.meeting)
    event = services.event_update(
        by=world.secretariat, event=world.event, registration_opens=world.event.registration_opens,
        registration_closes=world.event.registration_closes, default_quota=5, capacity=7,
        notes=" Bring samples. ",
    )  # fmt: skip
    assert (event.default_quota, event.capacity, event.notes) == (5, 7, "Bring samples.")
    with pytest.raises(services.NotAllowed):
        services.event_update(
            by=world.tarik, event=world.event, registration_opens=event.registration_opens,
            registration_closes=event.registration_closes, default_quota=9,
        )  # fmt: skip
    assert Event.objects.get().default_quota == 5


def test_the_secretariat_gives_a_state_its_own_quota(world):
    turkey = MemberState.objects.get(code="TR")
    services.quota_set(by=world.secretariat, event=world.event, member_state=turkey, places=3)
    assert services.quota_for(world.event, turkey) == 3
    services.quota_set(by=world.secretariat, event=world.event, member_state=turkey, places=1)
    assert Quota.objects.get().places == 1
    with pytest.raises(services.NotAllowed):
        services.quota_set(by=world.tarik, event=world.event, member_state=turkey, places=9)
    with pytest.raises(services.Refused):
        services.quota_set(by=world.secretariat, event=world.event, member_state=turkey, places=-1)
    assert Quota.objects.get().places == 1


def test_a_quota_cannot_go_below_the_nominations_made(world):
    turkey = MemberState.objects.get(code="TR")
    nominate(world, world.tr_smes[0])
    nominate(world, world.tr_smes[1])
    with pytest.raises(services.Conflict, match="already has 2 nominations"):
        services.quota_set(by=world.secretariat, event=world.event, member_state=turkey, places=1)
    assert not Quota.objects.exists()


# --------------------------------------------------------------------------- nominating


def test_a_focal_point_nominates_a_validated_sme_of_her_own_state(world):
    nomination = nominate(world)
    assert nomination.status == Status.NOMINATED
    assert (nomination.member_state.code, nomination.nominated_by) == ("TR", world.tarik)
    assert nomination.history.count() == 1


def test_a_focal_point_cannot_nominate_another_countrys_sme(world):
    with pytest.raises(services.NotAllowed, match="Only a focal point of Malaysia"):
        nominate(world, world.my_sme, by=world.tarik)
    assert not Nomination.objects.exists()


@pytest.mark.parametrize("who", ["secretariat", "owner"])
def test_nobody_but_the_states_focal_point_nominates(world, who):
    with pytest.raises(services.NotAllowed):
        nominate(world, by=getattr(world, who))
    assert not Nomination.objects.exists()


def test_an_unvalidated_sme_cannot_be_nominated(world):
    draft = make_sme("TR", by=world.tarik, status=SmeProfile.Status.DRAFT)
    with pytest.raises(services.Refused, match="not validated") as refused:
        nominate(world, draft)
    assert refused.value.code == "sme_not_validated"
    assert not Nomination.objects.exists()


def test_nominations_are_taken_only_inside_the_window(world):
    event = world.event
    before = event.registration_opens - timedelta(minutes=1)
    with pytest.raises(services.Conflict, match="Registration opens on") as early:
        services.nomination_create(by=world.tarik, event=event, sme=world.tr_smes[0], now=before)
    assert early.value.code == "not_yet_open"
    after = event.registration_closes
    with pytest.raises(services.Conflict, match="Registration closed on") as late:
        services.nomination_create(by=world.tarik, event=event, sme=world.tr_smes[0], now=after)
    assert late.value.code == "closed"
    assert not Nomination.objects.exists()


def test_the_quota_refuses_the_next_nomination_and_names_the_quota(world):
    nominate(world, world.tr_smes[0])
    nominate(world, world.tr_smes[1])
    with pytest.raises(services.Conflict) as refused:
        nominate(world, world.tr_smes[2])
    assert refused.value.code == "quota_reached"
    assert "quota of 2 places" in refused.value.message
    assert Nomination.objects.count() == 2
    # Another state's quota is its own
    assert services.nomination_create(by=world.maya, event=world.event, sme=world.my_sme).pk


def test_withdrawn_and_declined_nominations_free_the_states_place(world):
    first = nominate(world, world.tr_smes[0])
    second = nominate(world, world.tr_smes[1])
    services.nomination_withdraw(by=world.tarik, nomination=first)
    services.nomination_decline(by=world.secretariat, nomination=second, reason="Out of scope")
    assert nominate(world, world.tr_smes[2]).status == Status.NOMINATED
    # a withdrawn SME may be nominated again, in the same row
    again = nominate(world, world.tr_smes[0])
    assert again.pk == first.pk and again.status == Status.NOMINATED


def test_an_sme_is_nominated_once_per_event(world):
    nominate(world)
    with pytest.raises(services.Conflict, match="already nominated") as refused:
        nominate(world)
    assert refused.value.code == "already_nominated"
    assert Nomination.objects.count() == 1


def test_an_own_quota_replaces_the_default(world):
    turkey = MemberState.objects.get(code="TR")
    services.quota_set(by=world.secretariat, event=world.event, member_state=turkey, places=1)
    nominate(world, world.tr_smes[0])
    with pytest.raises(services.Conflict, match="quota of 1 places"):
        nominate(world, world.tr_smes[1])


# --------------------------------------------------------------------------- withdrawing


def test_only_the_states_focal_point_withdraws_before_the_event(world):
    nomination = nominate(world)
    for user in (world.maya, world.owner, world.secretariat):
        with pytest.raises(services.NotAllowed):
            services.nomination_withdraw(by=user, nomination=nomination)
    start = at(world.event.meeting.period_earliest, 9)
    with pytest.raises(services.Conflict, match="has started"):
        services.nomination_withdraw(by=world.tarik, nomination=nomination, now=start)
    assert Nomination.objects.get().status == Status.NOMINATED
    services.nomination_withdraw(by=world.tarik, nomination=nomination)
    assert Nomination.objects.get().status == Status.WITHDRAWN
    with pytest.raises(services.Conflict, match="cannot be withdrawn"):
        services.nomination_withdraw(by=world.tarik, nomination=nomination)


# --------------------------------------------------------------------------- deciding


def test_accepting_beyond_the_capacity_puts_on_the_waiting_list_and_a_withdrawal_promotes(world):
    services.event_update(
        by=world.secretariat, event=world.event, registration_opens=world.event.registration_opens,
        registration_closes=world.event.registration_closes, default_quota=2, capacity=1,
    )  # fmt: skip
    world.event.refresh_from_db()
    first = nominate(world, world.tr_smes[0])
    second = nominate(world, world.tr_smes[1])
    third = services.nomination_create(by=world.maya, event=world.event, sme=world.my_sme)
    assert services.nomination_accept(by=world.secretariat, nomination=first).status == "accepted"
    waiting = services.nomination_accept(by=world.secretariat, nomination=second)
    assert (waiting.status, waiting.waitlist_position) == (Status.WAITLISTED, 1)
    later = services.nomination_waitlist(by=world.secretariat, nomination=third)
    assert later.waitlist_position == 2
    with pytest.raises(services.Conflict, match="places are taken"):
        services.nomination_accept(by=world.secretariat, nomination=third)

    # When the accepted SME withdraws, the first on the waiting list moves up and is told
    services.nomination_withdraw(by=world.tarik, nomination=first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.waitlist_position) == (Status.ACCEPTED, None)
    assert third.status == Status.WAITLISTED
    notices = Notification.objects.filter(kind=Kind.NOMINATION, recipient=world.tarik)
    assert notices.filter(subject__contains="is accepted").count() == 2
    assert notices.filter(subject__contains="waiting list").count() == 1


def test_decisions_are_the_secretariats_and_are_mailed_to_focal_point_and_maintainer(world):
    nomination = nominate(world, world.tr_smes[0])
    for decide in (services.nomination_accept, services.nomination_waitlist):
        for user in (world.tarik, world.maya, world.owner):
            with pytest.raises(services.NotAllowed):
                decide(by=user, nomination=nomination)
    with pytest.raises(services.NotAllowed):
        services.nomination_decline(by=world.tarik, nomination=nomination, reason="no")
    assert Nomination.objects.get().status == Status.NOMINATED
    assert not Notification.objects.exists()

    services.nomination_accept(by=world.secretariat, nomination=nomination)
    recipients = set(
        Notification.objects.filter(kind=Kind.NOMINATION).values_list("recipient__email", flat=True)
    )
    assert recipients == {"tarik@kosgeb.example", "owner@tr-textiles.example"}
    notice = Notification.objects.filter(recipient=world.owner).get()
    assert "confirm attendance" in notice.body
    assert notice.url == f"/participation/{world.event.meeting.slug}/"


def test_declining_needs_a_reason_which_the_focal_point_reads(world):
    nomination = nominate(world, world.tr_smes[1])
    with pytest.raises(services.Refused, match="reason") as refused:
        services.nomination_decline(by=world.secretariat, nomination=nomination, reason="  ")
    assert refused.value.field == "reason"
    assert Nomination.objects.get().status == Status.NOMINATED
    services.nomination_decline(
        by=world.secretariat, nomination=nomination, reason="Not an exporter yet"
    )
    assert Nomination.objects.get().reason == "Not an exporter yet"
    notice = Notification.objects.get(recipient=world.tarik)
    assert "Not an exporter yet" in notice.body
    with pytest.raises(services.Conflict):
        services.nomination_accept(by=world.secretariat, nomination=nomination)


def test_decisions_close_when_the_event_starts(world):
    nomination = nominate(world)
    start = at(world.event.meeting.period_earliest, 9)
    with pytest.raises(services.Conflict, match="has started"):
        services.nomination_accept(by=world.secretariat, nomination=nomination, now=start)
    assert Nomination.objects.get().status == Status.NOMINATED


# --------------------------------------------------------------------------- confirming


def test_the_maintainer_or_the_focal_point_confirms_an_accepted_nomination(world):
    mine = nominate(world, world.tr_smes[0])
    other = nominate(world, world.tr_smes[1])
    with pytest.raises(services.Conflict, match="Only an accepted nomination"):
        services.nomination_confirm(by=world.owner, nomination=mine)
    services.nomination_accept(by=world.secretariat, nomination=mine)
    services.nomination_accept(by=world.secretariat, nomination=other)
    for user in (world.maya, world.secretariat):
        with pytest.raises(services.NotAllowed):
            services.nomination_confirm(by=user, nomination=mine)
    with pytest.raises(services.NotAllowed):  # the owner keeps another SME's profile
        services.nomination_confirm(by=world.owner, nomination=other)
    assert services.nomination_confirm(by=world.owner, nomination=mine).status == "confirmed"
    confirmed = services.nomination_confirm(by=world.tarik, nomination=other)
    assert confirmed.confirmed_at is not None


# --------------------------------------------------------------------------- after the event


def _attending(world):
    nomination = nominate(world, world.tr_smes[0])
    services.nomination_accept(by=world.secretariat, nomination=nomination)
    return nomination


def test_attendance_is_recorded_by_the_secretariat_after_the_event(world):
    nomination = _attending(world)
    last_day = at(world.event.meeting.period_latest, 15)
    with pytest.raises(services.Conflict, match="after the event ends"):
        services.attendance_mark(
            by=world.secretariat, nomination=nomination, attended=True, now=last_day
        )
    after = after_event(world.event)
    with pytest.raises(services.NotAllowed):
        services.attendance_mark(by=world.tarik, nomination=nomination, attended=True, now=after)
    assert Nomination.objects.get().status == Status.ACCEPTED
    marked = services.attendance_mark(
        by=world.secretariat, nomination=nomination, attended=False, now=after
    )
    assert marked.status == Status.NO_SHOW
    corrected = services.attendance_mark(
        by=world.secretariat, nomination=nomination, attended=True, now=after
    )
    assert corrected.status == Status.ATTENDED
    withdrawn = nominate(world, world.tr_smes[1])
    services.nomination_withdraw(by=world.tarik, nomination=withdrawn)
    with pytest.raises(services.Conflict, match="Only accepted participants"):
        services.attendance_mark(
            by=world.secretariat, nomination=withdrawn, attended=True, now=after
        )


def test_the_survey_is_answered_once_after_the_event_by_attended_participants(world):
    nomination = _attending(world)
    after = after_event(world.event)
    answer = {"contacts_made": 12, "deals_expected": 2, "comments": "Good fair"}
    with pytest.raises(services.Conflict, match="after the event ends"):
        services.survey_answer(by=world.owner, nomination=nomination, **answer)
    with pytest.raises(services.Conflict, match="who attended"):
        services.survey_answer(by=world.owner, nomination=nomination, now=after, **answer)
    services.attendance_mark(by=world.secretariat, nomination=nomination, attended=True, now=after)
    for user in (world.maya, world.secretariat):
        with pytest.raises(services.NotAllowed):
            services.survey_answer(by=user, nomination=nomination, now=after, **answer)
    with pytest.raises(services.Refused, match="between 0 and"):
        services.survey_answer(
            by=world.owner, nomination=nomination, now=after,
            contacts_made=-1, deals_expected=0,
        )  # fmt: skip
    assert not SurveyAnswer.objects.exists()
    saved = services.survey_answer(by=world.owner, nomination=nomination, now=after, **answer)
    assert (saved.contacts_made, saved.deals_expected, saved.answered_by) == (12, 2, world.owner)
    with pytest.raises(services.Conflict, match="already answered"):
        services.survey_answer(by=world.tarik, nomination=nomination, now=after, **answer)
    assert SurveyAnswer.objects.count() == 1
    with pytest.raises(services.Conflict, match="answered the survey"):
        services.attendance_mark(
            by=world.secretariat, nomination=nomination, attended=False, now=after
        )


def test_survey_invitations_go_once_to_attended_participants_after_the_event(world):
    nomination = _attending(world)
    no_show = nominate(world, world.tr_smes[1])
    services.nomination_accept(by=world.secretariat, nomination=no_show)
    after = after_event(world.event)
    services.attendance_mark(by=world.secretariat, nomination=nomination, attended=True, now=after)
    services.attendance_mark(by=world.secretariat, nomination=no_show, attended=False, now=after)
    invited = services.participation_send_survey_invitations(after)
    assert [n.pk for n in invited] == [nomination.pk]
    assert services.participation_send_survey_invitations(after + timedelta(minutes=1)) == []
    notices = Notification.objects.filter(kind=Kind.EVENT_SURVEY)
    assert sorted(notices.values_list("recipient__email", flat=True)) == [
        "owner@tr-textiles.example",
        "tarik@kosgeb.example",
    ]
    assert Nomination.objects.get(pk=nomination.pk).survey_invited_at == after


def test_survey_invitations_wait_for_the_end_of_the_event(world):
    nomination = _attending(world)
    Nomination.objects.filter(pk=nomination.pk).update(status=Status.ATTENDED)
    last_day = at(world.event.meeting.period_latest, 20)
    assert services.participation_send_survey_invitations(last_day) == []
    assert not Notification.objects.filter(kind=Kind.EVENT_SURVEY).exists()


def test_the_survey_job_is_a_periodic_job(settings):
    job = "d8coop.participation.services.participation_send_survey_invitations"
    assert job in settings.PERIODIC_JOBS


def test_unused_make_sme_for_outsider_state(world):
    # An SME of a state whose focal point is absent stays unnominable by others.
    egypt = make_sme("EG", by=world.secretariat)
    with pytest.raises(services.NotAllowed):
        nominate(world, egypt, by=world.maya)
    assert not Nomination.objects.exists()
