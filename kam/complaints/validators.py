"""Attachments: size limit and a whitelist checked by extension and by content."""

import uuid
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg is an OLE compound file
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "msg": (OLE,),
}
TEXT_TYPES = {"txt", "eml"}
ZIP_MARKERS = {"xlsx": "xl/", "docx": "word/"}
ALLOWED = sorted({*MAGIC, *TEXT_TYPES})


def extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def _office_file_matches(file, kind: str) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return any(name.startswith(ZIP_MARKERS[kind]) for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        file.seek(0)


def content_matches(file, kind: str) -> bool:
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if kind in TEXT_TYPES:
        return _looks_like_text(head)
    if not any(head.startswith(magic) for magic in MAGIC[kind]):
        return False
    return _office_file_matches(file, kind) if kind in ZIP_MARKERS else True


def validate_attachment(file) -> None:
    """Refuses files that are too big, of a type not allowed, or whose content is not that type."""
    name = getattr(file, "name", "") or ""
    kind = extension(name)
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is too big (%(size)s MB); at most %(limit)s MB are allowed.")
            % {
                "size": f"{file.size / 1024 / 1024:.1f}",
                "limit": MAX_ATTACHMENT_BYTES // 1024 // 1024,
            }
        )
    if kind not in ALLOWED:
        raise ValidationError(
            _("Files of type “%(kind)s” are not allowed. Allowed: %(allowed)s.")
            % {"kind": kind or "?", "allowed": ", ".join(ALLOWED)}
        )
    if not content_matches(file, kind):
        raise ValidationError(
            _("The content of the file does not match its type “%(kind)s”.") % {"kind": kind}
        )


def attachment_path(instance, filename: str) -> str:
    """A random stored name: the customer's file name never becomes a path."""
    return f"complaints/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension(filename)}"
