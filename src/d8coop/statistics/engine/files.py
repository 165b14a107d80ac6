"""Recognize an uploaded data file and make it readable by DuckDB, or refuse it with the reason.

A file is what its bytes say, not its name: a ZIP holding a workbook is XLSX, `PAR1` at both
ends is Parquet, anything else must be text (no NUL bytes) in UTF-8 (with or without a BOM),
UTF-16 with a BOM, or the legacy code page of the member state's spreadsheets. Text that is not
UTF-8 is transcoded to UTF-8 in a stream; a workbook's first sheet is written out as CSV row by
row (openpyxl's read-only mode) after checking that the archive is not a decompression bomb.
Framework-free: the service, the command line and the benchmark call the same functions.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

SAMPLE_BYTES = 256 * 1024
# Legacy Windows code pages of the member states' spreadsheets, by ISO 3166 alpha-2 code.
LEGACY_CODE_PAGES = {
    "AZ": "cp1254",
    "BD": "cp1252",
    "EG": "cp1256",
    "ID": "cp1252",
    "IR": "cp1256",
    "MY": "cp1252",
    "NG": "cp1252",
    "PK": "cp1256",
    "TR": "cp1254",
}
DELIMITERS = ",;\t|"
# A workbook may expand to at most this many times its size, and to at most MAX_XLSX_EXPANDED.
MAX_XLSX_RATIO = 100
MAX_XLSX_EXPANDED = 1024 * 1024 * 1024
# Columns added to a worksheet written out as CSV: its row number, and cells beyond the header.
LINE_COLUMN = "__line"
EXTRA_COLUMN = "__extra"


class FileRefused(ValueError):
    """The file as a whole cannot be imported; the message says why, for the uploader."""


@dataclass(frozen=True)
class ReadableFile:
    """What DuckDB reads: a UTF-8 CSV (`delimiter` set) or a Parquet file."""

    path: Path
    format: str  # "csv", "xlsx" or "parquet": what was uploaded
    encoding: str  # of the upload; "" for binary formats
    delimiter: str  # of `path` when it is CSV; "" for Parquet
    columns: tuple[str, ...]
    # The number of lines of a text file (None when not counted): when DuckDB returns as many
    # records (with the header and the lines it rejects), no line was blank.
    lines: int | None = None
    # A column holding each record's line (row of a worksheet); "" when counted from the file.
    line_column: str = ""
    # A column holding cells beyond the named columns (worksheets); "" when DuckDB reports them.
    extra_column: str = ""

    @cached_property
    def blank_lines(self) -> tuple[int, ...]:
        """Lines DuckDB skips without a word (blank ones), to number the records after them.
        A second read of the file: the import asks only when the counts say some line is
        missing."""
        if self.is_parquet or self.line_column:
            return ()
        return blank_lines(self.path)

    @property
    def is_parquet(self) -> bool:
        return self.delimiter == ""


def prepare(
    upload: Path,
    work_dir: Path,
    *,
    max_bytes: int,
    country: str = "",
    encoding: str = "",
) -> ReadableFile:
    """Check `upload` and return a file DuckDB can read, writing any conversion to `work_dir`."""
    size = upload.stat().st_size
    if size == 0:
        raise FileRefused("The file is empty.")
    if size > max_bytes:
        raise FileRefused(
            f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes "
            "(D8COOP_MAX_IMPORT_BYTES)."
        )
    with upload.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    if head.startswith(b"PK\x03\x04"):
        return _from_workbook(upload, work_dir, size)
    if head.startswith(b"PAR1"):
        if tail != b"PAR1":
            raise FileRefused("The file starts like Parquet but is truncated or damaged.")
        return _from_parquet(upload)
    return _from_text(upload, work_dir, head, country=country, encoding=encoding)


# -- text --------------------------------------------------------------------------------------
def _from_text(
    upload: Path, work_dir: Path, head: bytes, *, country: str, encoding: str
) -> ReadableFile:
    declared = encoding
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        raise FileRefused(
            "The file is not text (it contains NUL bytes) and is neither XLSX nor Parquet."
        )
    scan = _scan(upload) if not encoding else None
    if scan is not None:
        encoding = _encoding_of(scan, country)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise FileRefused(f"Unknown text encoding {declared!r}.") from exc
    sample = head.decode(encoding, errors="replace")
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise FileRefused("The file holds no data: only blank lines.")
    delimiter = _sniff_delimiter(sample)
    target, lines = upload, scan.lines if scan is not None else None
    if encoding not in ("utf-8", "utf-8-sig"):
        target = work_dir / "transcoded.csv"
        lines = _transcode(upload, target, encoding)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    return ReadableFile(target, "csv", encoding, delimiter, _columns(header), lines=lines)


CHUNK = 16 << 20
BLANK = (b"\n\n", b"\n\r\n")


@dataclass(frozen=True)
class _TextScan:
    utf8: bool  # every byte decodes as UTF-8
    bom: bool
    lines: int


def _scan(path: Path) -> _TextScan:
    """One read of the file: whether it is UTF-8, and how many lines it has."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, newlines, last = True, 0, b"\n"
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(3 if bom else 0)
        while chunk := handle.read(CHUNK):
            if utf8 and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return _TextScan(utf8=utf8, bom=bom, lines=newlines + (last != b"\n"))


