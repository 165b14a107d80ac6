"""National microdata uploads on the web and through the API: the focal point of Türkiye uploads,
maps the columns, follows the import and reads its counts; everyone else is refused and nothing
is stored; the same file twice changes nothing; a new file replaces the country-year."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from d8coop.members.models import MemberState
from d8coop.statistics import imports
from d8coop.statistics.models import ColumnMapping, SmeAggregate, Upload
from tests.conftest import sign_in_verified
from tests.factories import appoint_focal_point

pytestmark = pytest.mark.django_db

# National column names: a mapping step is needed. Line 4 is rejected (employees "abc").
NATIONAL = b"firma;nace;calisan;ciro\nT1;1010;5;1500000\nT2;C25;60;20000000\nT3;47;abc;100\n"
NATIONAL_COLUMNS = {
    "enterprise_id": "firma", "isic": "nace", "employees": "calisan", "turnover": "ciro",
}  # fmt: skip
# Canonical column names: the platform guesses the mapping and imports at once.
CANONICAL = b"enterprise_id,isic,employees,turnover\nA1,10,5,1000\nA2,10,300,5\n"
GARBAGE = b"\x00\x01\x02\x03 not a data file \x00"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """The worker's job done in the test's process, as soon as a task is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def tarik(reference_data, django_user_model):
    user = django_user_model.objects.create_user(email="tarik.demir@kosgeb.example")
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def emad(reference_data, django_user_model):
    user = django_user_model.objects.create_user(email="emad@msmeda.example")
    appoint_focal_point(user, "EG", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def turkey(reference_data):
    return MemberState.objects.get(code="TR")


def _file(content: bytes, name: str = "tuik-2023.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _post_upload(client, country, content, *, year=2023, mapping=None, name="tuik-2023.csv"):
    data = {"country": country.pk, "year": year, "file": _file(content, name), "encoding": ""}
    if mapping is not None:
        data["mapping"] = mapping.pk
    return client.post(reverse("statistics:upload-create"), data)


def _mapping_data(save_as: str = "", **columns: str) -> dict:
    return {**NATIONAL_COLUMNS, **columns, "save_as": save_as}


def _uploaded(django_capture_on_commit_callbacks, client, country, content, **kwargs):
    """Upload through the page and run the queued import, as the worker would."""
    with django_capture_on_commit_callbacks(execute=True):
        return _post_upload(client, country, content, **kwargs)


# --------------------------------------------------------------------------- uploading


def test_a_focal_point_maps_national_columns_and_reads_the_counts(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    # Given Tarik, signed in, uploads Türkiye's file with national column names
    signed_in(tarik)
    response = _post_upload(client, turkey, NATIONAL)
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("statistics:upload-mapping", args=[upload.pk])
    assert upload.status == Upload.Status.RECEIVED and upload.uploaded_by == tarik

    # When he sees the file's columns, maps them and saves the mapping
    page = client.get(response["Location"]).content.decode()
    assert '<option value="calisan">calisan</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], _mapping_data(save_as="TÜİK SBS"))

    # Then the import ran, and the results page shows its counts
    assert response["Location"] == reverse("statistics:upload", args=[upload.pk])
    upload.refresh_from_db()
    assert upload.status == Upload.Status.DONE and upload.is_current
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (3, 2, 1)
    assert upload.reasons == {"not_a_number": 1}
    assert upload.class_counts["D8-STAT"] == {"micro": 1, "medium": 1}
    page = client.get(response["Location"]).content.decode()
    assert '<dd class="col-6 col-sm-9" id="rows-accepted">2</dd>' in page
    assert "not_a_number" in page and "D8-STAT" in page
    assert "hx-trigger" not in page  # finished: no more polling
    assert ColumnMapping.objects.get(country=turkey, name="TÜİK SBS").columns == NATIONAL_COLUMNS


def test_a_saved_mapping_serves_the_next_upload_without_the_mapping_step(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    mapping = ColumnMapping.objects.create(
        country=turkey, name="TÜİK SBS", columns=NATIONAL_COLUMNS
    )
    signed_in(tarik)

    response = _uploaded(
        django_capture_on_commit_callbacks, client, turkey, NATIONAL, mapping=mapping
    )

    upload = Upload.objects.get()
    assert response["Location"] == reverse("statistics:upload", args=[upload.pk])
    assert upload.status == Upload.Status.DONE and upload.mapping == mapping
    assert upload.rows_accepted == 2


def test_a_file_with_the_canonical_column_names_is_imported_at_once(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    signed_in(tarik)

    response = _uploaded(django_capture_on_commit_callbacks, client, turkey, CANONICAL)

    upload = Upload.objects.get()
    assert response["Location"] == reverse("statistics:upload", args=[upload.pk])
    assert upload.status == Upload.Status.DONE
    assert upload.class_counts["D8-STAT"] == {"micro": 1, "large": 1}


def test_a_mapping_that_leaves_a_required_field_out_is_shown_next_to_it(
    client, signed_in, tarik, turkey
):
    signed_in(tarik)
    _post_upload(client, turkey, NATIONAL)
    upload = Upload.objects.get()

    response = client.post(
        reverse("statistics:upload-mapping", args=[upload.pk]), _mapping_data(employees="")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["employees"]
    assert response.context["form"]["employees"].errors
    upload.refresh_from_db()
    assert upload.status == Upload.Status.RECEIVED and upload.columns == {}


def test_a_column_chosen_for_two_fields_is_refused(client, signed_in, tarik, turkey):
    signed_in(tarik)
    _post_upload(client, turkey, NATIONAL)
    upload = Upload.objects.get()

    response = client.post(
        reverse("statistics:upload-mapping", args=[upload.pk]), _mapping_data(turnover="calisan")
    )

    assert response.status_code == 400
    assert "“calisan” is chosen for two fields." in response.content.decode()
    assert Upload.objects.get().status == Upload.Status.RECEIVED


def test_a_focal_point_of_egypt_cannot_upload_for_turkey_and_nothing_is_stored(
    client, signed_in, emad, turkey, settings
):
    signed_in(emad)

    response = _post_upload(client, turkey, CANONICAL)

    assert response.status_code == 400  # the form offers Egypt only
    assert "Select a valid choice" in response.content.decode()
    assert Upload.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "statistics").exists()


def test_the_same_file_again_is_already_imported_and_changes_nothing(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    signed_in(tarik)
    _uploaded(django_capture_on_commit_callbacks, client, turkey, CANONICAL)
    first = Upload.objects.get()
    aggregates = SmeAggregate.objects.count()

    response = _uploaded(
        django_capture_on_commit_callbacks, client, turkey, CANONICAL, name="copy.csv"
    )

    assert response["Location"] == reverse("statistics:upload", args=[first.pk])
    assert Upload.objects.count() == 1
    assert SmeAggregate.objects.count() == aggregates
    page = client.get(response["Location"]).content.decode()
    assert "This very file was imported before; nothing changed." in page


def test_a_new_file_for_the_same_year_replaces_the_first(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    signed_in(tarik)
    _uploaded(django_capture_on_commit_callbacks, client, turkey, CANONICAL)
    first = Upload.objects.get()
    revised = b"enterprise_id,isic,employees\nR1,10,2\nR2,10,3\nR3,47,4\n"

    _uploaded(django_capture_on_commit_callbacks, client, turkey, revised, name="revised.csv")

    second = Upload.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.replaces_id) == (False, True, first.pk)
    current = SmeAggregate.objects.filter(upload__is_current=True, definition__code="D8-STAT")
    assert {a.upload_id for a in current} == {second.pk}
    assert sum(a.enterprises for a in current) == 3
    page = client.get(reverse("statistics:upload", args=[second.pk])).content.decode()
    assert "It replaced an earlier upload." in page


def test_a_file_that_is_not_data_is_refused_with_its_message(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    signed_in(tarik)

    response = _uploaded(django_capture_on_commit_callbacks, client, turkey, GARBAGE)

    upload = Upload.objects.get()
    assert response["Location"] == reverse("statistics:upload", args=[upload.pk])
    assert upload.status == Upload.Status.REFUSED and not upload.is_current
    assert SmeAggregate.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "The file is not text (it contains NUL bytes)" in page
    assert "The file was refused; nothing changed in the figures." in page


def test_the_rejects_and_the_original_are_downloaded_as_attachments(
    client, signed_in, tarik, turkey, django_capture_on_commit_callbacks
):
    signed_in(tarik)
    _post_upload(client, turkey, NATIONAL)
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("statistics:upload-mapping", args=[upload.pk]), _mapping_data())

    rejects = client.get(reverse("statistics:upload-rejects", args=[upload.pk]))
    original = client.get(reverse("statistics:upload-original", args=[upload.pk]))

    assert rejects["Content-Disposition"].startswith("attachment;")
    lines = b"".join(rejects.streaming_content).decode().splitlines()
    assert lines[0] == "line,column,value,code,reason"
    assert lines[1:] == ["4,calisan,abc,not_a_number,not a whole number"]
    assert original["Content-Disposition"] == 'attachment; filename="tuik-2023.csv"'
    assert b"".join(original.streaming_content) == NATIONAL


def test_the_progress_fragment_polls_until_the_import_is_finished(client, signed_in, tarik, turkey):
    # Given an upload waiting for the worker, a third of the way through its reading
    signed_in(tarik)
    _post_upload(client, turkey, CANONICAL)
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(phase="reading", progress=1 / 3)
    url = reverse("statistics:upload-progress", args=[upload.pk])

    # Then the fragment shows the phase and percentage and asks to be polled again
    fragment = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and f'hx-get="{url}"' in fragment
    assert '<progress class="w-100" max="100" value="33" aria-labelledby="progress-label">' in (
        fragment
    )
    assert "Reading and checking the rows" in fragment
    assert "<html" not in fragment

    # When the worker is done, the fragment shows the results and stops polling
    imports.upload_process(upload.pk)
    fragment = client.get(url).content.decode()
    assert "hx-trigger" not in fragment and "<progress" not in fragment
    assert 'id="rows-read">2</dd>' in fragment


def test_the_list_shows_a_focal_point_only_their_states_uploads(
    client, signed_in, tarik, emad, turkey, secretariat, django_capture_on_commit_callbacks
):
    signed_in(tarik)
    _uploaded(django_capture_on_commit_callbacks, client, turkey, CANONICAL, name="tr-firms.csv")

    signed_in(emad)
    assert "tr-firms.csv" not in client.get(reverse("statistics:uploads")).content.decode()
    signed_in(tarik)
    page = client.get(reverse("statistics:uploads")).content.decode()
    assert "tr-firms.csv" in page and "tarik.demir@kosgeb.example" in page
    signed_in(secretariat)
    assert "tr-firms.csv" in client.get(reverse("statistics:uploads")).content.decode()


# --------------------------------------------------------------------------- outsiders

PAGES = ["upload", "upload-progress", "upload-mapping", "upload-rejects", "upload-original"]


@pytest.fixture
def tr_upload(tarik, turkey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received = imports.upload_receive(
            user=tarik, file=_file(NATIONAL), filename="tuik-2023.csv", country=turkey,
            year=2023, via=Upload.Via.WEB, columns=NATIONAL_COLUMNS,
        )  # fmt: skip
    return imports.upload_process(received.upload.pk)


def _page_urls(upload: Upload) -> list[str]:
    return [
        reverse("statistics:uploads"),
        reverse("statistics:upload-create"),
        *(reverse(f"statistics:{name}", args=[upload.pk]) for name in PAGES),
    ]


def test_the_public_is_sent_to_sign_in_from_every_page(client, tr_upload, settings):
    for url in _page_urls(tr_upload):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:sign-in")), url
    response = client.post(reverse("statistics:upload-create"), {"file": _file(CANONICAL)})
    assert response.status_code == 302
    assert Upload.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_outsiders_and_observers_find_no_upload_page(client, signed_in, tr_upload, who, request):
    signed_in(request.getfixturevalue(who))
    for url in _page_urls(tr_upload):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("statistics:upload-create"),
        {"country": tr_upload.country.pk, "year": 2023, "file": _file(CANONICAL)},
    )
    assert response.status_code == 404
    assert Upload.objects.count() == 1


def test_a_focal_point_of_another_state_finds_none_of_turkeys_upload(
    client, signed_in, emad, tr_upload
):
    signed_in(emad)
    for url in _page_urls(tr_upload)[2:]:
        assert client.get(url).status_code == 404, url


# --------------------------------------------------------------------------- the API

API = "/api/v1/statistics/uploads/"


def _api(user=None) -> APIClient:
    caller = APIClient()
    if user is not None:
        sign_in_verified(caller, user)
    return caller


def _api_post(caller, content: bytes, *, country="TR", name="tuik-2023.csv", **extra):
    data = {"file": _file(content, name), "country": country, "year": 2023, **extra}
    return caller.post(API, data, format="multipart")


def test_a_focal_point_uploads_through_the_api_and_follows_the_import(
    tarik, turkey, django_capture_on_commit_callbacks
):
    caller = _api(tarik)

    with django_capture_on_commit_callbacks(execute=True):
        response = _api_post(
            caller, NATIONAL, columns=json.dumps(NATIONAL_COLUMNS), mapping="TÜİK SBS"
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["country"], body["year"], body["already_imported"]) == ("TR", 2023, False)
    detail = caller.get(f"{API}{body['id']}/").json()
    assert detail["status"] == "done" and detail["progress"] == 1.0
    assert (detail["rows_read"], detail["rows_accepted"], detail["rows_rejected"]) == (3, 2, 1)
    assert detail["class_counts"]["D8-STAT"] == {"micro": 1, "medium": 1}
    assert detail["mapping"] == "TÜİK SBS"
    rejects = caller.get(detail["rejects_url"])
    assert rejects.status_code == 200 and rejects["Content-Type"] == "text/csv"
    assert b"4,calisan,abc,not_a_number" in b"".join(rejects.streaming_content)
    listed = caller.get(API).json()
    assert [u["id"] for u in listed["results"]] == [body["id"]]
    # The same file again: 200, already imported, nothing new
    again = _api_post(caller, NATIONAL, mapping="TÜİK SBS")
    assert again.status_code == 200
    assert again.json()["already_imported"] is True and again.json()["id"] == body["id"]
    assert Upload.objects.count() == 1


def test_the_api_refuses_bad_input_with_its_message(tarik, turkey):
    caller = _api(tarik)

    garbage = _api_post(caller, GARBAGE)
    unmapped = _api_post(caller, NATIONAL, name="other.csv")
    unknown = _api_post(caller, CANONICAL, mapping="No such mapping")

    assert garbage.status_code == 400
    assert "not text" in garbage.json()["message"]
    assert unmapped.status_code == 400
    assert "'firma'" in unmapped.json()["message"]
    assert unknown.status_code == 400
    assert "No saved mapping named No such mapping" in json.dumps(unknown.json())
    assert SmeAggregate.objects.count() == 0
    assert set(Upload.objects.values_list("status", flat=True)) == {Upload.Status.REFUSED}


def test_a_focal_point_of_egypt_gets_403_for_turkey_and_nothing_is_stored(emad, turkey):
    response = _api_post(_api(emad), CANONICAL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Upload.objects.count() == 0


def test_the_api_hides_uploads_from_everyone_else(tr_upload, emad, outsider, member_user):
    urls = [API, f"{API}{tr_upload.pk}/", f"{API}{tr_upload.pk}/rejects/"]
    for url in urls:
        assert _api().get(url).status_code == 401, url
        assert _api(outsider).get(url).status_code == 404, url
        assert _api(member_user).get(url).status_code == 404, url
    assert _api(emad).get(API).json()["results"] == []
    for url in urls[1:]:
        assert _api(emad).get(url).status_code == 404, url
    assert _api().post(API, {}, format="multipart").status_code == 401
    assert _api(outsider).post(API, {}, format="multipart").status_code == 404
    assert Upload.objects.count() == 1


PUBLISHED_TABLE = b"size_class,enterprises,employment\nmicro,3100000,8200000\nsmall,180000,x\n"


def test_a_published_table_needs_its_source_then_imports_as_published(
    client, tarik, turkey, django_capture_on_commit_callbacks
):
    sign_in_verified(client, tarik)
    data = {"country": turkey.pk, "year": 2023, "kind": "aggregates", "encoding": ""}
    response = client.post(
        reverse("statistics:upload-create"), {**data, "file": _file(PUBLISHED_TABLE)}
    )
    assert response.status_code == 400
    assert "Name the publication" in response.content.decode()
    assert not Upload.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("statistics:upload-create"),
            {**data, "file": _file(PUBLISHED_TABLE), "source_title": "KOBİ 2023",
             "source_publisher": "TÜİK"},
        )  # fmt: skip
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert (upload.kind, upload.status, upload.source.title) == ("aggregates", "done", "KOBİ 2023")
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (2, 1, 1)
    page = client.get(reverse("statistics:upload", args=[upload.pk])).content.decode()
    assert "KOBİ 2023" in page and "TÜİK" in page


def test_the_workspace_leads_focal_points_to_their_uploads(client, tarik, member_user):
    sign_in_verified(client, tarik)
    page = client.get(reverse("workspace:home")).content.decode()
    assert reverse("statistics:upload-create") in page
    client.logout()
    sign_in_verified(client, member_user)  # an observer reads members' data, uploads nothing
    page = client.get(reverse("workspace:home")).content.decode()
    assert reverse("statistics:upload-create") not in page


def test_every_statistics_page_links_the_others(client, reference_data):
    pages = ["overview", "database", "indicators", "definitions", "open_data"]
    for name in pages:
        html = client.get(reverse(f"statistics:{name}")).content.decode()
        for other in pages:
            assert f'href="{reverse(f"statistics:{other}")}"' in html, (name, other)
