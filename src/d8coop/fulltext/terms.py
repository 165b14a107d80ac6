"""What a person typed, as search terms both backends understand (framework-free).

A term is a run of letters, digits and combining marks (Unicode categories L, N, M); everything
else (quotes, `*`, `-`, parentheses, `NEAR`'s punctuation, SQL) separates terms and is never
passed through as syntax. Terms are ANDed; the last one also matches as a prefix while it is
being typed. Words such as AND, OR, NOT and NEAR are ordinary words here: each term is quoted for
FTS5 and for `to_tsquery`, so no operator can be smuggled in.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_TERMS = 12
MAX_TERM_LENGTH = 64
# The excerpts mark matches with these private-use characters; they are stripped from indexed
# text so that only the search engine can put them there (see `snippets.py`).
MARK_START = "\ue000"
MARK_END = "\ue001"


@dataclass(frozen=True)
class Terms:
    words: tuple[str, ...]
    prefix_last: bool

    def __bool__(self) -> bool:
        return bool(self.words)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every term a quoted string, ANDed; `*` after the last."""
        star = "*" if self.prefix_last else ""
        parts = []
        for position, word in enumerate(self.words):
            ending = star if position == len(self.words) - 1 else ""
            spellings = [f'"{spelling}"{ending}' for spelling in _spellings(word)]
            parts.append(spellings[0] if len(spellings) == 1 else f"({' OR '.join(spellings)})")
        return " AND ".join(parts)

    def tsquery(self) -> str:
        """A `to_tsquery` text: every term a quoted lexeme, `&`-ed; `:*` after the last."""
        star = ":*" if self.prefix_last else ""
        parts = []
        for position, word in enumerate(self.words):
            ending = star if position == len(self.words) - 1 else ""
            spellings = [f"'{spelling}'{ending}" for spelling in _spellings(word)]
            parts.append(spellings[0] if len(spellings) == 1 else f"({' | '.join(spellings)})")
        return " & ".join(parts)


def _spellings(word: str) -> list[str]:
    """The word, and for a word with a capital I also its Turkish reading with dotless i.

    Both engines fold case the Latin way (I → i), so "KIRŞEHİR" alone would look for
    "kirşehir"; in Turkish the capital of dotless i (U+0131) is I, and the capital of i is İ
    (which both engines fold to i)."""
    if "I" in word:
        return [word, word.replace("I", "ı")]
    return [word]


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LNM"


def parse(text: str | None) -> Terms:
    """The terms of `text` in order, deduplicated, at most MAX_TERMS. Never raises.

    Case is left to the engines (both fold it; Python's `"İ".lower()` would add a combining
    dot that neither index holds)."""
    words: list[str] = []
    current: list[str] = []
    for character in f"{text or ''} ":
        if _is_word_character(character):
            current.append(character)
            continue
        if current:
            word = "".join(current)[:MAX_TERM_LENGTH]
            current = []
            # A run of combining marks alone is not a word (both engines drop it).
            if any(unicodedata.category(c)[0] in "LN" for c in word) and word not in words:
                words.append(word)
    truncated = len(words) > MAX_TERMS
    words = words[:MAX_TERMS]
    ends_in_word = _is_word_character((text or "").rstrip()[-1:] or " ")
    # A one-letter prefix matches half the index; only longer ones are worth it.
    prefix_last = bool(words) and ends_in_word and not truncated and len(words[-1]) >= 2
    return Terms(words=tuple(words), prefix_last=prefix_last)
