"""Benchmark the task-force page under 20 years of synthetic activity.

    .venv/bin/python scripts/bench_task_force_page.py        # or: make bench

What it does (see docs/benchmarks.md):

1. builds a throwaway SQLite database in a temporary directory: ``migrate``, the shipped
   reference data, then a deterministic synthetic volume (``random.Random(42)``, bulk_create):
   ~600 meetings, ~4,000 action items, ~3,000 contacts with holdings and 2 numbers each,
   documents, outcomes and news, over 20 bodies; the task force under test (``tf-smes``)
   holds 60 meetings, 400 action items and 300 contacts of its own;
2. renders the page in-process once with the Django test client to check it (status 200,
   the task force's name in the HTML), count its queries and time them;
3. serves the project with gunicorn (2 sync workers, 127.0.0.1, a free port) through
   ``scripts/bench_minimal_app.py``, which adds a minimal ``HttpResponse("ok")`` view to the
   project's own URLconf, so both URLs go through the same process, settings and middleware;
4. loads both URLs with the same concurrency for a fixed duration each, in the order
   page, minimal, minimal, page (after a warm-up), with ``wrk`` if installed, otherwise a
   Python client (threads, ``http.client``), and prints requests/s, latency p50/p95 and the
   ratio page/minimal (the target, reported and not asserted, is 0.5 or more);
5. shows where the page's time goes, in-process and in CPU time (immune to other load on
   the machine): request and view, evaluating the querysets (SQL, model instances,
   prefetching), rendering the templates; prices a few fixes by patching the selectors in
   this process only (no file is changed); ``--pyinstrument`` adds a pyinstrument tree.

Nothing outside the temporary directory is touched; gunicorn is stopped on exit, on Ctrl-C
and on errors.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SCRIPTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SCRIPTS_DIR.parent
TASK_FORCE = "tf-smes"
PAGE_PATH = f"/bodies/{TASK_FORCE}/"
SMALL_BODY = "tf-pharmaceuticals"  # a body with less data: same query count means no N+1
SMALL_PATH = f"/bodies/{SMALL_BODY}/"
MINIMAL_PATH = "/__bench__/minimal"  # defined in bench_minimal_app.py
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SEED = 42
YEARS = range(2007, 2027)  # 20 years of activity
DATA_AS_OF = date(2026, 11, 1)  # statuses are as of this day, so the data never depends on when
# the script runs (the page's own "today", used for overdue badges, is the real one)

# Synthetic volume: totals over all bodies, and the share of the task force under test.
VOLUME = {
    "meetings": 600,
    "action_items": 4000,
    "positions": 3000,
    "documents": 300,
    "outcomes": 800,
    "news": 400,
}
TASK_FORCE_SHARE = {
    "meetings": 60,
    "action_items": 400,
    "positions": 300,
    "documents": 30,
    "outcomes": 80,
    "news": 40,
}
EXTRA_BODIES = [  # the reference data ships 17 bodies; these make 20
    ("tf-mining", "Task Force on Mining and Mineral Processing", "Mining"),
    ("tf-halal-industry", "Task Force on Halal Industry", "Halal industry"),
    ("tf-renewables", "Task Force on Renewable Energy Equipment", "Renewables"),
]
CITIES = {
    "AZ": ["Baku", "Ganja"],
    "BD": ["Dhaka", "Chittagong"],
    "EG": ["Cairo", "Alexandria"],
    "ID": ["Jakarta", "Bali", "Surabaya"],
    "IR": ["Tehran", "Isfahan", "Kish"],
    "MY": ["Kuala Lumpur", "Penang"],
    "NG": ["Abuja", "Lagos"],
    "PK": ["Islamabad", "Karachi", "Lahore"],
    "TR": ["Istanbul", "Ankara", "Izmir"],
}
# fmt: off
FIRST_NAMES = [
    "Ahmed", "Aisha", "Ali", "Amina", "Budi", "Chinedu", "Dewi", "Emre", "Farah", "Hassan",
    "Ifeoma", "Kamal", "Leyla", "Mehmet", "Nadia", "Nur", "Omar", "Rahim", "Reza", "Sara",
    "Siti", "Tariq", "Yusuf", "Zeynep",
]
LAST_NAMES = [
    "Abdullah", "Adeyemi", "Ahmadi", "Aliyev", "Chowdhury", "Demir", "El-Sayed", "Hakim",
    "Hossain", "Ibrahim", "Karimi", "Khan", "Lim", "Mansour", "Okafor", "Rahman", "Santoso",
    "Siddiqui", "Wibowo", "Yilmaz", "Zaman",
]
# fmt: on


# --------------------------------------------------------------------------- environment


def configure_environment(data_dir: Path) -> dict[str, str]:
    """The environment of both this process and gunicorn: a throwaway SQLite database."""
    env = {
        "D8COOP_DATA_DIR": str(data_dir),
        "D8COOP_ENV": "development",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "d8coop.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    # Never touch a real database, cache or a debug configuration from the caller's shell.
    for name in ("DEBUG", "DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    return env


# --------------------------------------------------------------------------- synthetic data


def _allocate(total: int, keys: list, rng: random.Random) -> dict:
    """Split ``total`` over ``keys`` with random weights (0.5..1.5), summing exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in keys]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(len(keys)), total - sum(counts)):
        counts[i] += 1
    return dict(zip(keys, counts, strict=True))


