"""The secretariat's back office: every registry record editable, with its change history."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from d8coop.cooperation.models import ActionItem, Meeting

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [
    model for model in admin.site._registry if model._meta.app_label in
    {"core", "members", "cooperation", "portal"}
]  # fmt: skip


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="root@d8.example", password="pw-x-1")


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_the_secretariat_opens_every_list_record_and_its_history(
    client, signed_in, superuser, reference_data, model
):
    signed_in(superuser)
    meta = model._meta
    assert (
        client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code
        == 200
    )
    obj = model.objects.first()
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == 200
    history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
    assert client.get(history).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member_user"])
def test_the_back_office_is_closed_to_everyone_else(client, signed_in, request, who):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    response = client.get(reverse("admin:cooperation_meeting_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _action_item_form(item: ActionItem, **changes) -> dict:
    data = {
        "outcome": item.outcome_id, "body": item.body_id, "title": item.title,
        "responsible_states": [s.pk for s in item.responsible_states.all()],
        "status": item.status, "status_note": "", "period_text": item.period_text,
        "source": item.source_id, "source_note": item.source_note, "result_meeting": "",
    }  # fmt: skip
    return {**data, **changes}


def test_editing_a_due_period_recomputes_its_dates_and_records_who_changed_it(
    client, signed_in, superuser, reference_data
):
    signed_in(superuser)
    item = ActionItem.objects.get(title="Hold an SME Financing Model Workshop")
    url = reverse("admin:cooperation_actionitem_change", args=[item.pk])

    response = client.post(url, _action_item_form(item, period_text="first quarter of 2016"))

    assert response.status_code == 302
    item.refresh_from_db()
    assert (str(item.period_earliest), str(item.period_latest)) == ("2016-01-01", "2016-03-31")
    latest = item.history.first()
    assert latest.history_user == superuser and latest.period_text == "first quarter of 2016"


def test_an_unreadable_due_period_is_refused_with_a_reason_and_changes_nothing(
    client, signed_in, superuser, reference_data
):
    signed_in(superuser)
    item = ActionItem.objects.get(title="Hold an SME Financing Model Workshop")
    url = reverse("admin:cooperation_actionitem_change", args=[item.pk])
    versions = item.history.count()

    response = client.post(url, _action_item_form(item, period_text="sometime soon"))

    assert response.status_code == 200
    assert "sometime soon" in response.content.decode()
    item.refresh_from_db()
    assert item.period_text == "in the second half of 2015"
    assert item.history.count() == versions


def test_secretariat_staff_keep_the_registry_but_not_the_accounts(
    client, signed_in, django_user_model, reference_data
):
    call_command("create_user", email="staff@d8.example", role="secretariat", password="pw-x-9")
    signed_in(django_user_model.objects.get(email="staff@d8.example"))
    meeting = Meeting.objects.get(slug="smes-gb-5-abuja-2014")
    assert client.get(reverse("admin:cooperation_meeting_changelist")).status_code == 200
    change = reverse("admin:cooperation_meeting_change", args=[meeting.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
