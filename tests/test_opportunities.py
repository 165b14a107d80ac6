"""Investment opportunities: each step of the life cycle allowed and refused, the validation
messages, the size in US dollars, documents, the clock's expiry and reminders, e-mails."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from d8coop.members.models import MemberState
from d8coop.notifications.models import Kind, Notification
from d8coop.opportunities import services
from d8coop.opportunities.models import Opportunity
from d8coop.statistics.models import ExchangeRate
from tests.consultations_support import (  # noqa: F401 - fixtures
    _media,
    _reference_data_once,
    emad,
    maya,
    reference_data,
    tarik,
)
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

Status = Opportunity.Status
PDF = b"%PDF-1.4\n% a tiny test file\n"


def today():
    return timezone.localdate()


def fields(**overrides):
    values = {
        "title": "Solar panel plant in Konya",
        "description": "A 50 MW photovoltaic module factory seeking an equity partner.",
        "region": "Konya",
        "isic_section": "C",
        "isic_division": "27",
        "size_amount": Decimal("120000000"),
        "currency": "XTS",
        "instrument": "equity",
        "stage": "feasibility",
        "incentives": "VAT exemption on machinery.",
        "valid_until": today() + timedelta(days=90),
    }
    values.update(overrides)
    return values


def draft(by, code="TR", **overrides) -> Opportunity:
    return services.opportunity_create(
        by=by, host_state=MemberState.objects.get(code=code), **fields(**overrides)
    )


def submitted(by, **overrides) -> Opportunity:
    return services.opportunity_submit(by=by, opportunity=draft(by, **overrides))


def published(by, secretariat, **overrides) -> Opportunity:
    opportunity = submitted(by, **overrides)
    return services.opportunity_vet(by=secretariat, opportunity=opportunity, publish=True)


def refused(exception_class, call, **kwargs) -> services.Refused:
    with pytest.raises(exception_class) as caught:
        call(**kwargs)
    return caught.value


@pytest.fixture
def try_rate(reference_data):
    """A rate of XTS, the ISO 4217 code for testing (the shipped data has real currencies)."""
    return ExchangeRate.objects.create(
        currency="XTS", year=today().year - 1, lcu_per_usd=Decimal("30"), source=SourceFactory()
    )


@pytest.fixture
def mail_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# --------------------------------------------------------------------------- drafts


def test_a_focal_point_prepares_a_draft_of_its_own_state(tarik, try_rate):
    opportunity = draft(tarik)
    assert opportunity.status == Status.DRAFT
    assert opportunity.host_state.code == "TR"
    assert opportunity.created_by == tarik
    assert opportunity.slug == "solar-panel-plant-in-konya-tr"
    assert opportunity.contact.member_state.code == "TR"
    assert opportunity.contact.holdings.filter(person__user=tarik).exists()
    assert opportunity.size_usd == Decimal("4000000.00")  # 120 million at 30 per dollar
    assert opportunity.size_usd_rate_year == today().year - 1
    record = opportunity.history.latest()
    assert record.history_user == tarik and record.history_change_reason == "created"
    assert draft(tarik).slug == "solar-panel-plant-in-konya-tr-2"


def test_a_focal_point_of_another_state_cannot_prepare_one(maya):
    error = refused(services.NotAllowed, draft, by=maya, code="TR")
    assert "Türkiye" in error.message
    assert not Opportunity.objects.exists()


def test_the_secretariat_prepares_a_draft_for_a_state(secretariat, tarik):
    opportunity = draft(secretariat, code="TR")
    # The contact is the state's focal-point position (held by Tarik).
    assert opportunity.contact.holdings.filter(person__user=tarik).exists()


def test_a_user_with_no_role_cannot_prepare_one(outsider, reference_data):
    refused(services.NotAllowed, draft, by=outsider)
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": "  "}, "title", "title"),
        ({"description": ""}, "description", "Describe"),
        ({"isic_section": "Z"}, "isic_section", "ISIC section"),
        ({"isic_division": "1a"}, "isic_division", "two digits"),
        ({"instrument": "grant"}, "instrument", "instrument"),
        ({"stage": "dream"}, "stage", "stage"),
        ({"currency": "TL"}, "currency", "ISO 4217"),
        ({"currency": ""}, "currency", "currency"),
        ({"size_amount": Decimal("-5")}, "size_amount", "positive"),
        ({"valid_until": None}, "valid_until", "valid"),
    ],
)
def test_bad_input_is_refused_with_a_specific_message(tarik, overrides, field, words):
    error = refused(services.Refused, draft, by=tarik, **overrides)
    assert error.field == field
    assert words.lower() in error.message.lower()
    assert not Opportunity.objects.exists()


def test_a_size_in_a_currency_without_a_rate_has_no_dollar_size_and_says_why(tarik):
    opportunity = draft(tarik, currency="XYZ")
    assert opportunity.size_usd is None and opportunity.size_usd_rate_year is None
    reason = services.usd_conversion(opportunity, year=today().year).reason
    assert "No annual exchange rate of XYZ" in reason


def test_a_size_in_dollars_is_kept_as_given(tarik):
    opportunity = draft(tarik, currency="usd", size_amount=Decimal("2500000"))
    assert opportunity.currency == "USD"
    assert opportunity.size_usd == Decimal("2500000.00")
    assert opportunity.size_usd_rate_year is None


def test_the_latest_rate_up_to_the_year_is_used(tarik, try_rate):
    ExchangeRate.objects.create(
        currency="XTS", year=today().year - 3, lcu_per_usd=Decimal("10"), source=SourceFactory()
    )
    ExchangeRate.objects.create(
        currency="XTS", year=today().year + 1, lcu_per_usd=Decimal("60"), source=SourceFactory()
    )
    assert draft(tarik).size_usd_rate_year == today().year - 1


def test_a_draft_is_edited_and_a_submitted_one_is_not(tarik, try_rate):
    opportunity = draft(tarik)
    services.opportunity_update(by=tarik, opportunity=opportunity, title="Solar plant, Konya")
    opportunity.refresh_from_db()
    assert opportunity.title == "Solar plant, Konya"
    services.opportunity_submit(by=tarik, opportunity=opportunity)
    error = refused(
        services.Conflict,
        services.opportunity_update,
        by=tarik,
        opportunity=opportunity,
        title="Changed after submission",
    )
    assert "cannot be edited" in error.message
    opportunity.refresh_from_db()
    assert opportunity.title == "Solar plant, Konya"


def test_another_states_focal_point_cannot_edit(tarik, maya):
    opportunity = draft(tarik)
    refused(
        services.NotAllowed,
        services.opportunity_update,
        by=maya,
        opportunity=opportunity,
        title="Hijacked",
    )
    opportunity.refresh_from_db()
    assert opportunity.title == "Solar panel plant in Konya"


# --------------------------------------------------------------------------- submit and vet


def test_submitting_notifies_the_secretariat_by_email(
    tarik, secretariat, mail_at_once, django_capture_on_commit_callbacks
):
    opportunity = draft(tarik)
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_submit(by=tarik, opportunity=opportunity)
    opportunity.refresh_from_db()
    assert opportunity.status == Status.SUBMITTED and opportunity.submitted_at is not None
    notice = Notification.objects.get(kind=Kind.OPPORTUNITY_SUBMITTED)
    assert notice.recipient == secretariat
    assert notice.url == opportunity.get_absolute_url()
    [message] = mail.outbox
    assert message.to == [secretariat.email]
    assert "Solar panel plant in Konya" in message.subject


def test_only_a_focal_point_of_the_host_state_submits(tarik, maya, secretariat, outsider):
    opportunity = draft(tarik)
    for user in (maya, secretariat, outsider):
        refused(services.NotAllowed, services.opportunity_submit, by=user, opportunity=opportunity)
    opportunity.refresh_from_db()
    assert opportunity.status == Status.DRAFT
    assert not Notification.objects.exists()


def test_a_validity_date_in_the_past_is_refused_at_submission(tarik):
    opportunity = draft(tarik, valid_until=today())
    error = refused(
        services.Refused, services.opportunity_submit, by=tarik, opportunity=opportunity
    )
    assert error.field == "valid_until" and "after today" in error.message
    opportunity.refresh_from_db()
    assert opportunity.status == Status.DRAFT


def test_a_submitted_opportunity_is_not_submitted_twice(tarik):
    opportunity = submitted(tarik)
    refused(services.Conflict, services.opportunity_submit, by=tarik, opportunity=opportunity)


def test_the_secretariat_publishes_and_the_host_focal_points_are_told(
    tarik, secretariat, mail_at_once, django_capture_on_commit_callbacks
):
    opportunity = submitted(tarik)
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_vet(by=secretariat, opportunity=opportunity, publish=True)
    opportunity.refresh_from_db()
    assert opportunity.status == Status.PUBLISHED
    assert opportunity.vetted_by == secretariat and opportunity.published_at is not None
    notice = Notification.objects.get(kind=Kind.OPPORTUNITY_VETTED)
    assert notice.recipient == tarik
    assert [m.to for m in mail.outbox] == [[tarik.email]]
    assert "Published" in mail.outbox[0].subject


def test_returning_needs_reasons_and_sends_them(tarik, secretariat):
    opportunity = submitted(tarik)
    error = refused(
        services.Refused,
        services.opportunity_vet,
        by=secretariat,
        opportunity=opportunity,
        publish=False,
        reasons="  ",
    )
    assert error.field == "reasons"
    opportunity.refresh_from_db()
    assert opportunity.status == Status.SUBMITTED
    services.opportunity_vet(
        by=secretariat, opportunity=opportunity, publish=False, reasons="Give the land status."
    )
    opportunity.refresh_from_db()
    assert opportunity.status == Status.RETURNED
    assert opportunity.return_reasons == "Give the land status."
    notice = Notification.objects.get(kind=Kind.OPPORTUNITY_VETTED)
    assert "Give the land status." in notice.body
    # Fixed and submitted again: a second notice to the secretariat, then published.
    services.opportunity_update(by=tarik, opportunity=opportunity, incentives="Land allocated.")
    services.opportunity_submit(
        by=tarik, opportunity=opportunity, now=timezone.now() + timedelta(seconds=5)
    )
    assert Notification.objects.filter(kind=Kind.OPPORTUNITY_SUBMITTED).count() == 2
    services.opportunity_vet(by=secretariat, opportunity=opportunity, publish=True)
    opportunity.refresh_from_db()
    assert opportunity.status == Status.PUBLISHED and opportunity.return_reasons == ""


def test_only_the_secretariat_vets(tarik, maya, outsider):
    opportunity = submitted(tarik)
    for user in (tarik, maya, outsider):
        error = refused(
            services.NotAllowed,
            services.opportunity_vet,
            by=user,
            opportunity=opportunity,
            publish=True,
        )
        assert "secretariat" in error.message
    opportunity.refresh_from_db()
    assert opportunity.status == Status.SUBMITTED and opportunity.vetted_by is None


def test_a_draft_is_not_vetted(tarik, secretariat):
    opportunity = draft(tarik)
    refused(
        services.Conflict,
        services.opportunity_vet,
        by=secretariat,
        opportunity=opportunity,
        publish=True,
    )


def test_an_opportunity_whose_validity_passed_in_the_queue_is_not_published(tarik, secretariat):
    opportunity = submitted(tarik, valid_until=today() + timedelta(days=2))
    later = timezone.now() + timedelta(days=3)
    error = refused(
        services.Conflict,
        services.opportunity_vet,
        by=secretariat,
        opportunity=opportunity,
        publish=True,
        now=later,
    )
    assert "return it" in error.message


# --------------------------------------------------------------------------- renew and close


def test_renewing_an_expired_opportunity_publishes_it_again(tarik, secretariat):
    opportunity = published(tarik, secretariat, valid_until=today() + timedelta(days=3))
    assert services.opportunities_expire(timezone.now() + timedelta(days=4)) == 1
    opportunity.refresh_from_db()
    assert opportunity.status == Status.EXPIRED
    new_date = today() + timedelta(days=200)
    services.opportunity_renew(by=tarik, opportunity=opportunity, valid_until=new_date)
    opportunity.refresh_from_db()
    assert opportunity.status == Status.PUBLISHED
    assert opportunity.valid_until == new_date and opportunity.renewals == 1


def test_renewal_needs_a_future_date_and_the_right_status(tarik, maya, secretariat):
    opportunity = published(tarik, secretariat)
    error = refused(
        services.Refused,
        services.opportunity_renew,
        by=tarik,
        opportunity=opportunity,
        valid_until=today(),
    )
    assert error.field == "valid_until"
    refused(
        services.NotAllowed,
        services.opportunity_renew,
        by=maya,
        opportunity=opportunity,
        valid_until=today() + timedelta(days=9),
    )
    refused(
        services.Conflict,
        services.opportunity_renew,
        by=tarik,
        opportunity=draft(tarik),
        valid_until=today() + timedelta(days=9),
    )
    opportunity.refresh_from_db()
    assert opportunity.renewals == 0


def test_closing_needs_a_reason(tarik, maya, secretariat):
    opportunity = published(tarik, secretariat)
    error = refused(
        services.Refused,
        services.opportunity_close,
        by=tarik,
        opportunity=opportunity,
        reason="",
    )
    assert error.field == "reason"
    refused(
        services.NotAllowed,
        services.opportunity_close,
        by=maya,
        opportunity=opportunity,
        reason="Not mine",
    )
    opportunity.refresh_from_db()
    assert opportunity.status == Status.PUBLISHED
    services.opportunity_close(by=tarik, opportunity=opportunity, reason="Investor found.")
    opportunity.refresh_from_db()
    assert opportunity.status == Status.CLOSED and opportunity.close_reason == "Investor found."
    assert opportunity.history.latest().history_user == tarik


def test_a_draft_cannot_be_closed_into_the_public_listing(tarik):
    opportunity = draft(tarik)
    refused(
        services.Conflict,
        services.opportunity_close,
        by=tarik,
        opportunity=opportunity,
        reason="Withdrawn",
    )


# --------------------------------------------------------------------------- documents


def test_a_document_is_checked_and_its_digest_kept(tarik, maya, _media):
    import hashlib

    opportunity = draft(tarik)
    upload = SimpleUploadedFile("study.pdf", PDF, content_type="application/pdf")
    document = services.opportunity_document_add(
        by=tarik, opportunity=opportunity, title="Feasibility study", file=upload
    )
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.history.latest().history_user == tarik
    fake = SimpleUploadedFile("study.pdf", b"MZ not a pdf", content_type="application/pdf")
    error = refused(
        services.Refused,
        services.opportunity_document_add,
        by=tarik,
        opportunity=opportunity,
        title="Fake",
        file=fake,
    )
    assert error.field == "file" and ".pdf" in error.message
    refused(
        services.NotAllowed,
        services.opportunity_document_add,
        by=maya,
        opportunity=opportunity,
        title="Other",
        file=SimpleUploadedFile("x.pdf", PDF),
    )
    assert opportunity.documents.count() == 1


# --------------------------------------------------------------------------- the clock


def test_expiry_happens_the_day_after_the_validity_date_once(tarik, secretariat):
    opportunity = published(tarik, secretariat, valid_until=today() + timedelta(days=10))
    on_the_day = timezone.now() + timedelta(days=10)
    assert services.opportunities_expire(on_the_day) == 0
    day_after = timezone.now() + timedelta(days=11)
    assert services.opportunities_expire(day_after) == 1
    assert services.opportunities_expire(day_after) == 0
    opportunity.refresh_from_db()
    assert opportunity.status == Status.EXPIRED
    assert opportunity.history.latest().history_change_reason == "expired by the clock"


def test_reminders_go_30_and_7_days_before_once_each(
    tarik, secretariat, mail_at_once, django_capture_on_commit_callbacks
):
    opportunity = published(tarik, secretariat, valid_until=today() + timedelta(days=40))
    now = timezone.now()
    assert services.opportunities_remind_expiry(now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.opportunities_remind_expiry(now + timedelta(days=10)) == 1
    assert services.opportunities_remind_expiry(now + timedelta(days=10)) == 0  # idempotent
    assert services.opportunities_remind_expiry(now + timedelta(days=20)) == 0  # same window
    assert services.opportunities_remind_expiry(now + timedelta(days=33)) == 1  # 7 days left
    assert services.opportunities_remind_expiry(now + timedelta(days=34)) == 0
    notices = Notification.objects.filter(kind=Kind.OPPORTUNITY_EXPIRING)
    assert {n.recipient for n in notices} == {tarik}
    assert notices.count() == 2
    [message] = mail.outbox
    assert message.to == [tarik.email] and "Expires on" in message.subject
    # A renewal starts the reminders again for the new date.
    services.opportunity_renew(
        by=tarik, opportunity=opportunity, valid_until=today() + timedelta(days=60)
    )
    assert services.opportunities_remind_expiry(now + timedelta(days=35)) == 1


def test_the_jobs_are_run_by_the_clock(settings):
    assert "d8coop.opportunities.services.opportunities_expire" in settings.PERIODIC_JOBS
    assert "d8coop.opportunities.services.opportunities_remind_expiry" in settings.PERIODIC_JOBS
