"""Full-text search behind one interface: the same tests on SQLite (FTS5) and PostgreSQL."""

from datetime import date
from io import StringIO
from itertools import count
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d8coop.directory.models import Product, SmeProfile
from d8coop.fulltext import Hit
from d8coop.fulltext import search as fulltext_search
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity
from tests.factories import MemberStateFactory

_serial = count(1)


@pytest.fixture
def turkey(db):
    return MemberStateFactory(name="Türkiye")


def make_opportunity(user, state, **fields) -> Opportunity:
    number = next(_serial)
    values = {
        "slug": f"opportunity-{number}",
        "title": f"Opportunity {number}",
        "description": "A project.",
        "host_state": state,
        "isic_section": "C",
        "instrument": Opportunity.Instrument.EQUITY,
        "stage": Opportunity.Stage.READY,
        "valid_until": date(2030, 12, 31),
        "status": Opportunity.Status.PUBLISHED,
        "created_by": user,
        **fields,
    }
    return Opportunity.objects.create(**values)


def make_profile(user, state, **fields) -> SmeProfile:
    number = next(_serial)
    values = {
        "slug": f"sme-{number}",
        "name": f"Company {number}",
        "description": "A small firm.",
        "member_state": state,
        "isic_section": "C",
        "size_class": SmeProfile.SizeClass.SMALL,
        "public": True,
        "status": SmeProfile.Status.VALIDATED,
        "created_by": user,
        **fields,
    }
    return SmeProfile.objects.create(**values)


def pks(hits: list[Hit]) -> list[int]:
    return [hit.pk for hit in hits]


def test_a_title_match_outranks_a_description_match(secretariat, turkey):
    in_description = make_opportunity(
        secretariat, turkey, title="Spinning mill", description="Cotton and textile machinery."
    )
    in_title = make_opportunity(
        secretariat, turkey, title="Textile park", description="Land and utilities."
    )
    make_opportunity(secretariat, turkey, title="Cement plant", description="Clinker.")

    hits = fulltext_search(Opportunity.objects.all(), "textile")

    assert pks(hits) == [in_title.pk, in_description.pk]
    assert hits[0].rank > hits[1].rank
    assert all(isinstance(hit.rank, float) for hit in hits)


def test_an_sme_name_match_outranks_a_product_match(secretariat, turkey):
    by_product = make_profile(secretariat, turkey, name="Anatolia Foods")
    Product.objects.create(profile=by_product, hs_code="520100", description="Raw cotton")
    by_name = make_profile(secretariat, turkey, name="Cotton Works", description="Yarn.")

    hits = fulltext_search(SmeProfile.objects.all(), "cotton")

    assert pks(hits) == [by_name.pk, by_product.pk]
    assert "<mark>" in hits[1].snippets["products"]


def test_every_term_must_match(secretariat, turkey):
    both = make_opportunity(secretariat, turkey, title="Textile park", region="Izmir")
    make_opportunity(secretariat, turkey, title="Textile mill", region="Bursa")

    assert pks(fulltext_search(Opportunity.objects.all(), "textile izmir")) == [both.pk]


def test_the_last_term_matches_as_a_prefix(secretariat, turkey):
    textile = make_opportunity(secretariat, turkey, title="Textile park")

    assert pks(fulltext_search(Opportunity.objects.all(), "park texti")) == [textile.pk]
    # A finished word (followed by punctuation) is not a prefix.
    assert fulltext_search(Opportunity.objects.all(), "texti.") == []


def test_only_rows_of_the_queryset_come_back(secretariat, turkey):
    public = make_profile(secretariat, turkey, name="Halal Foods Public")
    make_profile(secretariat, turkey, name="Halal Foods Hidden", public=False)
    make_profile(secretariat, turkey, name="Halal Foods Draft", status=SmeProfile.Status.DRAFT)
    draft = make_opportunity(
        secretariat, turkey, title="Halal food park", status=Opportunity.Status.DRAFT
    )
    nigeria = MemberStateFactory(name="Nigeria")
    elsewhere = make_opportunity(secretariat, nigeria, title="Halal food hub")

    assert pks(fulltext_search(SmeProfile.objects.public(), "halal")) == [public.pk]
    assert pks(fulltext_search(Opportunity.objects.published(), "halal")) == [elsewhere.pk]
    assert fulltext_search(Opportunity.objects.filter(host_state=turkey).published(), "halal") == []
    assert draft.pk in pks(fulltext_search(Opportunity.objects.all(), "halal"))


