"""National statistics imports: receive a file, import it, make its aggregates current.

Two kinds of data: enterprise-level microdata (`engine.microdata`, validated, classified and
aggregated by DuckDB) and a member state's published table of enterprises, employment and
turnover by size class and sector (`engine.aggregates`). Either kind becomes the current
figures of its country and year.

`upload_receive` checks who may upload for which member state and year, keeps the original
with its SHA-256 and answers an identical file already imported with the existing upload
(idempotent). `upload_process` runs the engine (`engine.files`, `engine.microdata`) in a work
folder and, in one transaction, stores the aggregates and moves `is_current` from the old
upload of the country-year to the new one. A refused file changes nothing but its own upload's
status and message. Pages, the API, the command line and the task worker all come here.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import can_act_for_state, focal_point_states, is_secretariat
from d8coop.core.models import Source
from d8coop.members.models import MemberState
from d8coop.statistics.engine import aggregates as published_table
from d8coop.statistics.engine import microdata
from d8coop.statistics.engine.files import FileRefused, ReadableFile, prepare
from d8coop.statistics.engine.microdata import (
    ImportPlan,
    ImportResult,
    MappingError,
    guess_mapping,
    run_import,
)
from d8coop.statistics.engine.money import ExchangeRates
from d8coop.statistics.models import (
    ColumnMapping,
    DataKind,
    ExchangeRate,
    SmeAggregate,
    SmeDefinition,
    Upload,
)

log = logging.getLogger(__name__)
# The class counts' key for a published table of a state with no definition on record.
AS_PUBLISHED = "as-published"
FIRST_YEAR = 1990
PROGRESS_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class Shape:
    """The canonical fields of a kind of data and how a mapping must cover them."""

    fields: tuple[str, ...]
    required: tuple[str, ...]  # always kept from a saved mapping
    requirement: str  # in words, for messages
    check: Callable[[dict[str, str], tuple[str, ...]], None]  # raises MappingError

    def guess(self, columns: tuple[str, ...]) -> dict[str, str]:
        return guess_mapping(columns, self.fields)


SHAPES = {
    DataKind.MICRODATA: Shape(
        microdata.FIELD_NAMES, microdata.REQUIRED, ", ".join(microdata.REQUIRED),
        microdata.check_mapping,
    ),
    DataKind.AGGREGATES: Shape(
        published_table.FIELDS, published_table.REQUIRED,
        "size_class and one of enterprises, employment, turnover",
        published_table.check_mapping,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SourceGiven:
    """Where the uploaded figures come from, as the uploader names it."""

    title: str
    publisher: str = ""
    url: str = ""
    published: str = ""


@dataclass(frozen=True)
class Received:
    upload: Upload
    already_imported: bool  # the same file was imported for this country-year before


def can_upload(user: Any, country: MemberState) -> bool:
    """The secretariat for any member state; a focal point for their own state only."""
    return can_act_for_state(user, country.code)


def uploads_visible_to(user: Any) -> QuerySet[Upload]:
    """The secretariat sees every upload; a focal point those of the states they act for."""
    uploads = Upload.objects.select_related("country", "uploaded_by")
    if is_secretariat(user):
        return uploads
    return uploads.filter(country__code__in=focal_point_states(user))


def may_see_uploads(user: Any) -> bool:
    return is_secretariat(user) or bool(focal_point_states(user))


def get_upload_for_user(user: Any, pk: int) -> Upload:
    """The upload, if the user may see it (else Http404: others' uploads do not exist)."""
    upload = uploads_visible_to(user).filter(pk=pk).first()
    if upload is None:
        raise Http404("No such upload.")
    return upload


def upload_receive(
    *,
    user: Any,
    file: File,
    filename: str,
    country: MemberState,
    year: int,
    via: str,
    mapping_name: str = "",
    columns: dict[str, str] | None = None,
    decimal_comma: bool | None = None,
    encoding: str = "",
    kind: str = DataKind.MICRODATA,
    source: SourceGiven | None = None,
) -> Received:
    """Keep the file and record the upload, or refuse with a message (nothing kept).

    A published table must name its source; microdata may (the upload itself, with its file,
    uploader and date, is then the record of where the figures come from)."""
    if via != Upload.Via.COMMAND and not can_upload(user, country):
        raise PermissionDenied(
            _("Only the secretariat or a focal point of %(state)s may upload its data.")
            % {"state": country.name}
        )
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError(
            _("The reference year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": this_year}
        )
    if file.size is not None and file.size > settings.MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": f"{file.size:,}", "limit": f"{settings.MAX_IMPORT_BYTES:,}"}
        )
    if kind not in SHAPES:
        raise ValidationError(_("Unknown kind of data: %(kind)s.") % {"kind": kind})
    if kind == DataKind.AGGREGATES and (source is None or not source.title.strip()):
        raise ValidationError(_("Name the publication a published table comes from."))
    mapping = (
        _saved_mapping(country, mapping_name, kind) if mapping_name and columns is None else None
    )
    digest = _sha256(file)
    same = (
        Upload.objects.filter(country=country, year=year, kind=kind, sha256=digest, is_current=True)
        .select_related("country")
        .first()
    )
    if same is not None:
        return Received(same, already_imported=True)
    upload = Upload(
        country=country,
        year=year,
        kind=kind,
        currency=country.currency,
        filename=Path(filename).name[:255],
        size=file.size or 0,
        sha256=digest,
        mapping=mapping,
        columns=columns if columns is not None else (mapping.columns if mapping else {}),
        decimal_comma=(
            decimal_comma
            if decimal_comma is not None
            else (mapping.decimal_comma if mapping else False)
        ),
        encoding=encoding or (mapping.encoding if mapping else ""),
        via=via,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    file.seek(0)
    with transaction.atomic():
        if source is not None and source.title.strip():
            upload.source = _source(country, year, digest, source)
        upload.original.save(f"{digest[:16]}-{upload.filename}", file, save=False)
        upload.save()
        if columns is not None and mapping_name:
            upload.mapping = mapping_save(
                country, mapping_name, columns, upload.decimal_comma, kind=kind
            )
            upload.save(update_fields=["mapping"])
    return Received(upload, already_imported=False)


def _source(country: MemberState, year: int, digest: str, given: SourceGiven) -> Source:
    url = given.url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError(_("The source's address is not a web address.")) from exc
    source, _created = Source.objects.update_or_create(
        key=f"upload-{country.code.lower()}-{year}-{digest[:16]}",
        defaults={
            "title": given.title.strip()[:300],
            "publisher": given.publisher.strip()[:200],
            "url": url,
            "published_text": given.published.strip()[:60],
            "accessed_on": timezone.localdate(),
            "note": _("Named by the uploader of %(file)s.") % {"file": digest[:16]},
        },
    )
    return source


def _saved_mapping(country: MemberState, name: str, kind: str) -> ColumnMapping:
    mapping = ColumnMapping.objects.filter(country=country, name=name, kind=kind).first()
    if mapping is None:
        known = ", ".join(
            ColumnMapping.objects.filter(country=country, kind=kind).values_list("name", flat=True)
        )
        raise ValidationError(
            _("No saved mapping named %(name)s for %(state)s. Saved: %(known)s.")
            % {"name": name, "state": country.name, "known": known or _("none")}
        )
    return mapping


def mapping_save(
    country: MemberState,
    name: str,
    columns: dict[str, str],
    decimal_comma: bool,
    *,
    kind: str = DataKind.MICRODATA,
) -> ColumnMapping:
    """Save (or update) a named mapping for the state's next uploads."""
    mapping, _created = ColumnMapping.objects.update_or_create(
        country=country,
        name=name.strip()[:100],
        defaults={"columns": columns, "decimal_comma": decimal_comma, "kind": kind},
    )
    return mapping


def upload_columns(upload: Upload) -> tuple[str, ...]:
    """The columns of the upload's file, read in a scratch folder; a file that is not what it
    claims refuses the upload with the reason (and gives no columns)."""
    with tempfile.TemporaryDirectory(prefix="d8coop-columns-") as scratch:
        try:
            source = prepare(
                Path(upload.original.path),
                Path(scratch),
                max_bytes=settings.MAX_IMPORT_BYTES,
                country=upload.country.code,
                encoding=upload.encoding,
            )
        except FileRefused as exc:
            upload_refuse(upload, str(exc))
            return ()
    return source.columns


def mapping_problem(upload: Upload, columns: tuple[str, ...]) -> str:
    """Why the import cannot start without a mapping step ("" when it can): the upload's own
    (or saved) mapping must fit the file, or the file's column names cover the required
    fields."""
    shape = SHAPES[upload.kind]
    try:
        shape.check(upload.columns or shape.guess(columns), columns)
    except MappingError as exc:
        if upload.columns:
            return str(exc)
        return _unmapped(exc, shape, columns)
    return ""


def _unmapped(exc: MappingError, shape: Shape, columns: tuple[str, ...]) -> str:
    return (
        f"{exc} The file's columns are {', '.join(repr(c) for c in columns)}; "
        f"map them to the fields (required: {shape.requirement}) or name a saved mapping."
    )


def upload_set_mapping(
    *,
    user: Any,
    upload: Upload,
    columns: dict[str, str],
    decimal_comma: bool,
    save_as: str = "",
) -> Upload:
    """Map the file's columns to the fields (and keep the mapping under `save_as` for the
    state's next uploads); refused unless the user may upload for the state and the upload
    still waits. A mapping that does not fit the file is a ValidationError saying why."""
    if not can_upload(user, upload.country):
        raise PermissionDenied(
            _("Only the secretariat or a focal point of %(state)s may upload its data.")
            % {"state": upload.country.name}
        )
    if upload.status != Upload.Status.RECEIVED:
        raise ValidationError(_("This upload is no longer waiting for its columns."))
    file_columns = upload_columns(upload)
    if upload.status == Upload.Status.REFUSED:
        raise ValidationError(upload.message)
    try:
        SHAPES[upload.kind].check(columns, file_columns)
    except MappingError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        upload.columns = columns
        upload.decimal_comma = decimal_comma
        if save_as.strip():
            upload.mapping = mapping_save(
                upload.country, save_as, columns, decimal_comma, kind=upload.kind
            )
        upload.save(update_fields=["columns", "decimal_comma", "mapping"])
    return upload


def upload_start(upload: Upload) -> None:
    """Queue the import for the worker, once the upload's transaction is committed."""
    from d8coop.statistics import tasks

    transaction.on_commit(partial(tasks.import_upload.enqueue, upload.pk), robust=True)


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


# -- processing --------------------------------------------------------------------------------
def applicable_definitions(country: MemberState, year: int) -> list[SmeDefinition]:
    """The national definition in force at the end of the year, and the harmonized ones."""
    end = date(year, 12, 31)
    national = (
        SmeDefinition.objects.filter(kind=SmeDefinition.Kind.NATIONAL, country=country)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=end))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=end))
        .first()
    )
    harmonized = SmeDefinition.objects.filter(kind=SmeDefinition.Kind.HARMONIZED).order_by("code")
    return [*([national] if national else []), *harmonized]


