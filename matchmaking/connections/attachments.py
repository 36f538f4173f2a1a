"""The one place that accepts message attachments.

Accepted: PDF, PNG/JPEG/WebP (through `core.images`, so pictures are re-encoded and lose
their metadata), DOCX/XLSX and plain text — each recognised by its extension AND its
content (magic bytes / structure), within CONNECTION_ATTACHMENT_MAX_BYTES. Anything else
raises a ValidationError that says what is wrong.
"""

from __future__ import annotations

import io
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from matchmaking.core.uploads import (
    IMAGE_EXTENSIONS,
    CheckedFile,
    checked_image,
    extension_of,
    read_within,
    require_pdf,
    safe_name,
)

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
}
ACCEPT_ATTRIBUTE = ".pdf,.png,.jpg,.jpeg,.webp,.docx,.xlsx,.txt"


def _not_allowed() -> ValidationError:
    return ValidationError(
        _("Attach a PDF, PNG, JPEG, WebP, DOCX, XLSX or TXT file."), code="type_not_allowed"
    )


def _check_office(data: bytes, folder: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ValidationError(
            _("This file is not a valid Office document."), code="content_mismatch"
        ) from None
    if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
        raise ValidationError(
            _("This file is not a valid Office document."), code="content_mismatch"
        )


def check_attachment(upload) -> CheckedFile:
    max_bytes = settings.CONNECTION_ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    name = safe_name(getattr(upload, "name", ""), fallback="attachment")
    extension = extension_of(name)
    if extension in IMAGE_EXTENSIONS:
        return checked_image(upload, name, name_prefix="attachment")
    if extension not in DOCUMENT_TYPES:
        raise _not_allowed()
    data = read_within(upload, max_bytes)
    if extension == ".pdf":
        require_pdf(data)
    if extension == ".docx":
        _check_office(data, "word/")
    if extension == ".xlsx":
        _check_office(data, "xl/")
    if extension == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                _("Text files must be UTF-8 encoded."), code="content_mismatch"
            ) from None
        if b"\x00" in data:
            raise ValidationError(_("This is not a plain text file."), code="content_mismatch")
    stored = ContentFile(data, name=f"attachment-{uuid.uuid4().hex[:16]}{extension}")
    return CheckedFile(
        content=stored, name=name, content_type=DOCUMENT_TYPES[extension], size=len(data)
    )
