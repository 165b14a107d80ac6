"""Excerpts the engines marked with private-use characters, made safe to show in HTML."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from d8coop.fulltext.terms import MARK_END, MARK_START


def has_match(excerpt: str | None) -> bool:
    return bool(excerpt) and MARK_START in excerpt


def to_html(excerpt: str) -> SafeString:
    """Escape everything the text holds, then turn the markers into `<mark>` elements.

    The markers cannot come from the text itself (indexing strips them), and escaping cannot
    produce them, so every `<mark>` in the result was put there by the search engine."""
    escaped = str(escape(excerpt))
    # Escaped above; only our own <mark> tags are added.
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))