def exchange_rates() -> ExchangeRates:
    return ExchangeRates.from_rows(
        ExchangeRate.objects.values_list("currency", "year", "lcu_per_usd")
    )


def upload_process(upload_id: int) -> Upload:
    """Import a received upload (idempotent: a finished upload is returned as it is)."""
    claimed = Upload.objects.filter(pk=upload_id, status=Upload.Status.RECEIVED).update(
        status=Upload.Status.RUNNING, phase="reading"
    )
    upload = Upload.objects.select_related("country").get(pk=upload_id)
    if not claimed:
        return upload
    work = Path(settings.DATA_DIR) / "statistics" / "work" / str(upload.pk)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        try:
            if upload.kind == DataKind.AGGREGATES:
                return _import_table(upload, work)
            result, plan = _import(upload, work)
        except (FileRefused, MappingError) as exc:
            return upload_refuse(upload, str(exc))
        return _make_current(upload, result, plan)
    except Exception:
        log.exception("Import of upload %s failed", upload.pk)
        upload_refuse(upload, _("The import failed on our side; the secretariat has been told."))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prepared(upload: Upload, work: Path) -> tuple[ReadableFile, dict[str, str]]:
    """The upload's file made readable, and the mapping that fits it (or MappingError)."""
    source = prepare(
        Path(upload.original.path),
        work,
        max_bytes=settings.MAX_IMPORT_BYTES,
        country=upload.country.code,
        encoding=upload.encoding,
    )
    shape = SHAPES[upload.kind]
    columns = upload.columns or shape.guess(source.columns)
    if upload.mapping_id is not None and columns == upload.mapping.columns:
        # A saved mapping serves the source's next files, which may lack an optional column.
        columns = {
            name: column
            for name, column in columns.items()
            if column in source.columns or name in shape.required
        }
    try:
        shape.check(columns, source.columns)
    except MappingError as exc:
        if upload.columns:
            raise
        raise MappingError(_unmapped(exc, shape, source.columns)) from exc
    Upload.objects.filter(pk=upload.pk).update(
        file_format=source.format,
        encoding=source.encoding,
        delimiter=source.delimiter,
        columns=columns,
    )
    return source, columns


