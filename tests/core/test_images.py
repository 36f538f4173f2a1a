"""The shared image rules (matchmaking/core/images.py)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from matchmaking.core.images import process_image
from tests.factories import image_bytes


def upload(
    data: bytes, name: str = "logo.png", content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims huge dimensions (a decompression bomb's signature)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    idat = zlib.compress(b"\x00" * 64)
    idat_chunk = b"IDAT" + idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + crc
        + struct.pack(">I", len(idat))
        + idat_chunk
        + struct.pack(">I", zlib.crc32(idat_chunk) & 0xFFFFFFFF)
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND") & 0xFFFFFFFF)
    )


class ImageRulesTests:
    def test_real_png_is_accepted_reencoded_and_thumbnailed(self, settings):
        """A real PNG comes back as a new PNG of the same size plus a smaller thumbnail."""
        settings.IMAGE_THUMBNAIL_SIZE = (32, 32)
        original = image_bytes("PNG", (640, 480))
        processed = process_image(upload(original))
        assert processed.format == "PNG"
        assert (processed.width, processed.height) == (640, 480)
        stored = Image.open(io.BytesIO(processed.content.read()))
        thumb = Image.open(io.BytesIO(processed.thumbnail.read()))
        assert stored.format == "PNG" and stored.size == (640, 480)
        assert max(thumb.size) == 32
        assert processed.content.name.endswith(".png")

    def test_metadata_is_stripped_from_jpeg(self):
        """EXIF data (e.g. a camera serial or GPS) does not survive re-encoding."""
        image = Image.new("RGB", (50, 50), (10, 20, 30))
        exif = Image.Exif()
        exif[0x010F] = "SecretCameraMaker"
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", exif=exif.tobytes())
        assert b"SecretCameraMaker" in buffer.getvalue()
        processed = process_image(upload(buffer.getvalue(), "p.jpg", "image/jpeg"))
        assert b"SecretCameraMaker" not in processed.content.read()

    def test_text_file_named_png_is_rejected(self):
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(b"this is not an image at all\n" * 10))
        assert excinfo.value.code == "not_an_image"

    def test_svg_is_rejected(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(svg, "logo.svg", "image/svg+xml"))
        assert excinfo.value.code == "not_an_image"

    def test_decompression_bomb_is_rejected_before_decoding(self):
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(png_header_only(50_000, 50_000)))
        assert excinfo.value.code == "too_many_pixels"

    def test_file_over_the_byte_limit_is_rejected(self, settings):
        big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024)
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(big))
        assert excinfo.value.code == "too_large"
        assert "20.0" in excinfo.value.messages[0] or "MB" in excinfo.value.messages[0]

    def test_gif_is_rejected(self):
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(image_bytes("GIF"), "a.gif", "image/gif"))
        assert excinfo.value.code == "not_an_image"

    def test_truncated_png_is_rejected(self):
        data = image_bytes("PNG", (300, 300))
        with pytest.raises(ValidationError) as excinfo:
            process_image(upload(data[: len(data) // 2]))
        assert excinfo.value.code in {"corrupt", "not_an_image"}
