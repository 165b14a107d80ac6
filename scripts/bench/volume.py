"""A deterministic synthetic volume: 20 years of activity over 20 bodies, bulk-created.

``build_volume()`` needs a migrated database holding the shipped reference data. Every draw
comes from ``random.Random(SEED)`` in a fixed order, and statuses are as of ``DATA_AS_OF``, so
the data never depends on when the script runs (the page's own "today", used for overdue
badges, is the real one).
"""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

TASK_FORCE = "tf-smes"  # the body whose page is under test
SEED = 42
YEARS = range(2007, 2027)
DATA_AS_OF = date(2026, 11, 1)

# Totals over all bodies, and the share of the task force under test.
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
PAST_DUE_STATUSES = {  # statuses of action items due before DATA_AS_OF
    "done": 45,
    "not_reported": 20,
    "in_progress": 10,
    "cancelled": 10,
    "superseded": 5,
    "planned": 10,
}


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
    month, year = calendar.month_name[later.month], later.year
    form = rng.randrange(9)
    if form == 0:
        return ""
    if form == 1:
        return f"{month} {year}"
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
        return f"{month} {year} (to be confirmed)"
    return f"{later.day} {month} {year}"


def _period(text: str, relative_to: date | None = None) -> dict:
    from d8coop.core.models import PeriodFields

    return PeriodFields.values_from_text(text, relative_to=relative_to)


def _group(rows: list, key: str) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