def test_excerpts_are_escaped_and_only_the_matches_are_marked(secretariat, turkey):
    make_opportunity(
        secretariat,
        turkey,
        title="Leather tannery",
        description=(
            "Leather hides <script>alert('leather')</script> & a \ue000planted\ue001 tannery"
        ),
    )

    [hit] = fulltext_search(Opportunity.objects.all(), "leather")

    description = hit.snippets["description"]
    assert isinstance(description, SafeString)
    assert "<script>" not in description
    assert "&lt;script&gt;" in description
    assert "&amp;" in description
    assert "<mark>leather</mark>" in description
    assert "planted" in description and "<mark>planted" not in description
    assert hit.snippets["title"] == "<mark>Leather</mark> tannery"
    # Only the fields that matched have an excerpt.
    assert set(hit.snippets) == {"title", "description"}


FOUND, NOT_FOUND = True, False


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", NOT_FOUND),
        ("   ", NOT_FOUND),
        (None, NOT_FOUND),
        ('"', NOT_FOUND),
        ('""', NOT_FOUND),
        ("*", NOT_FOUND),
        ("-", NOT_FOUND),
        ("-leather", FOUND),
        ("leather*", FOUND),
        ('"leather', FOUND),
        ("leather tannery NEAR", NOT_FOUND),  # NEAR is a word like any other
        ("NEAR(leather tannery)", NOT_FOUND),
        ("leather OR", NOT_FOUND),
        ("AND", NOT_FOUND),
        ("NOT leather", NOT_FOUND),
        ("title:leather", NOT_FOUND),
        ("{title description}: leather", NOT_FOUND),
        ("^leather", FOUND),
        ("'; DROP TABLE opportunities_opportunity; --", NOT_FOUND),
        ("leather' OR '1'='1", NOT_FOUND),
        ("leather & | ! : ( ) <->", FOUND),
        ("leather:*", FOUND),
        ("\\", NOT_FOUND),
        ("\x00leather", FOUND),
        ("ـــ", NOT_FOUND),
        ("\u0301", NOT_FOUND),
        ("🏭 leather", FOUND),
        ("a" * 5000, NOT_FOUND),
        (" ".join(["leather"] * 200), FOUND),
        (" ".join(f"w{n}" for n in range(50)), NOT_FOUND),
    ],
)
def test_hostile_queries_never_raise(secretariat, turkey, query, found):
    leather = make_opportunity(secretariat, turkey, title="Leather tannery")

    hits = fulltext_search(Opportunity.objects.all(), query)

    assert pks(hits) == ([leather.pk] if found else [])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_any_text_is_a_valid_query(secretariat, turkey, query):
    make_opportunity(secretariat, turkey, title="Leather tannery", description="Hides: İzmir.")

    hits = fulltext_search(Opportunity.objects.all(), query)

    assert all(isinstance(hit, Hit) for hit in hits)


@pytest.mark.parametrize("query", ["İzmir", "izmir", "IZMIR", "İZMİR", "izm"])
def test_turkish_dotted_capital_i_is_folded(secretariat, turkey, query):
    izmir = make_opportunity(secretariat, turkey, title="Logistics centre", region="İzmir")

    hits = fulltext_search(Opportunity.objects.all(), query)

    assert pks(hits) == [izmir.pk]
    assert "<mark>" in hits[0].snippets["region"]


@pytest.mark.parametrize("query", ["Kırşehir", "kırşehir", "KIRŞEHİR", "KIRŞ"])
def test_turkish_dotless_i_is_found_in_any_case(secretariat, turkey, query):
    kirsehir = make_profile(secretariat, turkey, name="Kırşehir Halı", city="Kırşehir")

    assert pks(fulltext_search(SmeProfile.objects.all(), query)) == [kirsehir.pk]


def test_arabic_and_persian_text_is_found_and_marked(secretariat, turkey):
    arabic = make_opportunity(
        secretariat, turkey, title="مصنع النسيج في الإسكندرية", description="مشروع مشترك"
    )
    persian = make_profile(
        secretariat,
        turkey,
        name="فرش دستباف تبریز",
        city="تبریز",
        # A zero-width non-joiner inside a word, and an Arabic word with its short vowels.
        capabilities="صادرات به کارخانه\u200cهای مُحَمَّد",
    )

    [hit] = fulltext_search(Opportunity.objects.all(), "النسيج")
    assert hit.pk == arabic.pk
    assert "<mark>النسيج</mark>" in hit.snippets["title"]
    assert pks(fulltext_search(SmeProfile.objects.all(), "تبریز")) == [persian.pk]
    assert pks(fulltext_search(SmeProfile.objects.all(), "دستباف فرش")) == [persian.pk]
    assert pks(fulltext_search(SmeProfile.objects.all(), "کارخانه\u200cهای")) == [persian.pk]
    assert pks(fulltext_search(SmeProfile.objects.all(), "مُحَمَّد")) == [persian.pk]


