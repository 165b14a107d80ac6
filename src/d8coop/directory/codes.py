"""Product and country codes of SME profiles, checked in plain Python.

HS codes are the World Customs Organization's Harmonized System: a 2-digit chapter (01 to 97;
chapter 77 is reserved for future use), a 4-digit heading or a 6-digit subheading. Country codes
are ISO 3166-1 alpha-2 (`core.classifications`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from d8coop.core.classifications import ISO_3166_ALPHA_2

HS_CODE = re.compile(r"^(?:\d{2}|\d{4}|\d{6})$")
RESERVED_CHAPTERS = {"77"}


@dataclass(frozen=True)
class ProductLine:
    hs_code: str
    description: str


def hs_code_error(code: str) -> str | None:
    """Why `code` is no HS code (2, 4 or 6 digits of an existing chapter); None when it is."""
    if not HS_CODE.match(code):
        return _("“%(code)s” is not an HS code: give 2, 4 or 6 digits, e.g. 52 or 5208.") % {
            "code": code
        }
    chapter = code[:2]
    if not 1 <= int(chapter) <= 97 or chapter in RESERVED_CHAPTERS:
        return _("“%(code)s” is not an HS code: chapter %(chapter)s does not exist.") % {
            "code": code,
            "chapter": chapter,
        }
    return None


def check_products(items: list[tuple[str, str]]) -> tuple[list[ProductLine], list[str]]:
    """Products from (code, description) pairs, numbered from 1 in the messages; the codes are
    stripped of dots and spaces (5208.11 is 520811). Returns the products and the errors."""
    products: list[ProductLine] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, (raw_code, raw_description) in enumerate(items, start=1):
        code = re.sub(r"[\s.]", "", raw_code or "")
        description = " ".join((raw_description or "").split())
        problem = hs_code_error(code)
        if problem is None and not description:
            problem = _("describe the product after its code.")
        if problem is None and len(description) > 200:
            problem = _("the description is longer than 200 characters.")
        if problem is None and code in seen:
            problem = _("HS code %(code)s is already on line %(first)s.") % {
                "code": code,
                "first": seen[code],
            }
        if problem is not None:
            errors.append(
                _("Line %(number)s: %(problem)s") % {"number": number, "problem": problem}
            )
            continue
        seen[code] = number
        products.append(ProductLine(hs_code=code, description=description))
    return products, errors


def parse_product_lines(text: str) -> list[tuple[str, str]]:
    """'5208 Woven cotton fabrics' per line, blank lines ignored, into (code, description)."""
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        code, _sep, description = line.partition(" ")
        pairs.append((code, description))
    return pairs


def check_countries(codes: list[str]) -> tuple[list[str], list[str]]:
    """Upper-cased unique ISO 3166-1 alpha-2 codes in the given order, and the errors."""
    good: list[str] = []
    errors: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        if code not in ISO_3166_ALPHA_2:
            errors.append(
                _("“%(code)s” is not an ISO 3166 country code (two letters, e.g. TR, MY, DE).")
                % {"code": raw.strip()}
            )
        elif code not in good:
            good.append(code)
    return good, errors


def split_list(text: str) -> list[str]:
    """Items separated by commas, semicolons or new lines."""
    return [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]
