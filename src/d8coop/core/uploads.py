"""Checks on uploaded attachments: size and type, decided by content, not by the name alone."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Extension → the bytes such a file starts with (None: plain text, checked as UTF-8).
ATTACHMENT_TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".txt": None,
}


def validate_attachment(upload) -> None:
    """Refuse files larger than D8COOP_MAX_ATTACHMENT_BYTES or whose content is not the type
    their name claims, with a message that says which."""
    limit = settings.D8COOP_MAX_ATTACHMENT_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("Files of type “%(suffix)s” are not accepted; use one of: %(allowed)s."),
            code="type_not_accepted",
            params={"suffix": suffix or "?", "allowed": ", ".join(ATTACHMENT_TYPES)},
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = ATTACHMENT_TYPES[suffix]
    if signatures is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # a cut multi-byte character at the end is fine
                raise ValidationError(
                    _("The file is not UTF-8 text as its name says."), code="type_mismatch"
                ) from error
    elif not head.startswith(signatures):
        raise ValidationError(
            _("The file's content is not a %(suffix)s file as its name says."),
            code="type_mismatch",
            params={"suffix": suffix},
        )