class Builder:
    """Builds the volume model by model; each step uses what the earlier ones created."""

    def __init__(self) -> None:
        from d8coop.core.models import Source
        from d8coop.members.models import MemberState

        self.rng = random.Random(SEED)
        self.sources = list(Source.objects.order_by("pk"))
        self.states = list(MemberState.objects.order_by("code"))
        self.created: dict[str, int] = {}

    def src(self) -> dict:
        return {"source": self.rng.choice(self.sources)}

    def share(self, kind: str) -> dict:
        """How many rows of ``kind`` each body gets: the task force its fixed share."""
        counts = _allocate(VOLUME[kind] - TASK_FORCE_SHARE[kind], self.others, self.rng)
        return {self.test_body: TASK_FORCE_SHARE[kind], **counts}

    def bodies(self) -> None:
        from d8coop.cooperation.models import Body, Term

        wgic = Body.objects.get(slug="wgic")
        new_bodies = Body.objects.bulk_create(
            Body(
                slug=slug,
                name=name,
                short_name=short,
                kind=Body.Kind.TASK_FORCE,
                parent=wgic,
                established_text="c. 2018",
                **self.src(),
            )
            for slug, name, short in EXTRA_BODIES
        )
        Term.objects.bulk_create(
            Term(
                body=b,
                member_state=self.rng.choice(self.states),
                role=Term.Role.COORDINATOR,
                **_period("2018-2026"),
                **self.src(),
            )
            for b in new_bodies
        )
        self.created["bodies"] = self.created["terms"] = len(new_bodies)
        bodies = list(Body.objects.order_by("pk"))
        self.test_body = next(b for b in bodies if b.slug == TASK_FORCE)
        self.others = [b for b in bodies if b.pk != self.test_body.pk]

    def organizations(self) -> None:
        """A few per member state: hosts of meetings and employers of contacts."""
        from d8coop.members.models import Organization

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
                **self.src(),
            )
            for s in self.states
            for i, k in enumerate(kinds, start=1)
        )
        self.created["organizations"] = len(orgs)
        self.orgs_of = _group(orgs, "member_state_id")

    def _meeting(self, body, i: int, year: int):
        from d8coop.cooperation.models import Meeting

        rng = self.rng
        period = _period(_meeting_text(rng, year))
        if period["period_latest"] < DATA_AS_OF:
            status = rng.choices(["held", "cancelled", "postponed"], [88, 6, 6])[0]
        else:
            status = rng.choice(["planned", "tbc"])
        country = rng.choice(self.states)
        return Meeting(
            slug=f"bench-{body.slug}-{i + 1}",
            title=f"{body.short_name or body.name} meeting {i + 1} ({year})",
            body=body,
            kind=rng.choices(["meeting", "workshop", "training", "conference"], [70, 15, 10, 5])[0],
            city=rng.choice(CITIES.get(country.code, ["Capital"])),
            country=country,
            venue=rng.choice(["", "", "Ministry of Industry", "Convention Centre"]),
            host=rng.choice(self.orgs_of[country.pk] + [None]),
            status=status,
            mode=rng.choices(["in_person", "online", "hybrid"], [80, 12, 8])[0],
            summary="The meeting reviewed the work plan. " * rng.randint(0, 2),
            **period,
            **self.src(),
        )

    def meetings(self) -> None:
        """Spread over the 20 years: past ones mostly held, future ones planned."""
        from d8coop.cooperation.models import Meeting

        self.all_meetings = [
            self._meeting(body, i, YEARS[min(len(YEARS) - 1, i * len(YEARS) // max(n, 1))])
            for body, n in self.share("meetings").items()
            for i in range(n)
        ]
        Meeting.objects.bulk_create(self.all_meetings)
        self.created["meetings"] = len(self.all_meetings)
        self.held = [m for m in self.all_meetings if m.status == "held"]
        self.held_of = _group(self.held, "body_id")

    def back_to_back(self) -> None:
        """One held meeting in ten is back to back with another body's meeting of its year."""
        from d8coop.cooperation.models import Meeting

        pairs = set()
        for m in self.rng.sample(self.held, len(self.held) // 10):
            year = m.period_earliest.year
            partners = [
                x for x in self.held if x.period_earliest.year == year and x.body_id != m.body_id
            ]
            if partners:
                partner = self.rng.choice(partners)
                pairs |= {(m.pk, partner.pk), (partner.pk, m.pk)}
        through = Meeting.back_to_back.through
        through.objects.bulk_create(
            through(from_meeting_id=a, to_meeting_id=b) for a, b in sorted(pairs)
        )
        self.created["back-to-back links"] = len(pairs) // 2

    def outcomes(self) -> None:
        """Numbered outcomes of held meetings of each body."""
        from d8coop.cooperation.models import Outcome

        outcomes: list[Outcome] = []
        for body, n in self.share("outcomes").items():
            held_here = self.held_of.get(body.pk)
            if not held_here:
                continue
            order: dict[int, int] = {}
            for _ in range(n):
                m = self.rng.choice(held_here)
                order[m.pk] = order.get(m.pk, 0) + 1
                kind = self.rng.choices(["decision", "recommendation", "finding"], [60, 30, 10])
                outcomes.append(
                    Outcome(
                        meeting=m,
                        body=body,
                        kind=kind[0],
                        order=order[m.pk],
                        text=f"The meeting agreed on point {order[m.pk]} of {m.title}.",
                        source=m.source,
                    )
                )
        Outcome.objects.bulk_create(outcomes)
        self.created["outcomes"] = len(outcomes)
        self.outcomes_of = _group(outcomes, "body_id")

    def _action_item(self, body, i: int):
        """An action item on one of the body's outcomes, and the pks of its states."""
        from d8coop.cooperation.models import ActionItem

        rng = self.rng
        outcome = rng.choice(self.outcomes_of[body.pk])
        meeting = outcome.meeting
        period = _period(_due_text(rng, meeting.period_latest), meeting.period_latest)
        due = period["period_latest"]
        if due is not None and due >= DATA_AS_OF:
            status = rng.choice(["planned", "in_progress"])
        else:
            status = rng.choices(list(PAST_DUE_STATUSES), list(PAST_DUE_STATUSES.values()))[0]
        everyone = rng.random() < 0.1
        item = ActionItem(
            outcome=outcome,
            body=body,
            status=status,
            title=f"Action {i + 1} of {body.short_name or body.name}: "
            f"prepare the report on {rng.choice(LAST_NAMES)} proposals",
            all_member_states=everyone,
            source=outcome.source,
            **period,
        )
        chosen = self.states if everyone else rng.sample(self.states, rng.randint(1, 3))
        return item, [s.pk for s in chosen]

    def action_items(self) -> None:
        from d8coop.cooperation.models import ActionItem

        pairs = [
            self._action_item(body, i)
            for body, n in self.share("action_items").items()
            if self.outcomes_of.get(body.pk)
            for i in range(n)
        ]
        items = ActionItem.objects.bulk_create(item for item, _ in pairs)
        through = ActionItem.responsible_states.through
        links = through.objects.bulk_create(
            through(actionitem_id=item.pk, memberstate_id=pk)
            for item, (_, pks) in zip(items, pairs, strict=True)
            for pk in pks
        )
        self.created["action items"] = len(items)
        self.created["responsible-state links"] = len(links)

    def documents(self) -> None:
        """Documents of each body, most adopted at one of its held meetings."""
        from d8coop.cooperation.models import Document

        rng = self.rng
        documents: list[Document] = []
        for body, n in self.share("documents").items():
            held_here = self.held_of.get(body.pk)
            for i in range(n):
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
                        **self.src(),
                    )
                )
        Document.objects.bulk_create(documents)
        self.created["documents"] = len(documents)

    def _position(self, body, i: int):
        """A contact of the body, half public, and the pks of its bodies (15 % have two)."""
        from d8coop.core.models import Visibility
        from d8coop.members.models import Position

        rng = self.rng
        state = rng.choice(self.states)
        visibility = rng.choice([Visibility.PUBLIC, Visibility.MEMBERS])
        sector = rng.choice(["public", "private"])
        position = Position(
            slug=f"bench-pos-{body.slug}-{i + 1}",
            title=rng.choice(["", "Director General", "Head of Department", "Senior Expert"]),
            role=f"{body.short_name or body.name} focal point of {state.name}, "
            f"{sector} sector ({i + 1})",
            organization=rng.choice(self.orgs_of[state.pk]),
            member_state=state,
            sector=sector,
            address=f"{rng.randint(1, 200)} Main Street, "
            f"{rng.choice(CITIES.get(state.code, ['Capital']))}",
            email=f"focal{i + 1}@{body.slug}.{state.code.lower()}.example",
            visibility=visibility,
            **self.src(),
        )
        extra = [] if rng.random() > 0.15 else [rng.choice(self.others).pk]
        return position, sorted({body.pk, *extra})

    def positions(self) -> None:
        from d8coop.members.models import Position

        pairs = [
            self._position(body, i) for body, n in self.share("positions").items() for i in range(n)
        ]
        self.all_positions = Position.objects.bulk_create(p for p, _ in pairs)
        through = Position.bodies.through
        links = through.objects.bulk_create(
            through(position_id=p.pk, body_id=b) for p, bodies in pairs for b in bodies
        )
        self.created["positions (contacts)"] = len(pairs)
        self.created["position-body links"] = len(links)

    def _holders_and_numbers(self, p, people, holdings, numbers) -> None:
        """The current holder of ``p``, often a former one, and two numbers."""
        from d8coop.members.models import ContactNumber, Person, PositionHolding

        rng = self.rng
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
                    position=p, person=person, started_on=started, ended_on=ended, source=p.source
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

    def holdings(self) -> None:
        from d8coop.members.models import ContactNumber, Person, PositionHolding

        people, holdings, numbers = [], [], []
        for p in self.all_positions:
            self._holders_and_numbers(p, people, holdings, numbers)
        Person.objects.bulk_create(people)
        for h in holdings:
            h.person_id = h.person.pk
        PositionHolding.objects.bulk_create(holdings)
        ContactNumber.objects.bulk_create(numbers)
        self.created["people"] = len(people)
        self.created["holdings"] = len(holdings)
        self.created["contact numbers"] = len(numbers)

    def _news_item(self, body, i: int, meetings: list):
        """A news item of the body, and the pks of its bodies, meetings and member states."""
        from d8coop.portal.models import NewsItem

        rng = self.rng
        day = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))
        item = NewsItem(
            slug=f"bench-news-{body.slug}-{i + 1}",
            title=f"{body.short_name or body.name}: news {i + 1}",
            summary="A short summary of the news.",
            text="The text of the news item. " * 20,
            published_on=min(day, DATA_AS_OF),
            is_published=rng.random() < 0.95,
            **self.src(),
        )
        linked = rng.sample(meetings, min(rng.randint(0, 2), len(meetings)))
        states = rng.sample(self.states, rng.randint(1, 3))
        return item, [body.pk], [m.pk for m in linked], [s.pk for s in states]

    def news(self) -> None:
        from d8coop.portal.models import NewsItem

        meetings_of = _group(self.all_meetings, "body_id")
        rows = [
            self._news_item(body, i, meetings_of.get(body.pk, []))
            for body, n in self.share("news").items()
            for i in range(n)
        ]
        NewsItem.objects.bulk_create(row[0] for row in rows)
        relations = [
            (NewsItem.bodies, "body_id"),
            (NewsItem.meetings, "meeting_id"),
            (NewsItem.member_states, "memberstate_id"),
        ]
        for index, (relation, column) in enumerate(relations, start=1):
            through = relation.through
            through.objects.bulk_create(
                through(newsitem_id=row[0].pk, **{column: pk}) for row in rows for pk in row[index]
            )
        self.created["news items"] = len(rows)


