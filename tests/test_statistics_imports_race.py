"""Two imports of the same country-year finishing at once: both done, exactly one current, the
other replaced by it. Needs PostgreSQL's row locks: skipped on SQLite, which serialises writers
at BEGIN IMMEDIATE so that no race can happen there."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections

from d8coop.members.models import MemberState
from d8coop.statistics import imports
from d8coop.statistics.models import SmeAggregate, Upload

FILES = [
    b"enterprise_id,isic,employees\nA1,10,5\nA2,10,50\n",
    b"enterprise_id,isic,employees\nB1,47,3\nB2,47,4\nB3,47,300\n",
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_country_year_leave_one_current(reference_data, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers at BEGIN IMMEDIATE, so two swaps never overlap; the race "
            "this test drives needs PostgreSQL's row locks (CI runs it there)."
        )
    turkey = MemberState.objects.get(code="TR")
    uploads = [
        imports.upload_receive(
            user=None, file=ContentFile(content), filename=f"{n}.csv", country=turkey,
            year=2023, via=Upload.Via.COMMAND,
        ).upload
        for n, content in enumerate(FILES)
    ]  # fmt: skip
    real = imports._lock_for_swap
    both_swapping = threading.Barrier(len(uploads), timeout=3)

    def overlapping_swap(upload):
        # Wait inside the swapping transaction until the other import swaps too: without a lock
        # both get here, each seeing no current upload; with it, the other waits for this one
        # to commit, the barrier times out, and this one goes on.
        locked = real(upload)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_swapping.wait()
        return locked

    monkeypatch.setattr(imports, "_lock_for_swap", overlapping_swap)
    start = threading.Barrier(len(uploads))
    errors: list[BaseException] = []

    def process(pk: int) -> None:
        try:
            start.wait()
            imports.upload_process(pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=process, args=(u.pk,)) for u in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    done = list(Upload.objects.order_by("pk"))
    assert [u.status for u in done] == [Upload.Status.DONE, Upload.Status.DONE]
    current = [u for u in done if u.is_current]
    assert len(current) == 1
    (other,) = [u for u in done if not u.is_current]
    assert current[0].replaces_id == other.pk
    shown = SmeAggregate.objects.filter(upload__is_current=True, definition__code="D8-STAT")
    assert sum(a.enterprises for a in shown) == len(FILES[done.index(current[0])].splitlines()) - 1