def _meeting_text(rng: random.Random, year: int) -> str:
    month = rng.randint(1, 12)
    days = rng.choice([1, 2, 2, 3, 3, 4])
    start = rng.randint(1, calendar.monthrange(year, month)[1] - days + 1)
    name = calendar.month_name[month]
    return f"{start} {name} {year}" if days == 1 else f"{start}-{start + days - 1} {name} {year}"


def _due_text(rng: random.Random, after: date) -> str:
    """A due period as the records write them, some time after the meeting."""
    later = after + timedelta(days=rng.randint(30, 720))
    year = later.year
    form = rng.randrange(9)
    if form == 0:
        return ""
    if form == 1:
        return f"{calendar.month_name[later.month]} {year}"
    if form == 2:
        return f"{'first' if later.month <= 6 else 'second'} half of {year}"
    if form == 3:
        return f"Q{(later.month - 1) // 3 + 1} {year}"
    if form == 4:
        return str(year)
    if form == 5:
        return rng.choice(["within six months", "within one (1) month", "within a year"])
    if form == 6:
        return f"{rng.choice(['early', 'mid', 'late'])} {year}"
    if form == 7:
        return f"{calendar.month_name[later.month]} {year} (to be confirmed)"
    return f"{later.day} {calendar.month_name[later.month]} {year}"


def _period(text: str, relative_to: date | None = None) -> dict:
    from d8coop.core.periods import parse_period

    if not text:
        return {
            "period_text": "",
            "period_earliest": None,
            "period_latest": None,
            "period_tentative": False,
        }
    p = parse_period(text, relative_to=relative_to)
    return {
        "period_text": p.text,
        "period_earliest": p.earliest,
        "period_latest": p.latest,
        "period_tentative": p.tentative,
    }


