"""The one place that accepts verification documents (the business licence, 营业执照).

Accepted: a JPEG, PNG or WebP picture (through `core.images`, so it is re-encoded and loses
its metadata, within IMAGE_UPLOAD_MAX_BYTES) or a PDF recognised by its extension AND its
magic bytes, within VERIFICATION_DOCUMENT_MAX_BYTES. Anything else raises a ValidationError
that says what is wrong, before anything is stored. Accepted files are stored like message
attachments (core.private_files): outside MEDIA_ROOT, served by a scoped view only.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
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

PDF_TYPE = "application/pdf"
ACCEPT_ATTRIBUTE = ".pdf,.png,.jpg,.jpeg,.webp"


def check_document(upload) -> CheckedFile:
    """Validate an uploaded licence and return it ready to store."""
    name = safe_name(getattr(upload, "name", ""), fallback="licence")
    extension = extension_of(name)
    if extension in IMAGE_EXTENSIONS:
        return checked_image(upload, name, name_prefix="licence")
    if extension != ".pdf":
        raise ValidationError(
            _("Upload the business licence as a PDF, JPEG, PNG or WebP file."),
            code="type_not_allowed",
        )
    max_bytes = settings.VERIFICATION_DOCUMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; a PDF may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    data = read_within(upload, max_bytes)
    require_pdf(data)
    return CheckedFile(
        content=ContentFile(data, name=f"licence-{uuid.uuid4().hex[:16]}.pdf"),
        name=name,
        content_type=PDF_TYPE,
        size=len(data),
    )


def _help_text_now() -> str:
    return _("PDF (at most %(pdf)s) or a JPEG, PNG or WebP photo (at most %(image)s).") % {
        "pdf": filesizeformat(settings.VERIFICATION_DOCUMENT_MAX_BYTES),
        "image": filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES),
    }


# Rendered in the language of the page that shows the form, not of the process's start.
_help_text = lazy(_help_text_now, str)


class DocumentUploadField(forms.FileField):
    """A form field that runs `check_document` and cleans to a CheckedFile (or None)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _help_text())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return check_document(upload)