def test_changes_and_deletions_are_reflected(secretariat, turkey):
    opportunity = make_opportunity(secretariat, turkey, title="Olive oil press")
    assert pks(fulltext_search(Opportunity.objects.all(), "olive")) == [opportunity.pk]

    opportunity.title = "Date palm processing"
    opportunity.incentives = "Tax holiday"
    opportunity.save()
    assert fulltext_search(Opportunity.objects.all(), "olive") == []
    assert pks(fulltext_search(Opportunity.objects.all(), "palm holiday")) == [opportunity.pk]

    opportunity.delete()
    assert fulltext_search(Opportunity.objects.all(), "palm") == []


def test_products_and_certifications_are_searchable_as_they_change(secretariat, turkey):
    profile = make_profile(secretariat, turkey, name="Aegean Metals", certifications=["ISO 9001"])
    assert pks(fulltext_search(SmeProfile.objects.all(), "9001")) == [profile.pk]

    product = Product.objects.create(profile=profile, hs_code="730890", description="Steel frames")
    hits = fulltext_search(SmeProfile.objects.all(), "730890")
    assert pks(hits) == [profile.pk]
    assert hits[0].snippets["products"] == "<mark>730890</mark> Steel frames"

    product.description = "Aluminium frames"
    product.save()
    assert fulltext_search(SmeProfile.objects.all(), "steel") == []
    assert pks(fulltext_search(SmeProfile.objects.all(), "aluminium")) == [profile.pk]

    product.delete()
    assert fulltext_search(SmeProfile.objects.all(), "aluminium") == []

    profile.certifications = ["Halal"]
    profile.save()
    assert fulltext_search(SmeProfile.objects.all(), "9001") == []
    assert pks(fulltext_search(SmeProfile.objects.all(), "halal")) == [profile.pk]

    profile.delete()
    assert fulltext_search(SmeProfile.objects.all(), "halal") == []


def test_limit_caps_the_hits_best_first(secretariat, turkey):
    first = make_opportunity(secretariat, turkey, title="Solar farm", description="Solar.")
    make_opportunity(secretariat, turkey, title="Wind farm", description="Solar later.")

    assert pks(fulltext_search(Opportunity.objects.all(), "solar", limit=1)) == [first.pk]
    assert fulltext_search(Opportunity.objects.all(), "solar", limit=0) == []


def test_a_model_that_is_not_indexed_is_a_programming_error(db):
    with pytest.raises(ValueError, match="not indexed"):
        fulltext_search(MemberState.objects.all(), "turkey")


def test_rebuild_command_leaves_every_row_searchable(secretariat, turkey):
    opportunity = make_opportunity(secretariat, turkey, title="Ceramics cluster")
    profile = make_profile(secretariat, turkey, name="Ceramics Studio")
    Product.objects.create(profile=profile, hs_code="691110", description="Porcelain tableware")
    out = StringIO()

    call_command("fulltext", "rebuild", stdout=out)

    assert "opportunities.Opportunity: 1 rows indexed." in out.getvalue()
    assert "directory.SmeProfile: 1 rows indexed." in out.getvalue()
    assert pks(fulltext_search(Opportunity.objects.all(), "ceramics")) == [opportunity.pk]
    assert pks(fulltext_search(SmeProfile.objects.all(), "porcelain")) == [profile.pk]