def build_volume() -> dict[str, int]:
    """Bulk-create the synthetic 20 years; returns what was created, by model."""
    from django.db import transaction

    from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome, Term
    from d8coop.core.models import Source, Visibility
    from d8coop.members.models import (
        ContactNumber,
        MemberState,
        Organization,
        Person,
        Position,
        PositionHolding,
    )
    from d8coop.portal.models import NewsItem

    rng = random.Random(SEED)
    created: dict[str, int] = {}
    sources = list(Source.objects.order_by("pk"))
    states = list(MemberState.objects.order_by("code"))

    def src() -> dict:
        return {"source": rng.choice(sources)}

    with transaction.atomic():
        wgic = Body.objects.get(slug="wgic")
        new_bodies = Body.objects.bulk_create(
            Body(
                slug=slug,
                name=name,
                short_name=short,
                kind=Body.Kind.TASK_FORCE,
                parent=wgic,
                established_text="c. 2018",
                **src(),
            )
            for slug, name, short in EXTRA_BODIES
        )
        created["bodies"] = len(new_bodies)
        Term.objects.bulk_create(
            Term(
                body=b,
                member_state=rng.choice(states),
                role=Term.Role.COORDINATOR,
                **_period("2018-2026"),
                **src(),
            )
            for b in new_bodies
        )
        created["terms"] = len(new_bodies)
        bodies = list(Body.objects.order_by("pk"))
        test_body = next(b for b in bodies if b.slug == TASK_FORCE)
        others = [b for b in bodies if b.pk != test_body.pk]

        def share(kind: str) -> dict:
            counts = _allocate(VOLUME[kind] - TASK_FORCE_SHARE[kind], others, rng)
            return {test_body: TASK_FORCE_SHARE[kind], **counts}

        # Organizations: a few per member state, hosts of meetings and employers of contacts.
        kinds = [
            Organization.Kind.MINISTRY,
            Organization.Kind.SME_AGENCY,
            Organization.Kind.CHAMBER,
            Organization.Kind.COMPANY,
            Organization.Kind.OTHER,
        ]
        orgs = Organization.objects.bulk_create(
            Organization(
                slug=f"bench-{s.code.lower()}-{k}",
                name=f"{s.name} {k.label} {i}",
                kind=k,
                member_state=s,
                **src(),
            )
            for s in states
            for i, k in enumerate(kinds, start=1)
        )
        created["organizations"] = len(orgs)
        orgs_of = {s.pk: [o for o in orgs if o.member_state_id == s.pk] for s in states}

        # Meetings: spread over 20 years; past ones mostly held, future ones planned.
        meetings: list[Meeting] = []
        for body, n in share("meetings").items():
            for i in range(n):
                year = YEARS[min(len(YEARS) - 1, i * len(YEARS) // max(n, 1))]
                period = _period(_meeting_text(rng, year))
                if period["period_latest"] < DATA_AS_OF:
                    status = rng.choices(["held", "cancelled", "postponed"], [88, 6, 6])[0]
                else:
                    status = rng.choice(["planned", "tbc"])
                country = rng.choice(states)
                meetings.append(
                    Meeting(
                        slug=f"bench-{body.slug}-{i + 1}",
                        title=f"{body.short_name or body.name} meeting {i + 1} ({year})",
                        body=body,
                        kind=rng.choices(
                            ["meeting", "workshop", "training", "conference"], [70, 15, 10, 5]
                        )[0],
                        city=rng.choice(CITIES.get(country.code, ["Capital"])),
                        country=country,
                        venue=rng.choice(["", "", "Ministry of Industry", "Convention Centre"]),
                        host=rng.choice(orgs_of[country.pk] + [None]),
                        status=status,
                        mode=rng.choices(["in_person", "online", "hybrid"], [80, 12, 8])[0],
                        summary="The meeting reviewed the work plan. " * rng.randint(0, 2),
                        **period,
                        **src(),
                    )
                )
        Meeting.objects.bulk_create(meetings)
        created["meetings"] = len(meetings)
        held_of: dict[int, list[Meeting]] = {}
        for m in meetings:
            if m.status == "held":
                held_of.setdefault(m.body_id, []).append(m)
        # One held meeting in ten is back to back with another body's meeting of its year.
        through = Meeting.back_to_back.through
        pairs = set()
        held = [m for m in meetings if m.status == "held"]
        for m in rng.sample(held, len(held) // 10):
            year = m.period_earliest.year
            partners = [
                x for x in held if x.period_earliest.year == year and x.body_id != m.body_id
            ]
            if partners:
                partner = rng.choice(partners)
                pairs |= {(m.pk, partner.pk), (partner.pk, m.pk)}
        through.objects.bulk_create(
            through(from_meeting_id=a, to_meeting_id=b) for a, b in sorted(pairs)
        )
        created["back-to-back links"] = len(pairs) // 2

        # Outcomes of held meetings, then action items on them.
        outcomes: list[Outcome] = []
        for body, n in share("outcomes").items():
            held_here = held_of.get(body.pk)
            if not held_here:
                continue
            order: dict[int, int] = {}
            for _ in range(n):
                m = rng.choice(held_here)
                order[m.pk] = order.get(m.pk, 0) + 1
                kind = rng.choices(["decision", "recommendation", "finding"], [60, 30, 10])[0]
                outcomes.append(
                    Outcome(
                        meeting=m,
                        body=body,
                        kind=kind,
                        order=order[m.pk],
                        text=f"The meeting agreed on point {order[m.pk]} of {m.title}.",
                        source=m.source,
                    )
                )
        Outcome.objects.bulk_create(outcomes)
        created["outcomes"] = len(outcomes)
        outcomes_of: dict[int, list[Outcome]] = {}
        for o in outcomes:
            outcomes_of.setdefault(o.body_id, []).append(o)

        items: list[ActionItem] = []
        item_states: list[list[int]] = []
        for body, n in share("action_items").items():
            if not outcomes_of.get(body.pk):
                continue
            for i in range(n):
                outcome = rng.choice(outcomes_of[body.pk])
                meeting = outcome.meeting
                period = _period(_due_text(rng, meeting.period_latest), meeting.period_latest)
                due = period["period_latest"]
                if due is not None and due >= DATA_AS_OF:
                    status = rng.choice(["planned", "in_progress"])
                else:
                    status = rng.choices(
                        [
                            "done",
                            "not_reported",
                            "in_progress",
                            "cancelled",
                            "superseded",
                            "planned",
                        ],
                        [45, 20, 10, 10, 5, 10],
                    )[0]
                everyone = rng.random() < 0.1
                items.append(
                    ActionItem(
                        outcome=outcome,
                        body=body,
                        status=status,
                        title=f"Action {i + 1} of {body.short_name or body.name}: "
                        f"prepare the report on {rng.choice(LAST_NAMES)} proposals",
                        all_member_states=everyone,
                        source=outcome.source,
                        **period,
                    )
                )
                chosen = states if everyone else rng.sample(states, rng.randint(1, 3))
                item_states.append([s.pk for s in chosen])
        ActionItem.objects.bulk_create(items)
        through = ActionItem.responsible_states.through
        links = [
            through(actionitem_id=item.pk, memberstate_id=pk)
            for item, pks in zip(items, item_states, strict=True)
            for pk in pks
        ]
        through.objects.bulk_create(links)
        created["action items"] = len(items)
        created["responsible-state links"] = len(links)

        # Documents, most adopted at a held meeting of their body.
        documents: list[Document] = []
        for body, n in share("documents").items():
            for i in range(n):
                held_here = held_of.get(body.pk)
                at = rng.choice(held_here) if held_here and rng.random() < 0.8 else None
                documents.append(
                    Document(
                        slug=f"bench-doc-{body.slug}-{i + 1}",
                        title=f"{rng.choice(Document.Kind.labels)} of "
                        f"{body.short_name or body.name} no. {i + 1}",
                        kind=rng.choice(Document.Kind.values),
                        body=body,
                        adopted_at=at,
                        adopted_on=at.period_earliest if at else date(rng.choice(YEARS), 6, 1),
                        **src(),
                    )
                )
        Document.objects.bulk_create(documents)
        created["documents"] = len(documents)

        # Contacts: positions with 1-2 holdings (the current holder and often a former one)
        # and 2 numbers each, half public.
        positions: list[Position] = []
        position_bodies: list[list[int]] = []
        for body, n in share("positions").items():
            for i in range(n):
                state = rng.choice(states)
                visibility = rng.choice([Visibility.PUBLIC, Visibility.MEMBERS])
                sector = rng.choice(["public", "private"])
                positions.append(
                    Position(
                        slug=f"bench-pos-{body.slug}-{i + 1}",
                        title=rng.choice(
                            ["", "Director General", "Head of Department", "Senior Expert"]
                        ),
                        role=f"{body.short_name or body.name} focal point of {state.name}, "
                        f"{sector} sector ({i + 1})",
                        organization=rng.choice(orgs_of[state.pk]),
                        member_state=state,
                        sector=sector,
                        address=f"{rng.randint(1, 200)} Main Street, "
                        f"{rng.choice(CITIES.get(state.code, ['Capital']))}",
                        email=f"focal{i + 1}@{body.slug}.{state.code.lower()}.example",
                        visibility=visibility,
                        **src(),
                    )
                )
                extra = [] if rng.random() > 0.15 else [rng.choice(others).pk]
                position_bodies.append(sorted({body.pk, *extra}))
        Position.objects.bulk_create(positions)
        through = Position.bodies.through
        links = [
            through(position_id=p.pk, body_id=b)
            for p, bs in zip(positions, position_bodies, strict=True)
            for b in bs
        ]
        through.objects.bulk_create(links)
        created["positions (contacts)"] = len(positions)
        created["position-body links"] = len(links)

        people: list[Person] = []
        holdings: list[PositionHolding] = []
        numbers: list[ContactNumber] = []
        for p in positions:
            terms = [(date(rng.choice(YEARS[10:]), rng.randint(1, 12), 1), None)]
            if rng.random() < 0.5:
                start = date(rng.choice(YEARS[:10]), rng.randint(1, 12), 1)
                terms.append((start, terms[0][0] - timedelta(days=1)))
            for started, ended in terms:
                person = Person(
                    honorific=rng.choice(["", "Mr.", "Ms.", "Dr.", "Prof."]),
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    source=p.source,
                )
                people.append(person)
                holdings.append(
                    PositionHolding(
                        position=p,
                        person=person,
                        started_on=started,
                        ended_on=ended,
                        source=p.source,
                    )
                )
            cc = rng.randint(20, 99)
            for order, kind in enumerate(["phone", rng.choice(["fax", "mobile"])], start=1):
                numbers.append(
                    ContactNumber(
                        position=p,
                        kind=kind,
                        order=order,
                        visibility=p.visibility,
                        number=f"+{cc} {rng.randint(10, 99)} {rng.randint(1000000, 9999999)}",
                        extension=rng.choice(["", "", str(rng.randint(100, 999))]),
                    )
                )
        Person.objects.bulk_create(people)
        for h in holdings:
            h.person_id = h.person.pk
        PositionHolding.objects.bulk_create(holdings)
        ContactNumber.objects.bulk_create(numbers)
        created["people"] = len(people)
        created["holdings"] = len(holdings)
        created["contact numbers"] = len(numbers)

        # News, linked to a body, some of its meetings and a few member states.
        news: list[NewsItem] = []
        news_links: list[tuple[int, list[int], list[int]]] = []
        meetings_of: dict[int, list[Meeting]] = {}
        for m in meetings:
            meetings_of.setdefault(m.body_id, []).append(m)
        for body, n in share("news").items():
            for i in range(n):
                day = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))
                news.append(
                    NewsItem(
                        slug=f"bench-news-{body.slug}-{i + 1}",
                        title=f"{body.short_name or body.name}: news {i + 1}",
                        summary="A short summary of the news.",
                        text="The text of the news item. " * 20,
                        published_on=min(day, DATA_AS_OF),
                        is_published=rng.random() < 0.95,
                        **src(),
                    )
                )
                linked = rng.sample(
                    meetings_of.get(body.pk, []),
                    min(rng.randint(0, 2), len(meetings_of.get(body.pk, []))),
                )
                news_links.append(
                    (
                        body.pk,
                        [m.pk for m in linked],
                        [s.pk for s in rng.sample(states, rng.randint(1, 3))],
                    )
                )
        NewsItem.objects.bulk_create(news)
        NewsItem.bodies.through.objects.bulk_create(
            NewsItem.bodies.through(newsitem_id=n.pk, body_id=b)
            for n, (b, _, _) in zip(news, news_links, strict=True)
        )
        NewsItem.meetings.through.objects.bulk_create(
            NewsItem.meetings.through(newsitem_id=n.pk, meeting_id=m)
            for n, (_, ms, _) in zip(news, news_links, strict=True)
            for m in ms
        )
        NewsItem.member_states.through.objects.bulk_create(
            NewsItem.member_states.through(newsitem_id=n.pk, memberstate_id=s)
            for n, (_, _, ss) in zip(news, news_links, strict=True)
            for s in ss
        )
        created["news items"] = len(news)
    return created


def database_totals() -> dict[str, int]:
    from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome
    from d8coop.members.models import ContactNumber, Position, PositionHolding
    from d8coop.portal.models import NewsItem

    models = [
        Body,
        Meeting,
        Outcome,
        ActionItem,
        Document,
        Position,
        PositionHolding,
        ContactNumber,
        NewsItem,
    ]
    return {str(m._meta.verbose_name_plural): m.objects.count() for m in models}


def task_force_totals() -> dict[str, int]:
    """What the page under test draws on (the task force and the bodies under it)."""
    from d8coop.cooperation import selectors
    from d8coop.cooperation.models import ActionItem, Body, Meeting
    from d8coop.members.models import Position

    body = Body.objects.get(slug=TASK_FORCE)
    ids = selectors.body_family_ids(body)
    return {
        "bodies in the family": len(ids),
        "meetings": Meeting.objects.filter(body_id__in=ids).count(),
        "held meetings (listed)": selectors.held_meetings(ids).count(),
        "documents (listed)": selectors.documents_of(ids).count(),
        "action items": ActionItem.objects.filter(body_id__in=ids).count(),
        "done action items (listed)": ActionItem.objects.filter(
            body_id__in=ids, status=ActionItem.Status.DONE
        ).count(),
        "contacts": Position.objects.filter(bodies__in=ids).distinct().count(),
    }


# --------------------------------------------------------------------------- in-process checks


@dataclass
class PageCheck:
    path: str
    status: int
    size: int
    queries: list[tuple[float, str]] = field(default_factory=list)  # (seconds, sql)
    instances: int = 0

    @property
    def sql_ms(self) -> float:
        return 1000 * sum(t for t, _ in self.queries)


def _client():
    from django.test import Client

    return Client(HTTP_HOST=HOST)  # ALLOWED_HOSTS is the real one, not the test runner's


def check_page(path: str, expected: str) -> PageCheck:
    """Render ``path`` once in-process: status, expected text, queries and their times.

    Queries are counted with ``CaptureQueriesContext`` and timed with ``perf_counter`` by an
    execute wrapper (Django's own timings are rounded to the millisecond on SQLite).
    """
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    client = _client()
    client.get(path)  # warm the template and URL caches; the next render is the one measured
    timed: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - t0, sql))

    instances = [0]

    def count(**_: object) -> None:
        instances[0] += 1

    post_init.connect(count, weak=False, dispatch_uid="bench-count")
    try:
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
            response = client.get(path)
    finally:
        post_init.disconnect(dispatch_uid="bench-count")
    html = response.content.decode()
    if response.status_code != 200 or expected not in html:
        raise SystemExit(
            f"{path}: status {response.status_code}, expected text {expected!r} "
            f"{'found' if expected in html else 'NOT found'}: refusing to benchmark an error page"
        )
    if len(ctx.captured_queries) != len(timed):
        raise SystemExit(f"query count mismatch: {len(ctx.captured_queries)} vs {len(timed)}")
    return PageCheck(path, response.status_code, len(response.content), timed, instances[0])


