"""Files attached to drafts and answers: checked by the platform's attachment rule (size and
type by content, `core.uploads`), stored under a safe name with their SHA-256."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.text import get_valid_filename

from d8coop.core.uploads import validate_attachment


class FileRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    file: File
    name: str
    size: int
    sha256: str


def check_file(upload: Any) -> CheckedFile:
    """The upload, named safely, with its size and SHA-256; refused with the rule's message if
    too large, of a type not accepted, or not what its name says."""
    name = os.path.basename(getattr(upload, "name", "") or "file")
    try:
        validate_attachment(upload)
    except ValidationError as error:
        raise FileRefused(f"“{name}”: " + " ".join(error.messages)) from None
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    extension = os.path.splitext(name)[1].lower()
    safe = get_valid_filename(name)[:150] or f"file{extension}"
    return CheckedFile(
        file=File(upload, name=safe), name=name[:200], size=upload.size, sha256=digest.hexdigest()
    )
