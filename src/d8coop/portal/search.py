"""Site search over the registry: the same query on SQLite and PostgreSQL, public data only
unless the user may see members-only data."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from d8coop.cooperation.models import Body, Document, Meeting, Outcome
from d8coop.cooperation.selectors import contacts_visible_to
from d8coop.members.models import MemberState
from d8coop.portal.models import NewsItem

MAX_PER_KIND = 20


@dataclass
class SearchResults:
    member_states: list
    bodies: list
    meetings: list
    documents: list
    outcomes: list
    news: list
    contacts: list

    @property
    def total(self) -> int:
        return sum(len(group) for group in vars(self).values())


def _any(fields: list[str], words: list[str]) -> Q:
    """Every word must match at least one of the fields."""
    condition = Q()
    for word in words:
        per_word = Q()
        for field in fields:
            per_word |= Q(**{f"{field}__icontains": word})
        condition &= per_word
    return condition


def search(query: str, user) -> SearchResults:
    words = query.split()[:8]
    return SearchResults(
        member_states=list(
            MemberState.objects.filter(_any(["name", "other_names", "code"], words))
        ),
        bodies=list(Body.objects.filter(_any(["name", "other_names", "description"], words))),
        meetings=list(
            Meeting.objects.select_related("country").filter(
                _any(["title", "city", "summary", "venue"], words)
            )[:MAX_PER_KIND]
        ),
        documents=list(Document.objects.filter(_any(["title", "summary"], words))[:MAX_PER_KIND]),
        outcomes=list(
            Outcome.objects.select_related("meeting").filter(_any(["text"], words))[:MAX_PER_KIND]
        ),
        news=list(
            NewsItem.objects.published().filter(_any(["title", "summary", "text"], words))[
                :MAX_PER_KIND
            ]
        ),
        contacts=list(
            contacts_visible_to(user)
            .filter(_any(["role", "title", "holdings__person__name", "organization__name"], words))
            .distinct()[:MAX_PER_KIND]
        ),
    )