def cpu_per_render(path: str, n: int = 10, rounds: int = 3) -> float:
    """CPU ms of one in-process render, best of ``rounds`` x ``n``.

    CPU time rather than wall time: it does not count time lost to other processes.
    """
    client = _client()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(n):
            client.get(path)
        best = min(best, (time.process_time() - t0) / n)
    return 1000 * best


def connection_cost(n: int = 100) -> float:
    """CPU ms to open and close the database connection, as every request does (SQLite
    settings have no CONN_MAX_AGE, so it is 0: one connection per request)."""
    from django.db import connection

    connection.close()
    t0 = time.process_time()
    for _ in range(n):
        connection.ensure_connection()
        connection.close()
    return 1000 * (time.process_time() - t0) / n


@contextlib.contextmanager
def what_if(variant: str):
    """Patch the page's selectors in this process only (no file is changed) to price a fix."""
    from unittest import mock

    from django.db.models import Prefetch, QuerySet

    from d8coop.cooperation import selectors
    from d8coop.cooperation.models import ActionItem, Meeting, Outcome
    from d8coop.members.models import MemberState

    original = selectors.body_page

    def lean_held_meetings(ids):  # as selectors.held_meetings, without the unused "documents"
        outcomes = Outcome.objects.order_by("order")
        return (
            selectors.meetings_with_place()
            .filter(body_id__in=ids, status=Meeting.Status.HELD)
            .prefetch_related(Prefetch("outcomes", queryset=outcomes), "back_to_back")
        )

    def lean_action_items():  # as selectors.action_items, without the unused select_related
        states = MemberState.objects.order_by("name")
        return ActionItem.objects.prefetch_related(Prefetch("responsible_states", states))

    def capped(body, tab, user, today):  # every list of the tab cut to its first rows
        context = original(body, tab, user, today)
        return {
            key: value[: 10 if key == "held_meetings" else 20]
            if isinstance(value, QuerySet)
            else value
            for key, value in context.items()
        }

    def empty(body, tab, user, today):  # every list of the tab empty
        context = original(body, tab, user, today)
        return {k: [] if isinstance(v, QuerySet) else v for k, v in context.items()}

    patches = {
        "lean": [
            mock.patch.object(selectors, "held_meetings", lean_held_meetings),
            mock.patch.object(selectors, "action_items", lean_action_items),
        ],
        "capped": [mock.patch.object(selectors, "body_page", capped)],
        "empty": [mock.patch.object(selectors, "body_page", empty)],
    }[variant]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def split_orm_template(path: str, n: int = 10) -> tuple[float, float, float]:
    """CPU ms per request of (request and view up to ``render``, evaluating the context's
    querysets, rendering the template), best of 3 x ``n``.

    The view runs for real with ``render`` intercepted, so the context is exactly the one it
    builds; its querysets are lazy, so "evaluating" is the SQL plus the ORM's model building
    and prefetching, and the template is then rendered from the filled result caches.
    """
    from unittest import mock

    from django.db.models import QuerySet
    from django.http import HttpResponse
    from django.shortcuts import render

    from d8coop.portal import views

    client = _client()
    captured: dict = {}

    def capture(request, template_name, context):
        captured.update(request=request, template_name=template_name, context=context)
        return HttpResponse("")

    best = [float("inf")] * 3
    with mock.patch.object(views, "render", capture):
        client.get(path)
        for _ in range(3):
            spent = [0.0, 0.0, 0.0]
            for _ in range(n):
                t0 = time.process_time()
                client.get(path)
                t1 = time.process_time()
                for value in captured["context"].values():
                    if isinstance(value, QuerySet):
                        list(value)
                t2 = time.process_time()
                render(captured["request"], captured["template_name"], captured["context"])
                t3 = time.process_time()
                spent = [spent[0] + t1 - t0, spent[1] + t2 - t1, spent[2] + t3 - t2]
            best = [min(b, 1000 * x / n) for b, x in zip(best, spent, strict=True)]
    return best[0], best[1], best[2]


