"""CSV and XLSX writers for the directory's exports, safe against formula injection: a text
cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe, as OWASP advises, so it stays text."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def to_xlsx(header: list[str], rows: list[list[Any]], *, sheet: str) -> bytes:
    book = Workbook(write_only=True)
    page = book.create_sheet(sheet[:31])
    page.append(header)
    for row in rows:
        page.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
