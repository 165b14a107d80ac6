"""The public portal, driven in Chromium as a visitor would use it (see conftest.py)."""

import os
from pathlib import Path
from urllib.parse import urljoin

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # a dev dependency; CI (D8COOP_REQUIRE_BROWSER=1) must not skip silently
    if os.environ.get("D8COOP_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright for Python is not installed", allow_module_level=True)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"moderate", "serious", "critical"}

TASK_FORCE = "/bodies/tf-smes/"
MEETING = "/meetings/imm-4-tehran-2015/"

# One page of each type the portal serves.
PAGES = {
    "home": "/",
    "task-forces": "/bodies/",
    "task-force": TASK_FORCE,
    "task-force-activities": "/bodies/tf-smes/activities/",
    "task-force-contacts": "/bodies/tf-smes/contacts/",
    "task-force-news": "/bodies/tf-smes/news/",
    "meetings": "/meetings/",
    "meeting": MEETING,
    "documents": "/documents/",
    "document": "/documents/mou-d8-eco-2011/",
    "member-states": "/members/",
    "member-state": "/members/tr/",
    "news": "/news/",
    "news-item": "/news/azerbaijan-joins-2025/",
    "contacts": "/contacts/",
    "contact": "/contacts/sme-tf-id/",
    "actions": "/actions/",
    "search": "/search/?q=tehran",
    "sources": "/sources/",
    "sign-in": "/accounts/sign-in/",
    "password-reset": "/accounts/password-reset/",
}


def open_page(page, path):
    response = page.goto(path)
    assert response is not None, f"GET {path} got no response"
    assert response.ok, f"GET {path} answered {response.status}"
    return response


def switch_language(page, code):
    """Use the header's language switcher, as a visitor would."""
    page.locator("#language").select_option(code)
    with page.expect_navigation():
        page.locator(".language-switcher [type=submit]").click()


def blocking_axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    return [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(violations):
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        targets = ["; ".join(map(str, node["target"])) for node in nodes[:3]]
        summary = " ".join((nodes[0].get("failureSummary") or "").split()) if nodes else ""
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {len(nodes)} node(s), e.g. {' | '.join(targets)}\n"
            f"    first: {summary[:300]}"
        )
    return "\n".join(lines)


def assert_passes_axe(page):
    violations = blocking_axe_violations(page)
    assert not violations, (
        f"axe found moderate, serious or critical violations on {page.url}:\n"
        + describe_violations(violations)
    )


def test_pages_load_their_stylesheets_and_scripts(page, loaded_portal):
    """Bootstrap (CSS and JS), htmx and the portal's CSS are all served, in LTR and RTL."""
    failures, loaded = [], []

    def record(response):
        if not response.url.endswith("/favicon.ico"):  # Chromium asks for it; none is served
            (failures if response.status >= 400 else loaded).append(response.url)

    page.on("response", record)
    open_page(page, "/")
    switch_language(page, "ar")
    page.wait_for_load_state("load")
    assert not failures, "these assets did not load:\n" + "\n".join(failures)
    for asset in (
        "bootstrap.min.css",
        "bootstrap.rtl.min.css",
        "bootstrap.bundle.min.js",
        "htmx.min.js",
        "portal.css",
    ):
        assert any(url.endswith("/" + asset) for url in loaded), f"{asset} was not requested"
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("typeof bootstrap") == "object"


def test_visitor_opens_a_task_force_and_switches_its_four_tabs(page, live_server, loaded_portal):
    open_page(page, "/")
    task_forces = page.get_by_role("region", name="Task forces")
    task_forces.get_by_role("link", name="Small and Medium Enterprises").click()
    expect(page).to_have_url(live_server.url + TASK_FORCE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Task Force on Small and Medium Enterprises (SMEs)"
    )

    tabs = page.get_by_role("navigation", name="Sections of this page")
    panel = page.locator("#tab-panel")
    expect(tabs.get_by_role("link", name="Achievements")).to_have_attribute("aria-current", "page")
    expect(
        panel.get_by_role("link", name="5th D-8 SMEs Governmental Bodies Meeting")
    ).to_be_visible()
    page.wait_for_function("() => typeof htmx === 'object'")
    page.evaluate("() => { window.__marker = 1; }")

    def switch_to(name, key):
        tabs.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}{TASK_FORCE}{key}/")
        expect(tabs.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(tabs.locator("[aria-current=page]")).to_have_count(1)
        expect(panel.get_by_role("heading", level=2)).to_have_text(name)
        assert page.evaluate("() => window.__marker") == 1, f"{name}: the page was reloaded"

    switch_to("Current Activities", "activities")
    workshop = panel.get_by_role("listitem").filter(has_text="Hold an SME Financing Model Workshop")
    expect(workshop).to_be_visible()
    expect(workshop).to_contain_text("in the second half of 2015")

    switch_to("Contacts", "contacts")
    card = panel.locator(".contact-card").filter(has_text="Selma Tezyetis")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="+90 312 595 26 48")).to_be_visible()

    switch_to("News/Events", "news")
    expect(
        panel.get_by_role("link", name="1st D-8 SMEs Governmental Bodies Meeting")
    ).to_be_visible()

    switch_to("Achievements", "achievements")
    expect(
        panel.get_by_role("link", name="5th D-8 SMEs Governmental Bodies Meeting")
    ).to_be_visible()


