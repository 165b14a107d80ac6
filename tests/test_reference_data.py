"""The shipped D-8 record: loaded idempotently, every fact sourced, every seed fact shown."""

from datetime import date
from pathlib import Path

import pytest
from django.apps import apps

from d8coop.cooperation.models import ActionItem, Body, Meeting, Term
from d8coop.core.models import Source, Sourced
from d8coop.members.models import MemberState, Position
from d8coop.reference_data.loader import DATA_DIR, ReferenceDataError, load_reference_data

pytestmark = pytest.mark.django_db


def _history_rows() -> int:
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


def test_a_second_load_changes_nothing_and_writes_no_history(reference_data):
    assert reference_data.changed
    rows_before = _history_rows()

    second = load_reference_data()

    assert not second.changed
    assert "nothing changed" in second.summary()
    assert _history_rows() == rows_before


def test_every_shipped_source_is_cited_and_every_citation_is_shipped(reference_data):
    shipped = set(Source.objects.values_list("key", flat=True))
    cited = set()
    for model in apps.get_models():
        if issubclass(model, Sourced) and not model.__name__.startswith("Historical"):
            cited |= set(model.objects.values_list("source__key", flat=True).distinct())
    assert cited == shipped


def test_nine_member_states_and_azerbaijan_was_not_a_member_in_2015(reference_data):
    assert MemberState.objects.count() == 9
    members_2015 = set(
        MemberState.objects.members_on(date(2015, 1, 26)).values_list("code", flat=True)
    )
    assert members_2015 == {"BD", "EG", "ID", "IR", "MY", "NG", "PK", "TR"}
    assert "AZ" in MemberState.objects.members_on(date(2026, 1, 1)).values_list("code", flat=True)


def test_the_eleven_task_forces_of_2008_have_their_coordinators(reference_data):
    numbered = Body.objects.filter(kind=Body.Kind.TASK_FORCE, number__isnull=False)
    assert numbered.count() == 11
    smes = Term.objects.filter(body__slug="tf-smes", role=Term.Role.COORDINATOR)
    assert set(smes.values_list("member_state__code", flat=True)) == {"TR", "ID", "IR", "NG"}
    automotive = Term.objects.filter(body__slug="tf-automotive")
    assert set(automotive.values_list("member_state__code", flat=True)) == {"IR", "EG", "ID"}


def test_thirteen_task_forces_on_the_seed_page_plus_pharmaceuticals_later(reference_data):
    task_forces = Body.objects.filter(kind=Body.Kind.TASK_FORCE)
    assert task_forces.count() == 14
    assert task_forces.filter(slug__in=["tf-machinery", "tf-ceramic-glass"]).count() == 2
    assert "13" in Body.objects.get(slug="wgic").source_note


def test_turkey_chairs_the_smes_governmental_bodies_for_2015_2016(reference_data):
    term = Term.objects.get(body__slug="smes-governmental-bodies", role=Term.Role.CHAIR)
    assert term.member_state.code == "TR"
    assert (term.period.earliest, term.period.latest) == (date(2015, 1, 1), date(2016, 12, 31))
    assert term.period_text == "for the next two years (2015-2016)"


def test_action_items_keep_fuzzy_due_periods_as_written(reference_data):
    nigeria = ActionItem.objects.get(title__startswith="Hold the SPX")
    assert nigeria.period_text == "in the last quarter of 2015 (to be confirmed)"
    assert nigeria.period_tentative
    assert (nigeria.period_earliest, nigeria.period_latest) == (
        date(2015, 10, 1),
        date(2015, 12, 31),
    )

    comments = ActionItem.objects.get(title__contains="communication network draft")
    # "within one (1) month" of the meeting's last day, 28 January 2015.
    assert (comments.period_earliest, comments.period_latest) == (
        date(2015, 1, 28),
        date(2015, 2, 28),
    )
    codes = set(comments.responsible_states.values_list("code", flat=True))
    assert codes == {"BD", "EG", "ID", "IR", "MY", "NG", "PK", "TR"}


def test_contradictions_in_the_seed_are_kept_with_a_note(reference_data):
    istanbul = Meeting.objects.get(slug="wgic-6-istanbul-2011")
    assert istanbul.ordinal == 6
    assert "5th" in istanbul.source_note
    first_gb = Meeting.objects.get(slug="smes-gb-1-tehran-2010")
    assert "7 December 2010" in first_gb.source_note


def test_every_seed_contact_keeps_all_its_numbers(reference_data):
    indonesia = Position.objects.get(slug="sme-tf-id")
    numbers = [(n.kind, n.number) for n in indonesia.numbers.all()]
    assert numbers == [
        ("phone", "+62 21 5253782"),
        ("phone", "+62 21 525 5509"),
        ("fax", "+6221 5253782"),
    ]
    pakistan = Position.objects.get(slug="sme-tf-pk")
    assert pakistan.numbers.get(kind="phone").extension == "355"


def test_a_reference_file_naming_an_unknown_source_is_refused(tmp_path: Path, db):
    (tmp_path / "01.yaml").write_text(
        "sources: []\nmember_states:\n  - {code: XX, name: X, currency: XXX,"
        " time_zone: UTC, weekend_days: [], source: nowhere}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="nowhere"):
        load_reference_data(tmp_path)
    assert not MemberState.objects.exists()


def test_a_new_release_corrects_a_shipped_fact(reference_data, tmp_path: Path):
    # Given a release whose data gives the 5th SMEs Governmental Bodies Meeting another venue
    for path in DATA_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(
            text.replace("venue: Transcorp Hilton Hotel", "venue: Transcorp Hilton, Abuja"),
            encoding="utf-8",
        )
    # When it is loaded
    report = load_reference_data(tmp_path)
    # Then the record is corrected, and only it
    assert report.updated == {"meetings": 1}
    assert Meeting.objects.get(slug="smes-gb-5-abuja-2014").venue == "Transcorp Hilton, Abuja"


def test_a_correction_made_in_the_back_office_survives_the_next_load(
    client, signed_in, reference_data, django_user_model
):
    # Given the secretariat records that Türkiye held its SME Financing Model Workshop
    admin = django_user_model.objects.create_superuser(email="sec@d8.example", password="pw-1")
    signed_in(admin)
    item = ActionItem.objects.get(title="Hold an SME Financing Model Workshop")
    form = {
        "outcome": item.outcome_id, "body": item.body_id, "title": item.title,
        "responsible_states": [s.pk for s in item.responsible_states.all()],
        "status": "done", "status_note": "Held in Ankara", "period_text": item.period_text,
        "source": item.source_id, "source_note": "", "result_meeting": "",
    }  # fmt: skip
    assert client.post(f"/admin/cooperation/actionitem/{item.pk}/change/", form).status_code == 302
    # When the reference data is loaded again (as every deployment does)
    report = load_reference_data()
    # Then the correction is kept, and the report says so
    item.refresh_from_db()
    assert (item.status, item.status_note) == ("done", "Held in Ankara")
    assert report.kept == {"action items": 1}
    assert "kept as edited" in report.summary()
