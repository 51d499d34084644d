"""The one check of an uploaded document: size, an allowed extension, bytes that match it,
and its SHA-256. Evidence, urge replies and the conclusions of clues and petitions all use it."""

from __future__ import annotations

import dataclasses
import hashlib

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import InvalidInput

# Allowed extensions and the content types their bytes must show.
ALLOWED_TYPES: dict[str, set[str]] = {
    "pdf": {"pdf"},
    "doc": {"doc", "ole"},
    "docx": {"docx"},
    "xls": {"xls", "ole"},
    "xlsx": {"xlsx"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "png": {"png"},
    "zip": {"zip", "docx", "xlsx"},
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    """What is known of an upload once it has passed the check."""

    name: str
    size: int
    content_type: str
    sha256: str


def sniff_kind(head: bytes) -> str | None:
    """What the file's bytes say it is, whatever its name claims."""
    guess = filetype.guess(head)
    if guess is not None:
        return guess.extension
    if head.startswith(OLE_SIGNATURE):
        return "ole"  # Word 97 / Excel 97 compound file that filetype cannot name further
    return None


def hash_file(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def check_upload(uploaded_file: UploadedFile, *, field: str = "file") -> CheckedFile:
    """Refuse an empty or too large file, a type not allowed, or bytes that are not what the
    name says (InvalidInput naming `field`); answer the file's name, size, type and hash."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = uploaded_file.size
    if not size:  # 0, or None from a file object that was never measured
        raise InvalidInput(_("The file is empty."), field=field)
    if size > limit:
        raise InvalidInput(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": size / 1048576, "limit": limit / 1048576},
            field=field,
        )
    name = (uploaded_file.name or "").rsplit("/", 1)[-1][:255]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        raise InvalidInput(
            _("Allowed file types: PDF, Word, Excel, JPG, PNG and ZIP."), field=field
        )
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    if sniff_kind(head) not in ALLOWED_TYPES[extension]:
        raise InvalidInput(
            _("The file's content is not a %(ext)s file; it was refused.")
            % {"ext": extension.upper()},
            field=field,
        )
    return CheckedFile(
        name=name,
        size=size,
        content_type=CONTENT_TYPES[extension],
        sha256=hash_file(uploaded_file),
    )
