"""What a search returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Hit:
    """One matching row: its primary key, its rank (higher is better; comparable only within
    one search and one backend) and, per indexed field that matched, an HTML-escaped excerpt
    with the matches in `<mark>` (SME profiles also have "products" and "certifications")."""

    pk: int
    rank: float
    snippets: dict[str, SafeString] = field(default_factory=dict)
