"""Public pages: what the public and members see, feeds, languages, and query counts."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from d8coop.cooperation.models import ActionItem, Body, Meeting
from d8coop.core.models import Source, Visibility
from d8coop.members.models import ContactNumber, MemberState, Person, Position

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/members/", "/members/tr/", "/bodies/", "/bodies/tf-smes/",
    "/bodies/tf-smes/activities/", "/bodies/tf-smes/contacts/", "/bodies/tf-smes/news/",
    "/meetings/", "/meetings/imm-4-tehran-2015/", "/documents/",
    "/documents/mou-d8-eco-2011/", "/actions/", "/actions/?show=overdue", "/news/",
    "/news/azerbaijan-joins-2025/", "/contacts/", "/contacts/sme-tf-id/", "/search/?q=tehran",
    "/sources/",
]  # fmt: skip


@pytest.fixture
def secret_contact(reference_data):
    """A members-only focal point, and a members-only mobile on a public position."""
    source = Source.objects.get(key="seed")
    state = MemberState.objects.get(code="NG")
    position = Position.objects.create(
        slug="sme-tf-ng-private", role="Confidential focal point of Nigeria", title="Director",
        member_state=state, visibility=Visibility.MEMBERS, email="hidden@smedan.example",
        source=source,
    )  # fmt: skip
    position.bodies.add(Body.objects.get(slug="tf-smes"))
    ContactNumber.objects.create(
        position=position, kind="phone", number="+234 9 000 0001", visibility="members"
    )
    ContactNumber.objects.create(
        position=Position.objects.get(slug="sme-tf-tr-public"), kind="mobile",
        number="+90 555 000 0002", visibility="members",
    )  # fmt: skip
    return position


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_answers_the_anonymous_visitor(client, reference_data, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b'<html lang="en" dir="ltr">' in response.content


MEMBERS_ONLY_PAGES = ["/contacts/", "/bodies/tf-smes/contacts/", "/members/ng/",
                      "/search/?q=Confidential", "/members/tr/"]  # fmt: skip


@pytest.mark.parametrize("path", MEMBERS_ONLY_PAGES)
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_public_never_sees_members_only_contacts(client, secret_contact, outsider, who, path):
    if who == "outsider":
        client.force_login(outsider)
    content = client.get(path).content.decode()
    assert "Confidential focal point" not in content
    assert "+234 9 000 0001" not in content
    assert "+90 555 000 0002" not in content
    assert "hidden@smedan.example" not in content


@pytest.mark.parametrize("path", ["/contacts/sme-tf-ng-private/",
                                  "/contacts/sme-tf-ng-private/vcard.vcf"])  # fmt: skip
def test_a_members_only_contact_is_not_found_by_the_public(client, secret_contact, path):
    assert client.get(path).status_code == 404


def test_a_member_sees_members_only_contacts_and_numbers(client, secret_contact, member_user):
    client.force_login(member_user)
    content = client.get("/bodies/tf-smes/contacts/").content.decode()
    assert "Confidential focal point of Nigeria" in content
    assert "+234 9 000 0001" in content
    assert "+90 555 000 0002" in content
    assert client.get("/contacts/sme-tf-ng-private/vcard.vcf").status_code == 200


def test_vcard_export_carries_every_visible_number(client, reference_data):
    response = client.get("/contacts/sme-tf-id/vcard.vcf")
    card = response.content.decode()
    assert response["Content-Type"].startswith("text/vcard")
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "TEL;TYPE=WORK,VOICE:+62 21 525 5509 ext. 2523\\, 4075" in card
    assert "TEL;TYPE=WORK,FAX:+6221 5253782" in card
    assert card.endswith("END:VCARD\r\n")


def test_an_unknown_tab_is_not_found(client, reference_data):
    assert client.get("/bodies/tf-smes/finances/").status_code == 404


def test_a_tab_requested_by_htmx_returns_only_the_tabs(client, reference_data):
    response = client.get("/bodies/tf-smes/contacts/", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="body-tabs">')
    assert "<html" not in content
    assert "Selma Tezyetis" in content


def test_the_calendar_feed_is_valid_icalendar_with_every_dated_meeting(client, reference_data):
    response = client.get("/meetings/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == Meeting.objects.exclude(period_earliest=None).count()
    bali = next(e for e in events if "4th Meeting of the D-8 Working" in str(e["SUMMARY"]))
    # All-day events end the day after the last day (RFC 5545: DTEND is exclusive).
    assert bali.decoded("DTSTART").isoformat() == "2008-11-10"
    assert bali.decoded("DTEND").isoformat() == "2008-11-13"
    assert str(bali["LOCATION"]) == "Bali, Indonesia"
    assert all("DTSTAMP" in e for e in events)
    assert str(bali["UID"]) == "wgic-4-bali-2008@d8coop.local"
    assert len({str(e["UID"]) for e in events}) == len(events)
    # Content lines are folded at 75 octets (RFC 5545, 3.1).
    assert max(len(line) for line in response.content.split(b"\r\n")) <= 75


def test_event_pages_link_their_calendar(client, reference_data):
    content = client.get("/meetings/imm-4-tehran-2015/").content.decode()
    assert (
        '<link rel="alternate" type="text/calendar" title="4th D-8 Ministerial Meeting on '
        'Industry (iCalendar)" href="/meetings/imm-4-tehran-2015/event.ics">'
    ) in content
    single = Calendar.from_ical(client.get("/meetings/imm-4-tehran-2015/event.ics").content)
    assert [str(e["SUMMARY"]) for e in single.walk("VEVENT")] == [
        "4th D-8 Ministerial Meeting on Industry"
    ]


def test_the_news_feed_is_atom_with_every_news_item(client, reference_data):
    response = client.get("/news/feed.atom")
    root = ET.fromstring(response.content)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    titles = [entry.find("atom:title", ns).text for entry in root.findall("atom:entry", ns)]
    assert "Azerbaijan becomes the ninth member of D-8" in titles
    assert len(titles) == 9
    home = client.get("/").content.decode()
    assert 'type="application/atom+xml"' in home and 'href="/news/feed.atom"' in home


def test_the_sitemap_lists_bodies_meetings_and_documents(client, reference_data):
    content = client.get("/sitemap.xml").content.decode()
    assert "/bodies/tf-smes/" in content
    assert "/meetings/smes-gb-5-abuja-2014/" in content
    assert "/documents/dhaka-declaration-2012/" in content


def test_the_language_switcher_offers_the_nine_languages(client, reference_data):
    content = client.get("/").content.decode()
    for name in ["English", "Türkçe", "Bahasa Indonesia", "Bahasa Melayu", "فارسی", "العربية",
                 "اردو", "বাংলা", "Azərbaycanca"]:  # fmt: skip
        assert f">{name}</option>" in content


@pytest.mark.parametrize("language", ["ar", "fa", "ur"])
def test_right_to_left_languages_use_the_rtl_layout(client, reference_data, language):
    response = client.get("/language/", {"language": language, "next": "/bodies/tf-smes/"})
    assert response.status_code == 302 and response["Location"] == "/bodies/tf-smes/"
    content = client.get("/bodies/tf-smes/").content.decode()
    assert f'<html lang="{language}" dir="rtl">' in content
    assert "bootstrap.rtl.min.css" in content


def test_left_to_right_languages_keep_the_ltr_layout(client, reference_data):
    client.get("/language/", {"language": "tr", "next": "/"})
    content = client.get("/").content.decode()
    assert '<html lang="tr" dir="ltr">' in content
    assert "bootstrap.min.css" in content and "bootstrap.rtl.min.css" not in content


def test_search_finds_meetings_and_outcomes_by_every_word(client, reference_data):
    content = client.get("/search/", {"q": "Abuja governmental"}).content.decode()
    assert "5th D-8 SMEs Governmental Bodies Meeting" in content
    assert "1st D-8 SMEs Governmental Bodies Meeting" not in content  # Tehran, not Abuja


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _add_volume(n: int) -> None:
    """n more meetings, contacts and action items on the SME task force."""
    source = Source.objects.get(key="seed")
    body = Body.objects.get(slug="tf-smes")
    state = MemberState.objects.get(code="TR")
    start = Meeting.objects.count()
    for i in range(start, start + n):
        meeting = Meeting.objects.create(
            slug=f"extra-{i}", title=f"Extra meeting {i}", body=body, status="held",
            country=state, period_text="4 October 2011", period_earliest="2011-10-04",
            period_latest="2011-10-04", source=source,
        )  # fmt: skip
        outcome = meeting.outcomes.create(kind="decision", text=f"Decision {i}", source=source)
        item = outcome.action_items.create(
            body=body, title=f"Action {i}", status="planned", source=source
        )
        item.responsible_states.add(state)
        position = Position.objects.create(
            slug=f"extra-{i}", role=f"Focal point {i}", member_state=state,
            visibility="public", source=source,
        )  # fmt: skip
        position.bodies.add(body)
        position.numbers.create(kind="phone", number=f"+90 {i}", visibility="public")


LIST_PAGES = ["/", "/bodies/", "/bodies/tf-smes/", "/bodies/tf-smes/activities/",
              "/bodies/tf-smes/contacts/", "/bodies/tf-smes/news/", "/meetings/",
              "/documents/", "/actions/?show=all", "/contacts/", "/members/",
              "/members/tr/"]  # fmt: skip


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_do_not_grow_queries_with_rows(client, reference_data, path):
    # Both volumes overflow the tabs' excerpts (15 rows), which then also count their rows.
    _add_volume(16)
    few = _queries(client, path)
    _add_volume(32)
    many = _queries(client, path)
    assert many == few, f"{path}: {few} queries with few rows, {many} with more"


def test_every_stylesheet_and_script_a_page_uses_is_served(client, reference_data):
    for language in ["en", "ar"]:
        client.cookies["django_language"] = language
        content = client.get("/").content.decode()
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', content)
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
        for asset in assets:
            response = client.get(asset)
            assert response.status_code == 200, asset
            b"".join(response.streaming_content)


def test_a_long_tab_shows_the_latest_rows_and_links_to_all_of_them(client, reference_data):
    _add_volume(20)
    content = client.get("/bodies/tf-smes/").content.decode()
    held = Meeting.objects.filter(
        body__slug__in=["tf-smes", "smes-governmental-bodies"], status="held"
    ).count()
    assert content.count('class="mb-3 border-start border-3 ps-3"') == 15
    assert f"See all {held}" in content
    assert 'href="/meetings/?body=tf-smes&amp;status=held"' in content

    listing = client.get("/meetings/", {"body": "tf-smes", "status": "held"}).content.decode()
    past = listing.split('id="past-title"')[1]
    assert past.count('class="list-group-item"') == held


def test_a_page_number_out_of_range_shows_the_last_page(client, reference_data):
    response = client.get("/actions/", {"show": "all", "page": "9999"})
    assert response.status_code == 200
    assert "Forward views and comments" in response.content.decode()


def test_long_lists_are_split_into_pages(client, reference_data):
    _add_volume(60)
    first = client.get("/actions/", {"show": "all"}).content.decode()
    second = client.get("/actions/", {"show": "all", "page": 2}).content.decode()
    total = ActionItem.objects.count()
    assert first.count('class="list-group-item"') == 50
    assert second.count('class="list-group-item"') == total - 50
    assert "Page 1 of 2" in first and 'rel="next"' in first


def test_a_public_page_is_served_from_the_cache_until_the_registry_changes(
    client, reference_data, page_cache, django_capture_on_commit_callbacks
):
    # Given a page an anonymous visitor has seen once
    assert _queries(client, "/bodies/tf-smes/") > 0
    # When another visitor asks for it, it comes from the cache without a query
    assert _queries(client, "/bodies/tf-smes/") == 0
    # Then a change to the registry shows at once
    body = Body.objects.get(slug="tf-smes")
    body.description = "A new description of the task force."
    with django_capture_on_commit_callbacks(execute=True):
        body.save()
    assert "A new description of the task force." in client.get("/bodies/tf-smes/").content.decode()


def test_a_member_never_gets_the_public_copy_of_a_page(
    client, secret_contact, member_user, page_cache
):
    client.get("/bodies/tf-smes/contacts/")  # the public copy, now cached
    client.force_login(member_user)
    assert "Confidential focal point" in client.get("/bodies/tf-smes/contacts/").content.decode()


def test_each_language_has_its_own_cached_copy(client, reference_data, page_cache):
    client.get("/")
    client.cookies["django_language"] = "ar"
    assert 'dir="rtl"' in client.get("/").content.decode()


def test_the_language_switcher_refuses_an_unknown_language_and_foreign_targets(client, db):
    response = client.get("/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "django_language" not in response.cookies
    response = client.get("/language/", {"language": "ms", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_public_pages_carry_no_csrf_token_so_they_can_be_shared_from_the_cache(
    client, reference_data
):
    for path in ["/", "/bodies/tf-smes/", "/meetings/", "/search/?q=abuja"]:
        response = client.get(path)
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert "csrftoken" not in response.cookies


def test_a_successor_is_shown_as_the_holder_and_the_predecessor_in_the_history(
    client, reference_data
):
    # Given Türkiye's public-sector focal point changed hands in 2024
    position = Position.objects.get(slug="sme-tf-tr-public")
    first = position.holdings.get()
    first.ended_on = "2023-12-31"
    first.save()
    successor = Person.objects.create(name="Ayşe Yılmaz", source=first.source)
    position.holdings.create(person=successor, started_on="2024-01-01", source=first.source)
    # Then the task force's contacts show the successor only
    contacts = client.get("/bodies/tf-smes/contacts/").content.decode()
    assert "Ayşe Yılmaz" in contacts and "Selma Tezyetis" not in contacts
    # And the position's page keeps both, with their dates
    detail = client.get("/contacts/sme-tf-tr-public/").content.decode()
    assert "Ayşe Yılmaz" in detail and "Selma Tezyetis" in detail


def test_english_records_are_marked_as_english_inside_an_arabic_page(client, reference_data):
    client.cookies["django_language"] = "ar"
    content = client.get("/meetings/smes-gb-5-abuja-2014/").content.decode()
    assert '<h1 lang="en" dir="auto">5th D-8 SMEs Governmental Bodies Meeting</h1>' in content


def test_a_page_a_member_saw_is_never_served_to_the_public(
    client, secret_contact, member_user, page_cache
):
    client.force_login(member_user)
    assert "Confidential focal point" in client.get("/bodies/tf-smes/contacts/").content.decode()
    client.logout()
    assert (
        "Confidential focal point" not in client.get("/bodies/tf-smes/contacts/").content.decode()
    )


def test_a_contact_made_members_only_leaves_the_public_page_at_once(
    client, reference_data, page_cache, django_capture_on_commit_callbacks
):
    assert "Abdullah Cortu" in client.get("/bodies/tf-smes/contacts/").content.decode()
    position = Position.objects.get(slug="sme-tf-tr-private")
    position.visibility = Visibility.MEMBERS
    with django_capture_on_commit_callbacks(execute=True):
        position.save()
    assert "Abdullah Cortu" not in client.get("/bodies/tf-smes/contacts/").content.decode()


def test_htmx_restoring_history_gets_the_whole_page_not_the_fragment(
    client, reference_data, page_cache
):
    fragment = client.get("/bodies/tf-smes/contacts/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    restored = client.get(
        "/bodies/tf-smes/contacts/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restored.content.decode()


def test_upcoming_lists_meetings_still_to_happen_and_recent_lists_held_ones(client, reference_data):
    # Given a meeting planned for next month, one held this month and one planned long ago
    source = Source.objects.get(key="seed")
    body = Body.objects.get(slug="tf-smes")
    today = timezone.localdate()
    for slug, status, text in [
        ("next-month", "planned", f"{(today + timedelta(days=40)):%B %Y}"),
        ("this-month", "held", f"{today:%B %Y}"),
        ("long-ago", "planned", "2016"),
    ]:
        meeting = Meeting(slug=slug, title=f"Meeting {slug}", body=body, status=status,
                          period_text=text, source=source)  # fmt: skip
        meeting.full_clean()
        meeting.save()
    home = client.get("/").content.decode()
    upcoming = home.split('id="upcoming-title"')[1].split('id="recent-title"')[0]
    recent = home.split('id="recent-title"')[1]
    assert "Meeting next-month" in upcoming
    assert "Meeting this-month" not in upcoming and "Meeting this-month" in recent
    assert "Meeting long-ago" not in upcoming and "Meeting long-ago" not in recent
    activities = client.get("/bodies/tf-smes/activities/").content.decode()
    assert "Meeting next-month" in activities and "Meeting long-ago" not in activities


def test_calendar_ids_do_not_depend_on_the_host(client, reference_data):
    one = Calendar.from_ical(client.get("/meetings/calendar.ics", HTTP_HOST="localhost").content)
    two = Calendar.from_ical(client.get("/meetings/calendar.ics", HTTP_HOST="127.0.0.1").content)
    assert [str(e["UID"]) for e in one.walk("VEVENT")] == [
        str(e["UID"]) for e in two.walk("VEVENT")
    ]


def test_a_meeting_known_only_by_its_quarter_is_tentative_and_free_in_calendars(
    client, reference_data
):
    meeting = Meeting(
        slug="spx-training", title="SPX training", body=Body.objects.get(slug="tf-smes"),
        status="planned", period_text="third quarter of 2030",
        source=Source.objects.get(key="seed"),
    )  # fmt: skip
    meeting.full_clean()
    meeting.save()
    event = Calendar.from_ical(client.get("/meetings/spx-training/event.ics").content).walk(
        "VEVENT"
    )[0]
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "third quarter of 2030" in str(event["DESCRIPTION"])


def test_an_undated_meeting_has_no_calendar_file(client, reference_data):
    Meeting.objects.filter(slug="imm-6-abuja-2017").update(
        period_text="", period_earliest=None, period_latest=None
    )
    assert client.get("/meetings/imm-6-abuja-2017/event.ics").status_code == 404


def test_the_news_feed_names_its_author_and_keeps_stable_ids(client, reference_data):
    root = ET.fromstring(client.get("/news/feed.atom", HTTP_HOST="localhost").content)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    assert (
        root.find("atom:author/atom:name", ns).text == "D-8 Organization for Economic Cooperation"
    )
    ids = [entry.find("atom:id", ns).text for entry in root.findall("atom:entry", ns)]
    assert "tag:d8coop.local,2026:news/azerbaijan-joins-2025" in ids


def test_vcard_lines_are_folded_and_values_escaped(client, reference_data):
    card = client.get("/contacts/sme-tf-eg/vcard.vcf").content.decode()
    physical = card.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    unfolded = card.replace("\r\n ", "")
    assert (
        "TITLE:Head of Central Department of Investment Policies and International Agreement"
        in unfolded
    )
    malaysia = client.get("/contacts/sme-tf-my/vcard.vcf").content.decode().replace("\r\n ", "")
    assert "ADR;TYPE=WORK:;;Aras 20\\, West Wing Menara Matrade\\nJalan Khidmat" in malaysia


def test_a_visitor_reaches_every_part_of_the_exchange_from_the_home_page(client, reference_data):
    import re

    home = client.get("/").content.decode()
    links = set(re.findall(r'href="(/[^"]*)"', home))
    expected = {"/opportunities/", "/opportunities/feed/", "/directory/", "/participation/",
                "/investors/register/", "/investors/outcomes/"}  # fmt: skip
    assert expected <= links
    for path in sorted(expected):
        assert client.get(path).status_code == 200, path