def pyinstrument_page(path: str, n: int) -> str | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    client = _client()
    client.get(path)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(n):
        client.get(path)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False)


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 serving bench_minimal_app:application, in its own process group."""

    def __init__(self, workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in [str(SCRIPTS_DIR), env.get("PYTHONPATH", "")] if p
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench_minimal_app:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: we stop exactly what we started
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see its log:\n{self.log()}")
            with contextlib.suppress(OSError):
                status, _ = fetch(self.port, MINIMAL_PATH)
                if status == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within 30 s; log:\n{self.log()}")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of the workers (children of our gunicorn), from /proc."""
        assert self.process is not None
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:  # fields[1] is the parent's pid
                    total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return total

    def drain(self, timeout: float = 15) -> None:
        """Wait until the workers are idle: requests still in flight when a run's client
        stopped would otherwise be served, and counted, during the next run."""
        deadline = time.monotonic() + timeout
        before = self.worker_cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.worker_cpu_seconds()
            if now - before < 0.015:  # ~1 clock tick: idle (the heartbeat is cheaper)
                return
            before = now

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)  # the group led by our gunicorn
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def fetch(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------- load generation


@dataclass
class Run:
    label: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    server_cpu_s: float = 0.0  # CPU used by the gunicorn workers during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests


WRK_SCRIPT = """
-- Every response is checked: status 200 and the expected text (the script's argument).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = args[1]; bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, expected, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local e, b = summary.errors, 0
  for _, thread in ipairs(threads) do b = b + thread:get("bad") end
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, b, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def run_wrk(
    port: int, path: str, label: str, seconds: int, concurrency: int, lua: Path, expected: str
) -> Run:
    """wrk: one thread, ``concurrency`` connections; wrong responses and socket errors are
    errors."""
    url = f"http://{HOST}:{port}{path}"
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(lua), url, "--", expected]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    requests, duration_us, *errors, p50, p95 = map(int, line.split()[1:])
    return Run(label, path, requests, duration_us / 1e6, p50 / 1000, p95 / 1000, sum(errors))


def run_python(
    port: int, path: str, label: str, seconds: int, concurrency: int, expected: bytes
) -> Run:
    """Threads with keep-alive http.client connections (gunicorn's sync workers close them
    after each response; http.client reconnects). Every response is checked: 200 and the
    expected text."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                ok = response.status == 200 and expected in response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            latencies[i].append(time.perf_counter() - t0)
            errors[i] += not ok
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    merged = sorted(x for lat in latencies for x in lat)
    if len(merged) < 2:
        raise SystemExit(f"Fewer than 2 requests to {path} completed in {seconds} s.")
    q = statistics.quantiles(merged, n=100)
    return Run(label, path, len(merged), elapsed, 1000 * q[49], 1000 * q[94], sum(errors))


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per URL (2)")
    parser.add_argument("--concurrency", type=int, default=4, help="connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or the Python one",
    )
    parser.add_argument(
        "--pyinstrument",
        action="store_true",
        help="also print a pyinstrument tree of the page (if installed)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if min(args.duration, args.warmup, args.concurrency, args.workers) < 1:
        parser.error("--duration, --warmup, --concurrency and --workers must be 1 or more")
    return args


def machine() -> str:
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    return f"{os.cpu_count()} CPUs, load average {' '.join(load) or 'unknown'}"


def table(rows: dict[str, int], indent: str = "  ") -> None:
    for name, n in rows.items():
        print(f"{indent}{name:<30} {n:>6,}")


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    elif client == "wrk" and not shutil.which("wrk"):
        print("wrk is not installed; using the Python client.")
        client = "python"

    tmp = Path(tempfile.mkdtemp(prefix="d8coop-bench-"))
    server: Server | None = None

    def on_sigterm(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        configure_environment(tmp)
        (tmp / "static").mkdir()  # STATIC_ROOT; WhiteNoise warns when it is missing
        import django

        django.setup()
        from django.core.management import call_command

        from d8coop.cooperation.models import Body
        from d8coop.reference_data.loader import load_reference_data

        print(f"D-8 task-force page benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
        print(f"Throwaway database: {tmp / 'd8coop.sqlite3'}")
        t0 = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        load_reference_data()
        created = build_volume()
        print(
            f"Built in {time.monotonic() - t0:.1f} s. Synthetic volume (bulk_create, seed {SEED}):"
        )
        table(created)
        print("Totals in the database (reference data + synthetic):")
        table(database_totals())
        body = Body.objects.get(slug=TASK_FORCE)
        print(
            f"Task force under test: {body.name}, {PAGE_PATH} (its page also lists the "
            f"bodies under it):"
        )
        table(task_force_totals())

        # In-process: the page is the real page; what one render costs in queries.
        page = check_page(PAGE_PATH, body.name)
        print(
            f"\nIn-process render of {PAGE_PATH}: status {page.status}, {page.size:,} bytes, "
            f"{len(page.queries)} queries ({page.sql_ms:.1f} ms of SQL), "
            f"{page.instances:,} model instances"
        )
        for seconds, sql in page.queries:
            print(f"  {1000 * seconds:6.2f} ms  {' '.join(sql.split())[:110]}")
        others = {
            tab: check_page(f"{PAGE_PATH}{tab}/", body.name)
            for tab in ("activities", "contacts", "news")
        }
        print("Other tabs of the page, for reference (not load-tested):")
        for tab, c in others.items():
            print(
                f"  {tab:<10} {len(c.queries):>3} queries, {c.sql_ms:5.1f} ms SQL, "
                f"{c.instances:>5,} model instances, {c.size:>8,} bytes"
            )

        # Served by gunicorn, both URLs by the same process.
        server = Server(args.workers, tmp / "gunicorn.log")
        server.start()
        status, html = fetch(server.port, PAGE_PATH)
        if status != 200 or body.name.encode() not in html:
            raise SystemExit(f"gunicorn {PAGE_PATH}: status {status}, expected text missing")
        status, text = fetch(server.port, MINIMAL_PATH)
        if status != 200 or text != b"ok":
            raise SystemExit(f"gunicorn {MINIMAL_PATH}: status {status}, body {text[:80]!r}")
        print(
            f"\nLoad: gunicorn, {args.workers} sync workers on {HOST}:{server.port}; client "
            f"{client}, {args.concurrency} connections; {args.warmup} s warm-up per URL, then "
            f"{args.duration} s per run, order page, minimal, minimal, page. {machine()}"
        )
        lua = tmp / "report.lua"
        lua.write_text(WRK_SCRIPT)
        expected = {PAGE_PATH: body.name, MINIMAL_PATH: "ok"}

        def load(path: str, label: str, seconds: int) -> Run:
            server.drain()
            cpu = server.worker_cpu_seconds()
            if client == "wrk":
                run = run_wrk(
                    server.port, path, label, seconds, args.concurrency, lua, expected[path]
                )
            else:
                run = run_python(
                    server.port, path, label, seconds, args.concurrency, expected[path].encode()
                )
            run.server_cpu_s = server.worker_cpu_seconds() - cpu
            return run

        load(PAGE_PATH, "warm-up", args.warmup)
        load(MINIMAL_PATH, "warm-up", args.warmup)
        a, b = (PAGE_PATH, "task-force page"), (MINIMAL_PATH, "minimal view")
        runs: list[Run] = []
        for path, label in [a, b, b, a]:
            run = load(path, label, args.duration)
            runs.append(run)
            print(
                f"  {label:<16} {run.rps:8.1f} req/s  p50 {run.p50_ms:7.1f} ms  "
                f"p95 {run.p95_ms:7.1f} ms  server CPU {run.cpu_ms_per_request:6.2f} ms/req  "
                f"({run.requests} requests, {run.errors} errors)"
            )
        status, html = fetch(server.port, PAGE_PATH)  # still the real page after the load?
        if status != 200 or body.name.encode() not in html:
            raise SystemExit(f"gunicorn {PAGE_PATH} after the load: status {status}")
        if sum(r.errors for r in runs):
            raise SystemExit(
                f"{sum(r.errors for r in runs)} failed or non-2xx responses: the "
                f"figures are not valid.\ngunicorn log:\n{server.log()}"
            )
        server.stop()
        after = machine()

        def mean(label: str, attr: str) -> float:
            return statistics.mean(getattr(r, attr) for r in runs if r.label == label)

        page_rps, minimal_rps = mean(a[1], "rps"), mean(b[1], "rps")
        ratio = page_rps / minimal_rps
        cpu_ratio = mean(b[1], "cpu_ms_per_request") / mean(a[1], "cpu_ms_per_request")
        print(f"\nResult (mean of the two runs of each URL; {after}):")
        for label, rps in ((a[1], page_rps), (b[1], minimal_rps)):
            print(
                f"  {label:<16} {rps:8.1f} req/s  p50 {mean(label, 'p50_ms'):7.1f} ms  "
                f"p95 {mean(label, 'p95_ms'):7.1f} ms  server CPU "
                f"{mean(label, 'cpu_ms_per_request'):6.2f} ms/req"
            )
        verdict = "met" if ratio >= 0.5 else "MISSED"
        print(f"  ratio page/minimal, requests/s: {ratio:.4f} (target 0.5 or more: {verdict})")
        print(
            f"  ratio of server CPU per request, minimal/page: {cpu_ratio:.4f} (what the "
            f"throughput ratio would be on an otherwise idle, CPU-bound server)"
        )
        print(
            f"  queries per page render: {len(page.queries)}; "
            f"{page.instances:,} model instances; {page.size:,} bytes of HTML"
        )

        # Where the time goes: printed on every run, it is the point when the target is missed.
        sys.path.insert(0, str(SCRIPTS_DIR))
        import bench_minimal_app  # noqa: F401  (adds the minimal view to this process too)

        full = cpu_per_render(PAGE_PATH)
        minimal = cpu_per_render(MINIMAL_PATH, n=200)
        view, orm, template = split_orm_template(PAGE_PATH)
        connect = connection_cost()
        with what_if("empty"):
            chrome = cpu_per_render(PAGE_PATH)
        with what_if("lean"):
            lean = cpu_per_render(PAGE_PATH)
        with what_if("capped"):
            capped = cpu_per_render(PAGE_PATH)
        with what_if("capped"), what_if("lean"):
            both = cpu_per_render(PAGE_PATH)
        small = check_page(SMALL_PATH, Body.objects.get(slug=SMALL_BODY).name)
        print("\nWhere the time goes: in-process CPU ms per request (test client, best of 3x10):")
        print(f"  {minimal:7.2f} ms  minimal view")
        print(f"  {full:7.2f} ms  task-force page as shipped, of which:")
        print(f"  {view:7.2f} ms    request, middleware and the view up to render()")
        print(f"  {connect:7.2f} ms      of which opening the SQLite connection (every request)")
        print(
            f"  {orm:7.2f} ms    evaluating the context's lazy querysets: SQL "
            f"({page.sql_ms:.1f} ms wall for all {len(page.queries)} queries), "
            f"{page.instances:,} model instances, prefetching"
        )
        print(f"  {template:7.2f} ms    rendering the templates ({page.size:,} bytes)")
        print(f"  {chrome:7.2f} ms  the same page with the tab's lists empty (layout and header)")
        print(
            f"  Query count does not grow with the data: {len(page.queries)} on {PAGE_PATH}, "
            f"{len(small.queries)} on {SMALL_PATH} ({small.instances:,} model instances)."
        )
        print("  What-ifs, patched in this process only (no file is changed):")
        print(
            f"  {lean:7.2f} ms  without the unused prefetch of meetings' documents and the "
            f"unused select_related of action items"
        )
        print(f"  {capped:7.2f} ms  the tab's lists capped (10 meetings, 20 of each other list)")
        print(f"  {both:7.2f} ms  both")
        if args.pyinstrument:
            tree = pyinstrument_page(PAGE_PATH, 10)
            print(tree or "  pyinstrument is not installed (.venv/bin/pip install pyinstrument).")
        print(f"\nDone in {time.monotonic() - started:.0f} s.")
        return 0
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
