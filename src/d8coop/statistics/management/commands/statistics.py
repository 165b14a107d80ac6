"""`d8coop statistics import FILE --country XX --year YYYY [--mapping NAME] [--json]`.

Imports a national microdata file (or, with `--kind aggregates --source-title T`, a published
table of enterprises, employment and turnover by size class and section) as the secretariat
would from the web, and prints what it made of it: rows read, accepted and rejected, the
rejects file, and the enterprises per size class under each applicable definition.
`--map FIELD=COLUMN` (repeated) maps columns by hand; with `--mapping NAME` too, the mapping is
saved under that name for the next upload. The exit status is 0 when imported, 1 when refused
(the message says why; nothing else changes).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from d8coop.members.models import MemberState
from d8coop.statistics import imports
from d8coop.statistics.models import DataKind, Upload


def _columns(pairs: list[str]) -> dict[str, str] | None:
    if not pairs:
        return None
    columns = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise CommandError(f"--map {pair!r}: write FIELD=COLUMN, e.g. employees=staff.")
        columns[field.strip()] = column.strip()
    return columns


class Command(BaseCommand):
    help = "SME statistics: import a national microdata file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        command = sub.add_parser("import", help="Import a microdata file (CSV, XLSX, Parquet).")
        command.add_argument("file", type=Path)
        command.add_argument("--country", required=True, help="ISO 3166 alpha-2 code, e.g. TR.")
        command.add_argument("--year", required=True, type=int, help="Reference year.")
        command.add_argument("--mapping", default="", help="A saved column mapping's name.")
        command.add_argument(
            "--map", action="append", default=[], metavar="FIELD=COLUMN",
            help="Map a canonical field to the file's column (repeat).",
        )  # fmt: skip
        command.add_argument("--decimal-comma", action="store_true", default=None)
        command.add_argument("--encoding", default="", help="Text encoding, e.g. cp1254.")
        command.add_argument(
            "--kind", choices=DataKind.values, default=DataKind.MICRODATA,
            help="microdata (one row per enterprise) or aggregates (a published table: one row "
            "per size class and section).",
        )  # fmt: skip
        command.add_argument("--source-title", default="", help="Required for aggregates.")
        command.add_argument("--source-publisher", default="")
        command.add_argument("--source-url", default="")
        command.add_argument("--source-published", default="", help="As stated, e.g. 2024.")
        command.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        country = MemberState.objects.filter(code=options["country"].upper()).first()
        if country is None:
            codes = ", ".join(MemberState.objects.values_list("code", flat=True))
            raise CommandError(f"--country {options['country']!r}: not a member state ({codes}).")
        try:
            with path.open("rb") as handle:
                received = imports.upload_receive(
                    user=None,
                    file=File(handle),
                    filename=path.name,
                    country=country,
                    year=options["year"],
                    via=Upload.Via.COMMAND,
                    mapping_name=options["mapping"],
                    columns=_columns(options["map"]),
                    decimal_comma=options["decimal_comma"],
                    encoding=options["encoding"],
                    kind=options["kind"],
                    source=imports.SourceGiven(
                        title=options["source_title"],
                        publisher=options["source_publisher"],
                        url=options["source_url"],
                        published=options["source_published"],
                    ),
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        upload = received.upload
        if not received.already_imported:
            upload = imports.upload_process(upload.pk)
        self._report(upload, received.already_imported, as_json=options["json"])
        if upload.status == Upload.Status.REFUSED:
            raise SystemExit(1)

    def _report(self, upload: Upload, already: bool, *, as_json: bool) -> None:
        summary = {
            "upload": upload.pk,
            "country": upload.country.code,
            "year": upload.year,
            "kind": upload.kind,
            "source": upload.source.title if upload.source else None,
            "status": upload.status,
            "already_imported": already,
            "message": upload.message,
            "sha256": upload.sha256,
            "rows_read": upload.rows_read,
            "rows_accepted": upload.rows_accepted,
            "rows_rejected": upload.rows_rejected,
            "rejects_file": upload.rejects.path if upload.rejects else None,
            "rejected_by_reason": upload.reasons,
            "size_classes": upload.class_counts,
            "unclassified": upload.unclassified,
            "quality": upload.quality,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        if upload.status == Upload.Status.REFUSED:
            self.stderr.write(f"Refused: {upload.message}")
            return
        if already:
            self.stdout.write("This file was imported before; nothing changed.")
        self.stdout.write(
            f"{upload.country.code} {upload.year}: {upload.rows_read:,} rows read, "
            f"{upload.rows_accepted:,} accepted, {upload.rows_rejected:,} rejected."
        )
        if upload.rejects:
            self.stdout.write(f"Rejects: {upload.rejects.path}")
        for code, classes in upload.class_counts.items():
            counts = ", ".join(f"{name} {n:,}" for name, n in classes.items())
            self.stdout.write(f"  {code}: {counts}")