def test_rebuild_restores_an_index_that_was_lost(secretariat, turkey):
    # Given rows changed behind the signals' back (a bulk update, a raw SQL repair)
    opportunity = make_opportunity(secretariat, turkey, title="Ceramics cluster")
    Opportunity.objects.filter(pk=opportunity.pk).update(title="Glassworks cluster")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM fulltext_smeprofile")
    profile = SmeProfile.objects.bulk_create(
        [
            SmeProfile(
                slug="glass",
                name="Glass Studio",
                description="Glass.",
                member_state=turkey,
                isic_section="C",
                size_class="micro",
                created_by=secretariat,
            )
        ]
    )[0]
    assert fulltext_search(Opportunity.objects.all(), "glassworks") == []
    assert fulltext_search(SmeProfile.objects.all(), "glass") == []

    # When the index is rebuilt
    call_command("fulltext", "rebuild", stdout=StringIO())

    # Then it holds what the rows say
    assert pks(fulltext_search(Opportunity.objects.all(), "glassworks")) == [opportunity.pk]
    assert fulltext_search(Opportunity.objects.all(), "ceramics") == []
    assert pks(fulltext_search(SmeProfile.objects.all(), "glass")) == [profile.pk]


def test_a_rolled_back_change_leaves_the_index_as_it_was(secretariat, turkey):
    from django.db import transaction

    opportunity = make_opportunity(secretariat, turkey, title="Copper smelter")
    with pytest.raises(RuntimeError), transaction.atomic():
        opportunity.title = "Zinc smelter"
        opportunity.save()
        raise RuntimeError

    assert pks(fulltext_search(Opportunity.objects.all(), "copper")) == [opportunity.pk]
    assert fulltext_search(Opportunity.objects.all(), "zinc") == []


def test_a_product_moved_to_another_profile_leaves_the_first(secretariat, turkey):
    first = make_profile(secretariat, turkey, name="First Firm")
    second = make_profile(secretariat, turkey, name="Second Firm")
    product = Product.objects.create(profile=first, hs_code="090111", description="Green coffee")

    product.profile = second
    product.save()

    assert pks(fulltext_search(SmeProfile.objects.all(), "coffee")) == [second.pk]


def test_the_queryset_may_be_filtered_joined_ordered_and_distinct(secretariat, turkey):
    mine = make_opportunity(secretariat, turkey, title="Fish farm", region="Black Sea")
    make_opportunity(secretariat, turkey, title="Fish cannery", status=Opportunity.Status.CLOSED)
    queryset = (
        Opportunity.objects.published()
        .filter(host_state__name="Türkiye")
        .select_related("host_state")
        .order_by("title")
        .distinct()
    )

    assert pks(fulltext_search(queryset, "fish")) == [mine.pk]
    assert fulltext_search(Opportunity.objects.none(), "fish") == []


def test_migrate_recreates_missing_tables_so_saving_never_fails(secretariat, turkey):
    from d8coop.fulltext.signals import create_missing_tables  # connected to post_migrate

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE fulltext_opportunity")

    create_missing_tables(sender=None, using="default")
    opportunity = make_opportunity(secretariat, turkey, title="Paper mill")

    assert pks(fulltext_search(Opportunity.objects.all(), "paper")) == [opportunity.pk]


def test_the_migration_indexes_the_rows_that_already_exist(secretariat, turkey):
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    # Given rows saved before the index existed
    opportunity = make_opportunity(secretariat, turkey, title="Shipyard expansion")
    profile = make_profile(secretariat, turkey, name="Marmara Marine")
    Product.objects.create(profile=profile, hs_code="890190", description="Tugboats")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM fulltext_opportunity")
        cursor.execute("DELETE FROM fulltext_smeprofile")
    assert fulltext_search(Opportunity.objects.all(), "shipyard") == []

    # When the migration runs, with the models as they were then
    migration = import_module("d8coop.fulltext.migrations.0001_search_index")
    state = MigrationLoader(connection).project_state(("fulltext", "0001_search_index"))
    # (It reads only the editor's connection; SQLite refuses a real editor inside the test's
    # transaction.)
    migration.create_and_fill(state.apps, SimpleNamespace(connection=connection))

    # Then they are found
    assert pks(fulltext_search(Opportunity.objects.all(), "shipyard")) == [opportunity.pk]
    assert pks(fulltext_search(SmeProfile.objects.all(), "tugboats")) == [profile.pk]


def test_a_search_takes_three_queries_whatever_the_number_of_hits(
    secretariat, turkey, django_assert_num_queries
):
    for number in range(12):
        profile = make_profile(secretariat, turkey, name=f"Dairy {number}")
        Product.objects.create(profile=profile, hs_code="040690", description="Dairy cheese")

    # The ranks of every match, the caller's rows among them, the excerpts of those shown.
    with django_assert_num_queries(3):
        hits = fulltext_search(SmeProfile.objects.public(), "dairy")

    assert len(hits) == 12
    assert all("<mark>" in hit.snippets["products"] for hit in hits)
