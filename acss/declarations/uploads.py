"""Attachments: the type is decided by the content, never by the name; the file never runs in a browser.

Accepted: PDF, images (PNG, JPEG, GIF, WebP), office documents (OOXML, OpenDocument), ZIP archives, e-mails
(.eml) and plain text (logs, CSV). Refused: anything else, executables whatever their name, HTML and SVG
(which a browser would run), and a file whose content contradicts its extension.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

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
    """Validate an upload on its content; raise ValidationError with a French message naming the file."""
    name = upload.name or "fichier"
    if upload.size > max_upload_size():
        raise ValidationError(
            _("« %(name)s » pèse %(size)s : la limite est de %(limit)s par fichier.")
            % {"name": name, "size": file_size(upload.size), "limit": max_upload_label()},
            code="too_big",
        )
    if upload.size == 0:
        raise ValidationError(_("« %(name)s » est vide.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    ext = PurePath(name).suffix.lower()
    if head.startswith(EXECUTABLE_MAGIC):
        raise ValidationError(
            _("« %(name)s » est un programme exécutable : ce type de fichier est refusé.") % {"name": name},
            code="executable",
        )
    kind = filetype.guess(head)
    if kind is not None:
        allowed = BINARY_TYPES.get(kind.mime)
        if allowed is None:
            raise ValidationError(
                _(
                    "« %(name)s » est de type %(type)s, qui n'est pas accepté. Types acceptés : PDF, images, "
                    "documents bureautiques, archives ZIP, courriels et texte."
                )
                % {"name": name, "type": kind.mime},
                code="type",
            )
        if ext not in allowed:
            raise ValidationError(
                _("Le contenu de « %(name)s » (%(type)s) ne correspond pas à son extension.")
                % {"name": name, "type": kind.mime},
                code="mismatch",
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
            raise ValidationError(
                _("« %(name)s » contient du HTML ou du SVG actif : ce type de fichier est refusé.") % {"name": name},
                code="active",
            )
        if b"\x00" in chunk:
            raise ValidationError(_("« %(name)s » n'est pas un fichier texte lisible.") % {"name": name}, code="type")
    upload.seek(0)
    if ext not in TEXT_EXTENSIONS:
        raise ValidationError(
            _("Le contenu de « %(name)s » ne correspond pas à son extension (%(ext)s).") % {"name": name, "ext": ext},
            code="mismatch",
        )
    return "message/rfc822" if ext == ".eml" else "text/plain"
