"""Full-text search behind one interface: PostgreSQL text search or SQLite FTS5.

from d8coop.fulltext import search as fulltext_search
hits = fulltext_search(queryset, q)  # list[Hit], best first, only rows of `queryset`
"""

from d8coop.fulltext.query import search
from d8coop.fulltext.types import Hit

__all__ = ["Hit", "search"]