def _import(upload: Upload, work: Path) -> tuple[ImportResult, ImportPlan]:
    source, columns = _prepared(upload, work)
    definitions = applicable_definitions(upload.country, upload.year)
    out = Path(settings.DATA_DIR) / "statistics" / "microdata" / upload.country.code
    out.mkdir(parents=True, exist_ok=True)
    plan = ImportPlan(
        source=source,
        mapping=columns,
        year=upload.year,
        currency=upload.currency,
        definitions=[d.engine_definition() for d in definitions],
        rates=exchange_rates(),
        work_dir=work,
        microdata_path=out / f"{upload.year}-{upload.pk}.parquet",
        rejects_path=work / "rejects.csv",
        decimal_comma=upload.decimal_comma,
        memory_limit=settings.IMPORT_MEMORY_LIMIT,
    )
    last = [0.0]

    def progress(phase: str, fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS or fraction in (0.0, 1.0):
            last[0] = now
            Upload.objects.filter(pk=upload.pk).update(phase=phase, progress=fraction)

    return run_import(plan, progress), plan


def upload_refuse(upload: Upload, message: str) -> Upload:
    """Refuse an upload with the reason; nothing else changes."""
    upload.refresh_from_db()
    upload.status = Upload.Status.REFUSED
    upload.message = message
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "message", "finished_at"])
    return upload


