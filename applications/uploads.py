"""Attachments: checking an upload, the upload form, and the services that add and remove attachments.

The type of a file is decided by its content, never by its name or the browser's claim. ZIP-based
documents (ODT, DOCX) are measured from the archive's directory before any entry is decompressed, so
that a small upload cannot unpack into gigabytes. Files are stored under a random name in MEDIA_ROOT,
which no URL serves; only `attachment_views.attachment_download` hands them out, after an access check.
"""

import codecs
import hashlib
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.services import PortalError
from applications.models import Attachment

MEGABYTE = 1024 * 1024


CHUNK_SIZE = 64 * 1024


MAX_ATTACHMENTS = 20


DESCRIPTION_MAX_LENGTH = Attachment.DESCRIPTION_MAX_LENGTH


DISPLAY_NAME_MAX_LENGTH = 150


# Limits for ZIP-based documents, checked from the archive's directory before anything is unpacked.
ZIP_MAX_UNCOMPRESSED = 100 * MEGABYTE


ZIP_MAX_ENTRIES = 10_000


ZIP_MAX_RATIO = 100


PDF = "application/pdf"


PNG = "image/png"


JPEG = "image/jpeg"


ODT = "application/vnd.oasis.opendocument.text"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


TXT = "text/plain"


EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", ODT: "odt", DOCX: "docx", TXT: "txt"}


TYPE_LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", ODT: "ODT", DOCX: "DOCX", TXT: "TXT"}


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


ZIP_SIGNATURE = b"PK\x03\x04"


# Control characters other than tab, line feed, form feed and carriage return (C0, DEL and C1).
TEXT_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


# Characters that Windows does not allow in file names; officers save attachments on Windows.
WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


# What looks like a file extension: up to five letters and digits, at least one of them a letter.
EXTENSION_LIKE = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


def allowed_types_message() -> str:
    return _("Allowed file types are PDF, PNG, JPEG, ODT, DOCX and plain text (TXT) in UTF-8.")


def too_many_message() -> str:
    return _("An application can have at most %(count)d attachments. Remove one before adding another.") % {
        "count": MAX_ATTACHMENTS
    }


def megabytes(size: int) -> str:
    """`size` bytes in megabytes, written the way the current language writes numbers."""
    value = size / MEGABYTE
    return formats.number_format(value, decimal_pos=0 if value == int(value) else 1)


@dataclass(frozen=True)
class UploadCheck:
    content_type: str
    extension: str
    size: int
    sha256: str
    display_name: str


class _Rejected(Exception):
    """An archive that must not be read further; carries the ValidationError code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _rejection(code: str) -> ValidationError:
    messages = {
        "empty": _("The file is empty."),
        "too_large": _("The file is too large. The largest allowed size is %(limit)s MB.")
        % {"limit": megabytes(settings.ATTACHMENT_MAX_BYTES)},
        "unsupported_type": _("This type of file is not accepted.") + " " + allowed_types_message(),
        "damaged": _("The document is damaged or password-protected, so it cannot be accepted."),
        "zip_bomb": _(
            "The document unpacks into too much data, so it cannot be accepted. "
            "Save it again, or send it as a PDF."
        ),
        "macros": _("Documents with macros are not accepted. Save it without macros, or as a PDF."),
    }
    return ValidationError(messages[code], code=code)


def inspect_upload(uploaded: File) -> UploadCheck:
    """Check an uploaded file and describe it; raise ValidationError if it must not be accepted."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if not uploaded.size:
        raise _rejection("empty")
    if uploaded.size > limit:
        raise _rejection("too_large")
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        if size > limit:
            raise _rejection("too_large")
    if size == 0:
        raise _rejection("empty")
    content_type = _detect(uploaded)
    extension = EXTENSIONS[content_type]
    return UploadCheck(
        content_type=content_type,
        extension=extension,
        size=size,
        sha256=digest.hexdigest(),
        display_name=sanitise_display_name(uploaded.name or "", extension),
    )


def _detect(uploaded: File) -> str:
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(ZIP_SIGNATURE):
        return _detect_zip(uploaded)
    if _is_plain_text(uploaded):
        return TXT
    raise _rejection("unsupported_type")