def _encoding_of(scan: _TextScan, country: str) -> str:
    """UTF-8 when every byte decodes as UTF-8, else the country's legacy code page."""
    if scan.utf8:
        return "utf-8-sig" if scan.bom else "utf-8"
    code_page = LEGACY_CODE_PAGES.get(country.upper())
    if code_page is None:
        raise FileRefused("The file is not UTF-8; give its encoding (e.g. cp1254 or cp1256).")
    return code_page


def blank_lines(path: Path) -> tuple[int, ...]:
    """The numbers (from 1) of the empty lines of a text file, which DuckDB skips."""
    with path.open("rb") as handle:
        tail = b""
        while chunk := handle.read(CHUNK):
            edge = tail + chunk[:2]
            if any(p in chunk or p in edge for p in BLANK):
                break
            tail = chunk[-2:]
        else:
            return ()  # the usual case, found at the speed of a byte search
        handle.seek(0)
        return tuple(n for n, raw in enumerate(handle, 1) if not raw.strip(b"\r\n"))


def _transcode(source: Path, target: Path, encoding: str) -> int:
    """Write `source` as UTF-8 to `target`; the number of lines."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    newlines, last = 0, "\n"
    try:
        with source.open("rb") as read, target.open("w", encoding="utf-8", newline="") as write:
            while chunk := read.read(CHUNK):
                text = decoder.decode(chunk)
                newlines += text.count("\n")
                last = text[-1:] or last
                write.write(text)
            rest = decoder.decode(b"", final=True)
            newlines += rest.count("\n")
            last = rest[-1:] or last
            write.write(rest)
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)  # a refused file leaves nothing behind
        raise FileRefused(f"The file is not valid {encoding}: {exc.reason}.") from exc
    return newlines + (last != "\n")


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the sample may cut the last line
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or no agreement: the delimiter that splits the header the most.
        header = lines[0] if lines else ""
        best = max(DELIMITERS, key=header.count)
        return best if header.count(best) else ","


def _columns(header: list[str]) -> tuple[str, ...]:
    columns = tuple(name.strip().lstrip("\ufeff") for name in header)
    if not any(columns):
        raise FileRefused("The first line must name the columns.")
    blank = [str(i + 1) for i, name in enumerate(columns) if not name]
    if blank:
        raise FileRefused(f"Column(s) {', '.join(blank)} of the first line have no name.")
    seen = set()
    for name in columns:
        if name.casefold() in seen:
            raise FileRefused(f"Two columns are named {name!r}.")
        seen.add(name.casefold())
    return columns


# -- Parquet -----------------------------------------------------------------------------------
def _from_parquet(upload: Path) -> ReadableFile:
    import duckdb

    try:
        with duckdb.connect() as con:
            names = con.execute(
                "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
                [str(upload)],
            ).fetchall()
    except duckdb.Error as exc:
        raise FileRefused(f"The Parquet file cannot be read: {exc}.") from exc
    return ReadableFile(upload, "parquet", "", "", _columns([n for (n,) in names]))


# -- XLSX --------------------------------------------------------------------------------------
def _from_workbook(upload: Path, work_dir: Path, size: int) -> ReadableFile:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileRefused("The file looks like a ZIP archive but is damaged.") from exc
    if "xl/workbook.xml" not in names:
        raise FileRefused("The ZIP archive is not an Excel workbook (.xlsx).")
    if expanded > MAX_XLSX_EXPANDED or expanded > size * MAX_XLSX_RATIO:
        raise FileRefused(
            f"The workbook would expand to {expanded:,} bytes from {size:,}: refused as a "
            "possible decompression bomb."
        )
    import openpyxl

    target = work_dir / "sheet.csv"
    try:
        book = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused(f"The workbook cannot be read: {exc}.") from exc
    header: list[str] | None = None
    columns: tuple[str, ...] = ()
    try:
        sheet = book.worksheets[0]
        # Read-only mode trusts the sheet's stored dimension, which some writers get wrong
        # ("A1"): without resetting it, every column after the first would be dropped.
        sheet.reset_dimensions()
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                cells = ["" if v is None else _cell_text(v) for v in row]
                if not any(cells):
                    continue  # blank rows hold no record
                if header is None:
                    while cells and not cells[-1]:
                        cells.pop()
                    header = cells
                    columns = _columns(header)
                    writer.writerow([*header, LINE_COLUMN, EXTRA_COLUMN])
                    continue
                width = len(header)
                cells += [""] * (width - len(cells))
                extra = " | ".join(c for c in cells[width:] if c)
                writer.writerow([*cells[:width], number, extra])
        if header is None:
            raise FileRefused("The workbook's first sheet is empty.")
    except FileRefused:
        target.unlink(missing_ok=True)  # a refused file leaves nothing behind
        raise
    except Exception as exc:  # a damaged sheet fails only when its rows are parsed
        target.unlink(missing_ok=True)
        raise FileRefused(f"The workbook cannot be read: {exc}.") from exc
    finally:
        book.close()
    return ReadableFile(
        target, "xlsx", "", ",", columns, line_column=LINE_COLUMN, extra_column=EXTRA_COLUMN
    )


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