def test_visitor_follows_a_meeting_and_finds_its_calendar_link(page, live_server, loaded_portal):
    open_page(page, TASK_FORCE)
    page.locator("#tab-panel").get_by_role(
        "link", name="4th D-8 Ministerial Meeting on Industry"
    ).first.click()
    expect(page).to_have_url(live_server.url + MEETING)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "4th D-8 Ministerial Meeting on Industry"
    )

    calendars = page.locator('head link[rel="alternate"][type="text/calendar"]').all()
    hrefs = [
        link.get_attribute("href")
        for link in calendars
        if "4th D-8 Ministerial Meeting on Industry" in (link.get_attribute("title") or "")
    ]
    assert len(hrefs) == 1, "the meeting page should offer its own iCalendar link"
    href = urljoin(page.url, hrefs[0])
    assert href == live_server.url + MEETING + "event.ics"
    response = page.request.get(href)
    assert response.ok, f"GET {href} answered {response.status}"
    assert response.headers["content-type"].startswith("text/calendar")
    ics = response.text().replace("\r\n ", "").replace("\r\n\t", "")
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:4th D-8 Ministerial Meeting on Industry" in ics


def test_switching_to_arabic_lays_the_page_out_right_to_left(page, loaded_portal):
    open_page(page, TASK_FORCE)
    page.get_by_label("Language").select_option(label="العربية")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()

    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert page.url.endswith(TASK_FORCE), "the switcher should come back to the same page"
    rtl_sheet_rules = page.evaluate(
        """() => {
            const link = document.querySelector('link[href$="bootstrap.rtl.min.css"]');
            return link && link.sheet ? link.sheet.cssRules.length : 0;
        }"""
    )
    assert rtl_sheet_rules > 0, "bootstrap.rtl.min.css is not loaded"
    assert page.locator('link[href$="bootstrap.min.css"]').count() == 0

    brand = page.locator(".navbar-brand").bounding_box()
    width = page.viewport_size["width"]
    assert brand["x"] >= width / 2, f"the brand link is not on the right: {brand}"
    assert brand["x"] + brand["width"] <= width


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_every_page_type_passes_axe_on_a_phone(phone_page, loaded_portal, path):
    open_page(phone_page, path)
    assert_passes_axe(phone_page)


@pytest.mark.parametrize(
    "path", [PAGES["home"], TASK_FORCE, MEETING], ids=["home", "task-force", "meeting"]
)
def test_pages_pass_axe_in_arabic(page, loaded_portal, path):
    open_page(page, path)
    switch_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert page.url.endswith(path)
    assert_passes_axe(page)


def test_phone_menu_opens_and_reaches_the_events_page(phone_page, live_server, loaded_portal):
    open_page(phone_page, "/")
    nav = phone_page.get_by_role("navigation", name="Main")
    events = nav.get_by_role("link", name="Events", exact=True)
    toggler = nav.get_by_role("button", name="Show the menu")
    expect(events).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    events.click()

    expect(phone_page).to_have_url(live_server.url + "/meetings/")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Events calendar")


@pytest.mark.parametrize("path", [PAGES["home"], TASK_FORCE], ids=["home", "task-force"])
def test_no_horizontal_scroll_on_a_phone(phone_page, loaded_portal, path):
    open_page(phone_page, path)
    scroll_width, inner_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1, (
        f"{path} is {scroll_width}px wide on a {inner_width}px phone: "
        + str(
            phone_page.evaluate(
                """(max) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > max + 1)
                    .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""",
                inner_width,
            )
        )
    )


def test_a_member_signs_in_from_the_header_and_creates_an_api_token(
    phone_page, live_server, loaded_portal, django_user_model
):
    # Given a member with an account
    django_user_model.objects.create_user(email="amina@smedan.example", password="a-long-pass-42")
    # When she follows "Sign in" from the home page on her phone and signs in
    open_page(phone_page, "/")
    phone_page.get_by_role("button", name="Show the menu").click()
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="Sign in").click()
    assert_passes_axe(phone_page)
    phone_page.get_by_label("E-mail address").fill("amina@smedan.example")
    phone_page.get_by_label("Password").fill("a-long-pass-42")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Sign in").click()
    # Then she is back on the home page, signed in, and can create her API token
    assert phone_page.url == live_server.url + "/"
    open_page(phone_page, "/accounts/tokens/")
    assert_passes_axe(phone_page)
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Create a token").click()
    # And sees the new key once, to copy
    assert len(phone_page.locator("#new-token").input_value()) == 40
    assert_passes_axe(phone_page)