def _is_plain_text(uploaded: File) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in uploaded.chunks(CHUNK_SIZE):
            if TEXT_CONTROL_CHARACTERS.search(decoder.decode(chunk)):
                return False
        return not TEXT_CONTROL_CHARACTERS.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False


def _detect_zip(uploaded: File) -> str:
    try:
        with zipfile.ZipFile(uploaded) as archive:
            entries = archive.infolist()
            _check_zip_limits(entries)
            content_type = _zip_document_type(archive, entries)
            # Unpack everything once (with a cap) so that a damaged entry is refused now, not by an officer.
            for info in entries:
                _read_entry(archive, info)
            return content_type
    except _Rejected as exc:
        raise _rejection(exc.code) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,  # an encrypted entry
        NotImplementedError,  # an unsupported compression method
    ):
        raise _rejection("damaged") from None
    finally:
        uploaded.seek(0)


def _check_zip_limits(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP bomb from the sizes the archive declares, before a single entry is decompressed."""
    if len(entries) > ZIP_MAX_ENTRIES:
        raise _Rejected("zip_bomb")
    if sum(info.file_size for info in entries) > ZIP_MAX_UNCOMPRESSED:
        raise _Rejected("zip_bomb")
    for info in entries:
        if info.file_size > info.compress_size * ZIP_MAX_RATIO:
            raise _Rejected("zip_bomb")
        if info.flag_bits & 0x1:
            raise _Rejected("damaged")


def _zip_document_type(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> str:
    names = {info.filename for info in entries}
    if entries and entries[0].filename == "mimetype":
        if _read_entry(archive, entries[0], keep=100) == ODT.encode():
            return ODT
        raise _Rejected("unsupported_type")
    if {"[Content_Types].xml", "word/document.xml"} <= names:
        if "word/vbaProject.bin" in names:
            raise _Rejected("macros")
        return DOCX
    raise _Rejected("unsupported_type")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, keep: int = 0) -> bytes:
    """Unpack one entry in chunks and return its first `keep` bytes."""
    with archive.open(info) as stream:
        return drain(stream, declared=info.file_size, keep=keep)


def drain(stream: IO[bytes], *, declared: int, keep: int = 0) -> bytes:
    """Read `stream` to its end in chunks; stop as soon as it yields more than the `declared` bytes."""
    kept = b""
    total = 0
    while chunk := stream.read(CHUNK_SIZE):
        total += len(chunk)
        if total > declared:
            raise _Rejected("zip_bomb")
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return kept


def sanitise_display_name(name: str, extension: str) -> str:
    """The user's file name, safe to show and to offer as a download name, ending in `extension`.

    Path parts, control and formatting characters (bidi overrides and isolates among them) and leading
    dots go; whitespace collapses; the extension is the detected type's, whatever the name claimed.
    """
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    # Categories C*: control, format (bidi marks, overrides, isolates, zero-width), surrogate, private, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = WINDOWS_RESERVED.sub("_", name)
    name = " ".join(name.split())
    base, dot, suffix = name.rpartition(".")
    if not dot or not EXTENSION_LIKE.fullmatch(suffix):
        base = name
    base = base.lstrip(". ").rstrip(". ")
    base = base[: DISPLAY_NAME_MAX_LENGTH - len(extension) - 1].rstrip(". ")
    return f"{base or 'attachment'}.{extension}"


def _unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`... so that each attachment of an application has its own name."""
    if name not in taken:
        return name
    base, _dot, extension = name.rpartition(".")
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = (
            f"{base[: DISPLAY_NAME_MAX_LENGTH - len(extension) - 1 - len(suffix)]}{suffix}.{extension}"
        )
        if candidate not in taken:
            return candidate
        number += 1


# An upload refused for its size answers 413, for its type 415, for anything else 400.
REJECTION_STATUS: dict[str | None, int] = {"too_large": 413, "unsupported_type": 415}


def checked_upload(uploaded: File) -> UploadCheck:
    """`inspect_upload` for services: a refused file is a PortalError with the status above."""
    try:
        return inspect_upload(uploaded)
    except ValidationError as exc:
        raise PortalError(" ".join(exc.messages), status=REJECTION_STATUS.get(exc.code, 400)) from None