def _import_table(upload: Upload, work: Path) -> Upload:
    """A published table: its cells, as published, under the national definition in force."""
    source, columns = _prepared(upload, work)
    result = published_table.run_aggregates_import(
        source, columns, decimal_comma=upload.decimal_comma
    )
    rejects = work / "rejects.csv"
    published_table.write_rejects(result.rejects, rejects)
    national = [d for d in applicable_definitions(upload.country, upload.year) if d.country_id]
    definition = national[0] if national else None
    code = definition.code if definition else AS_PUBLISHED
    by_class: dict[str, int] = {}
    for cell in result.cells:
        if cell.isic_section == published_table.ALL_SECTIONS and cell.enterprises is not None:
            by_class[cell.size_class] = by_class.get(cell.size_class, 0) + cell.enterprises
    reasons = result.reasons
    read = result.rows_read
    with transaction.atomic():
        upload = _lock_for_swap(upload)
        SmeAggregate.objects.bulk_create(
            SmeAggregate(
                upload=upload,
                definition=definition,
                isic_section=cell.isic_section,
                size_class=cell.size_class,
                enterprises=cell.enterprises,
                employment=cell.employment,
                turnover=cell.turnover,
                turnover_reported=None,
                flags={},
            )
            for cell in result.cells
        )
        _finish(upload, rejects)
        upload.rows_read = read
        upload.rows_accepted = len(result.cells)
        upload.rows_rejected = result.rows_rejected
        upload.reasons = reasons
        upload.class_counts = {code: by_class}
        upload.quality = {
            "validity": len(result.cells) / read if read else None,
            "duplicates": reasons.get("duplicate_cell", 0),
            "timeliness_days": _timeliness(upload),
        }
        upload.save()
    return upload


