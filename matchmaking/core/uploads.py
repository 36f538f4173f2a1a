"""Checks every accepted upload shares: a clean display name, pictures re-encoded, files read
within a size limit. The modules that accept a kind of file (accounts.documents for
verification documents, connections.attachments for message attachments) decide which types
they take and check each type's content."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from matchmaking.core.images import process_image, read_within

__all__ = [  # read_within is core.images', the one bounded read of every upload
    "IMAGE_EXTENSIONS",
    "IMAGE_TYPES",
    "PDF_MAGIC",
    "CheckedFile",
    "checked_image",
    "extension_of",
    "read_within",
    "require_pdf",
    "safe_name",
]

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp"}
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile
    name: str  # the original file name, cleaned, for display and download
    content_type: str
    size: int

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def safe_name(name: str, fallback: str) -> str:
    """The upload's base name without control characters or path and shell separators."""
    base = os.path.basename(name or "").strip()
    base = re.sub(r"[\x00-\x1f\x7f/\\\"<>:|?*]", "_", base)
    return base[:200] or fallback


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def checked_image(upload, name: str, name_prefix: str) -> CheckedFile:
    """A picture re-encoded by core.images (metadata dropped); the shown name takes the
    extension of the format it was stored in."""
    processed = process_image(upload, name_prefix=name_prefix)
    stem = os.path.splitext(name)[0]
    return CheckedFile(
        content=processed.content,
        name=f"{stem}.{processed.content.name.rsplit('.', 1)[-1]}",
        content_type=IMAGE_TYPES[processed.format],
        size=processed.content.size,
    )


def require_pdf(data: bytes) -> None:
    if not data.startswith(PDF_MAGIC):
        raise ValidationError(_("This file is not a PDF document."), code="content_mismatch")
