"""Two transactions re-indexing one SME profile at once (each adding one of its products) both
commit, and the index holds both products. Needs PostgreSQL's row locks: skipped on SQLite,
which serialises writers at BEGIN IMMEDIATE so that no race can happen there."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from d8coop.directory.models import Product, SmeProfile
from d8coop.fulltext import search as fulltext_search
from tests.factories import MemberStateFactory
from tests.test_fulltext import make_profile


@pytest.mark.django_db(transaction=True)
def test_two_products_added_at_once_are_both_indexed(secretariat):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers at BEGIN IMMEDIATE, so two writers never overlap; "
            "the race this test drives needs PostgreSQL's row locks (CI runs it there)."
        )
    profile = make_profile(secretariat, MemberStateFactory(), name="Konya Machinery")
    first_indexed = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                Product.objects.create(profile=profile, hs_code="843680", description="Balers")
                first_indexed.set()
                time.sleep(0.5)  # the second writer reaches the index row meanwhile
        except BaseException as error:
            errors.append(error)
            first_indexed.set()
        finally:
            connections.close_all()

    def second() -> None:
        first_indexed.wait(5)
        try:
            with transaction.atomic():
                Product.objects.create(profile=profile, hs_code="843710", description="Sorters")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert Product.objects.filter(profile=profile).count() == 2
    for word in ("balers", "sorters"):
        assert [hit.pk for hit in fulltext_search(SmeProfile.objects.all(), word)] == [profile.pk]