def build_volume() -> dict[str, int]:
    """Bulk-create the synthetic 20 years in one transaction; returns what was created."""
    from django.db import transaction

    builder = Builder()
    with transaction.atomic():
        builder.bodies()
        builder.organizations()
        builder.meetings()
        builder.back_to_back()
        builder.outcomes()
        builder.action_items()
        builder.documents()
        builder.positions()
        builder.holdings()
        builder.news()
    return builder.created


def task_force_totals() -> dict[str, int]:
    """What the page under test draws on: the task force and the bodies under it."""
    from d8coop.cooperation import selectors
    from d8coop.cooperation.models import ActionItem, Body, Meeting
    from d8coop.members.models import Position

    ids = selectors.body_family_ids(Body.objects.get(slug=TASK_FORCE))
    return {
        "bodies in the family": len(ids),
        "meetings": Meeting.objects.filter(body_id__in=ids).count(),
        "held meetings": selectors.held_meetings(ids).count(),
        "documents": selectors.documents_of(ids).count(),
        "action items": ActionItem.objects.filter(body_id__in=ids).count(),
        "done action items": ActionItem.objects.filter(
            body_id__in=ids, status=ActionItem.Status.DONE
        ).count(),
        "contacts": Position.objects.filter(bodies__in=ids).distinct().count(),
    }


def database_totals() -> dict[str, int]:
    """Rows in the database, reference data and synthetic volume together."""
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