def _lock_for_swap(upload: Upload) -> Upload:
    """Inside the swapping transaction: the upload, locked, with the current one it replaces
    (as `upload.replaces`) made no longer current."""
    # One swap per member state at a time: two imports of the same country-year finishing
    # together must not both find no current upload (the second would break the unique index).
    MemberState.objects.select_for_update().filter(pk=upload.country_id).first()
    upload = Upload.objects.select_for_update().select_related("country").get(pk=upload.pk)
    previous = (
        Upload.objects.select_for_update()
        .filter(country=upload.country, year=upload.year, is_current=True)
        .exclude(pk=upload.pk)
        .first()
    )
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
        upload.replaces = previous
    upload.is_current = True
    return upload


def _finish(upload: Upload, rejects: Path) -> None:
    with rejects.open("rb") as handle:
        upload.rejects.save(
            f"statistics/rejects/{upload.country.code}/{upload.year}-{upload.pk}.csv",
            File(handle),
            save=False,
        )
    upload.status = Upload.Status.DONE
    upload.phase, upload.progress = "done", 1.0
    upload.finished_at = timezone.now()


def _make_current(upload: Upload, result: ImportResult, plan: ImportPlan) -> Upload:
    codes = {d.code: d for d in SmeDefinition.objects.filter(code__in=result.class_counts)}
    with transaction.atomic():
        upload = _lock_for_swap(upload)
        SmeAggregate.objects.bulk_create(
            SmeAggregate(
                upload=upload,
                definition=codes[row.definition],
                isic_section=row.isic_section,
                size_class=row.size_class,
                enterprises=row.enterprises,
                employment=row.employment,
                turnover=row.turnover,
                turnover_reported=row.turnover_reported,
                flags={k: list(v) for k, v in row.flags.items()},
            )
            for row in result.aggregates
        )
        _finish(upload, plan.rejects_path)
        upload.rows_read = result.rows_read
        upload.rows_accepted = result.rows_accepted
        upload.rows_rejected = result.rows_rejected
        upload.reasons = result.reasons
        upload.class_counts = result.class_counts
        upload.unclassified = result.unclassified
        upload.quality = _quality(upload, result)
        upload.microdata = str(plan.microdata_path)
        upload.save()
    return upload


def _quality(upload: Upload, result: ImportResult) -> dict[str, Any]:
    """Data-quality scores of the upload: completeness per field, validity, duplicates and
    timeliness (days from the end of the reference year to the upload)."""
    read = result.rows_read
    return {
        "completeness": result.completeness,
        "validity": result.rows_accepted / read if read else None,
        "duplicates": result.duplicates,
        "duplicate_rate": result.duplicates / read if read else None,
        "timeliness_days": _timeliness(upload),
        "extra_columns": result.extra_columns,
    }


def _timeliness(upload: Upload) -> int:
    """Days from the end of the reference year to the upload."""
    received = timezone.localdate(upload.created_at) if upload.created_at else date.today()
    return (received - date(upload.year, 12, 31)).days
