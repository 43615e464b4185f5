"""Attachments: the type is decided by the content, never by the name; the file never runs in a browser.

Accepted: PDF, images (PNG, JPEG, GIF, WebP), office documents (OOXML, OpenDocument), ZIP archives, e-mails
(.eml) and plain text (logs, CSV). Refused: anything else, executables whatever their name, HTML and SVG
(which a browser would run), and a file whose content contradicts its extension.

A file and its row go together: ``file_write`` stores a file under its final random name inside
``atomic_with_files``, which removes it again when the transaction does not commit, so that no file is left
without its row and no row without its file.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import PurePath
from typing import ParamSpec, TypeVar

import filetype
from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from acss.core.errors import Refusal
from acss.core.formats import file_size

BINARY_TYPES = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/zip": {".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {".xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
    "application/vnd.oasis.opendocument.text": {".odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {".ods"},
}
TEXT_EXTENSIONS = {".txt", ".log", ".csv", ".eml", ".json", ".xml", ""}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"#!")
ACTIVE_MARKUP = re.compile(
    rb"<\s*(html|svg|script|iframe|object|embed|body|!doctype\s+html)\b|javascript:", re.IGNORECASE
)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def max_upload_size() -> int:
    return getattr(settings, "ACSS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)


def max_upload_label() -> str:
    """The limit as the pages and the error messages write it (« 20 Mo »)."""
    return file_size(max_upload_size())


def upload_check(upload: UploadedFile) -> CheckedUpload:
    """Validate an upload on its content; a ``Refusal`` (on the « files » field) with a French message naming
    the file."""
    name = upload.name or "fichier"
    if upload.size > max_upload_size():
        raise Refusal(
            _("« %(name)s » pèse %(size)s : la limite est de %(limit)s par fichier.")
            % {"name": name, "size": file_size(upload.size), "limit": max_upload_label()},
            code="too_big",
            field="files",
        )
    if upload.size == 0:
        raise Refusal(_("« %(name)s » est vide.") % {"name": name}, code="empty", field="files")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    ext = PurePath(name).suffix.lower()
    if head.startswith(EXECUTABLE_MAGIC):
        raise Refusal(
            _("« %(name)s » est un programme exécutable : ce type de fichier est refusé.") % {"name": name},
            code="executable",
            field="files",
        )
    kind = filetype.guess(head)
    if kind is not None:
        allowed = BINARY_TYPES.get(kind.mime)
        if allowed is None:
            raise Refusal(
                _(
                    "« %(name)s » est de type %(type)s, qui n'est pas accepté. Types acceptés : PDF, images, "
                    "documents bureautiques, archives ZIP, courriels et texte."
                )
                % {"name": name, "type": kind.mime},
                code="type",
                field="files",
            )
        if ext not in allowed:
            raise Refusal(
                _("Le contenu de « %(name)s » (%(type)s) ne correspond pas à son extension.")
                % {"name": name, "type": kind.mime},
                code="mismatch",
                field="files",
            )
        content_type = kind.mime
    else:
        content_type = _text_type(upload, name, ext)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, size=upload.size, sha256=digest.hexdigest())


def _text_type(upload: UploadedFile, name: str, ext: str) -> str:
    for chunk in upload.chunks():
        if ACTIVE_MARKUP.search(chunk):
            raise Refusal(
                _("« %(name)s » contient du HTML ou du SVG actif : ce type de fichier est refusé.") % {"name": name},
                code="active",
                field="files",
            )
        if b"\x00" in chunk:
            raise Refusal(
                _("« %(name)s » n'est pas un fichier texte lisible.") % {"name": name}, code="type", field="files"
            )
    upload.seek(0)
    if ext not in TEXT_EXTENSIONS:
        raise Refusal(
            _("Le contenu de « %(name)s » ne correspond pas à son extension (%(ext)s).") % {"name": name, "ext": ext},
            code="mismatch",
            field="files",
        )
    return "message/rfc822" if ext == ".eml" else "text/plain"


# The files written inside the innermost ``files_kept_with_transaction`` block (None outside any).
_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("acss_files_written", default=None)


@contextmanager
def files_kept_with_transaction() -> Iterator[None]:
    """Wrap a transaction: the files ``file_write`` stores inside are removed again if the block raises.

    Put it outside ``transaction.atomic()`` (``atomic_with_files`` does): an error inside, or a commit that
    fails, rolls the rows back and takes the files with them. Nested, the inner block removes its own files
    when its savepoint rolls back, and hands them to the outer block otherwise: they go if the outer one fails.
    """
    outer = _written.get()
    mine: list[tuple[Storage, str]] = []
    token = _written.set(mine)
    try:
        yield
    except BaseException:
        for storage, name in mine:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(mine)


P = ParamSpec("P")
R = TypeVar("R")


def atomic_with_files(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service that stores files: what it wrote is removed if it does not commit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with files_kept_with_transaction(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def file_write(upload: UploadedFile, *, storage: Storage, name: str) -> str:
    """Store ``upload`` under ``name`` (a fresh random one) and return the name stored; inside an
    ``atomic_with_files`` service only, which removes it again if the transaction does not commit."""
    written = _written.get()
    if written is None:
        raise RuntimeError("file_write outside atomic_with_files: the file could outlive a rolled-back row")
    written.append((storage, name))  # before writing: a half-written file is removed too
    upload.seek(0)
    stored = storage.save(name, upload)
    if stored != name:
        written.append((storage, stored))
    return stored


def file_download(file, *, filename: str) -> FileResponse:
    """A stored file as a download, never shown by the browser: an attachment of an opaque type, sniffing off,
    and a sandbox with nothing allowed should it be opened anyway."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type="application/octet-stream"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
