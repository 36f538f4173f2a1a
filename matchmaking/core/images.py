"""The one place that accepts uploaded images (logos, screenshots, case images).

Only real JPEG, PNG and WebP files within a byte and pixel limit are accepted. Every
accepted image is decoded and re-encoded from its pixels, which drops EXIF/XMP/ICC
metadata (GPS positions, camera serials) and anything smuggled after the image data,
and a thumbnail is made. Anything else — a text file named `.png`, an SVG, a
decompression bomb, an oversized file, a truncated file — raises a ValidationError with
a message that says what is wrong, before anything is written to storage.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

from matchmaking.core.text import upload_help

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class ProcessedImage:
    """A validated, re-encoded image and its thumbnail, ready to be stored."""

    content: ContentFile
    thumbnail: ContentFile
    format: str
    width: int
    height: int


def _limits() -> tuple[int, int, int]:
    return settings.IMAGE_UPLOAD_MAX_BYTES, settings.IMAGE_MAX_PIXELS, settings.IMAGE_MAX_SIDE


def _read_bytes(upload) -> bytes:
    max_bytes, _pixels, _side = _limits()
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; images may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    return read_within(upload, max_bytes)


def read_within(upload, max_bytes: int) -> bytes:
    """The upload's bytes, or a ValidationError when it is larger than ``max_bytes`` or empty
    (the declared size can lie, so at most ``max_bytes + 1`` bytes are read to know). Every
    upload reads through this (pictures here, documents and attachments via core.uploads)."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Identify the image from its header and check its dimensions before decoding."""
    _bytes, max_pixels, max_side = _limits()
    not_an_image = ValidationError(
        _(
            "This file is not a JPEG, PNG or WebP image (other formats, such as SVG, are not accepted)."
        ),
        code="not_an_image",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ValidationError(
                _(
                    "The image has far too many pixels; images may have at most %(max_pixels)s pixels."
                )
                % {"max_pixels": f"{max_pixels:,}"},
                code="too_many_pixels",
            ) from None
        except UnidentifiedImageError:
            raise not_an_image from None
        except (OSError, ValueError, SyntaxError):
            raise not_an_image from None
    width, height = image.size
    if width < 1 or height < 1:
        raise not_an_image
    if width * height > max_pixels or max(width, height) > max_side:
        raise ValidationError(
            _(
                "The image is %(width)s×%(height)s pixels; images may have at most "
                "%(max_pixels)s pixels and %(max_side)s pixels on a side."
            )
            % {
                "width": width,
                "height": height,
                "max_pixels": f"{max_pixels:,}",
                "max_side": max_side,
            },
            code="too_many_pixels",
        )
    return image


def _decode(data: bytes) -> tuple[Image.Image, str]:
    image = _open_checked(data)
    image_format = image.format
    try:
        image.verify()  # structural check; the image must be reopened afterwards
        image = Image.open(io.BytesIO(data), formats=[image_format])
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except Exception:  # noqa: BLE001 - any decoder failure means a broken file
        raise ValidationError(
            _("The image file is damaged or incomplete and cannot be read."), code="corrupt"
        ) from None
    return image, image_format


def _normalise_mode(image: Image.Image, image_format: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image_format == "JPEG":
        return image.convert("RGB")
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "WEBP", quality=85, method=4)
    return buffer.getvalue()


def process_image(upload, *, name_prefix: str = "img") -> ProcessedImage:
    """Validate an uploaded file and return the re-encoded image and its thumbnail.

    Raises ValidationError (with a message for the user) when the file is not acceptable.
    """
    data = _read_bytes(upload)
    decoded, image_format = _decode(data)
    # Apply the EXIF orientation, then copy pixels into a fresh image: no metadata survives.
    oriented = ImageOps.exif_transpose(decoded)
    clean = _normalise_mode(oriented, image_format)
    clean = Image.frombytes(clean.mode, clean.size, clean.tobytes())
    stored_side = settings.IMAGE_STORED_MAX_SIDE
    if max(clean.size) > stored_side:
        clean.thumbnail((stored_side, stored_side), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    thumb.thumbnail(settings.IMAGE_THUMBNAIL_SIZE, Image.Resampling.LANCZOS)

    extension = ACCEPTED_FORMATS[image_format]
    stem = f"{name_prefix}-{uuid.uuid4().hex[:16]}"
    return ProcessedImage(
        content=ContentFile(_encode(clean, image_format), name=f"{stem}.{extension}"),
        thumbnail=ContentFile(_encode(thumb, image_format), name=f"{stem}-thumb.{extension}"),
        format=image_format,
        width=clean.size[0],
        height=clean.size[1],
    )


def store_image(
    instance, field: str, thumbnail_field: str | None, processed: ProcessedImage
) -> None:
    """Attach a processed image (and its thumbnail) to a model instance without saving it."""
    getattr(instance, field).save(processed.content.name, processed.content, save=False)
    if thumbnail_field:
        getattr(instance, thumbnail_field).save(
            processed.thumbnail.name, processed.thumbnail, save=False
        )


class ImageUploadField(forms.FileField):
    """A form field that runs `process_image` and cleans to a ProcessedImage (or None)."""

    default_error_messages = {
        "invalid": gettext_lazy("Upload a JPEG, PNG or WebP image."),
    }

    def __init__(self, *args, name_prefix: str = "img", **kwargs):
        self.name_prefix = name_prefix
        kwargs.setdefault(
            "help_text",
            upload_help(
                gettext_noop("JPEG, PNG or WebP, at most %(size)s."),
                settings.IMAGE_UPLOAD_MAX_BYTES,
            ),
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None or upload is False or upload is initial:
            return upload
        return process_image(upload, name_prefix=self.name_prefix)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageUploadField(ImageUploadField):
    """Several images in one input (screenshots, galleries), each under the same rules."""

    def __init__(self, *args, max_files: int = 6, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > self.max_files:
            raise ValidationError(
                _("At most %(count)s images may be uploaded.") % {"count": self.max_files},
                code="too_many_files",
            )
        single = ImageUploadField(required=False, name_prefix=self.name_prefix)
        processed, errors = [], []
        for upload in files:
            try:
                processed.append(single.clean(upload))
            except ValidationError as exc:
                errors.extend(
                    ValidationError(f"{upload.name}: {message}") for message in exc.messages
                )
        if errors:
            raise ValidationError(errors)
        if self.required and not processed:
            raise ValidationError(self.error_messages["required"], code="required")
        return processed


class ModelImageUploadField(ImageUploadField):
    """The form field of a ProcessedImageField: what every ModelForm (the admin's included)
    gets for an image column. Cleans to a ProcessedImage, None (no change) or False (clear)."""


class ProcessedImageField(models.ImageField):
    """An image column whose form field is the one validator and re-encoder above.

    Any ModelForm built for the model — the Django admin's, or a site form that lists the
    field — validates the upload with ``process_image`` (JPEG/PNG/WebP only, within the byte
    and pixel limits), stores the re-encoded pixels under a generated name (no metadata, not
    the uploader's file name) and fills ``thumbnail_field`` with the thumbnail. Clearing the
    image clears the thumbnail too.

    Only forms change; the column is a plain ImageField, so ``deconstruct`` reports one and
    no migration is involved.
    """

    def __init__(self, *args, thumbnail_field: str | None = None, name_prefix="img", **kwargs):
        self.thumbnail_field = thumbnail_field
        self.name_prefix = name_prefix
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs

    def formfield(self, **kwargs):
        kwargs.pop("form_class", None)  # never Django's forms.ImageField (any Pillow format)
        return super().formfield(
            **{"form_class": ModelImageUploadField, "name_prefix": self.name_prefix, **kwargs}
        )

    def save_form_data(self, instance, data):
        if isinstance(data, ProcessedImage):
            # Assigned, not yet written: the files are stored when the instance is saved.
            setattr(instance, self.name, data.content)
            if self.thumbnail_field:
                setattr(instance, self.thumbnail_field, data.thumbnail)
            return
        if data is False and self.thumbnail_field:
            setattr(instance, self.thumbnail_field, "")
        super().save_form_data(instance, data)


class ThumbnailImageField(models.ImageField):
    """The thumbnail column next to a ProcessedImageField: written only from a processed
    image, so it has no form field of its own (show it read-only in the admin)."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs

    def formfield(self, **kwargs):
        return None
