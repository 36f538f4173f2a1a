"""Every image column goes through core.images, whatever form writes it — the Django admin's
organization form included (finding 6: it took a TIFF named .png, a 21 MB BMP, a 25 MB JPEG,
and stored a JPEG byte-for-byte with its GPS position under the uploader's file name)."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case, CaseImage
from matchmaking.core.images import ImageUploadField, ModelImageUploadField
from matchmaking.listings.models import OfferingScreenshot
from tests import factories

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 17.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture has GPS
    return data


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 120, 0)).save(buffer, "TIFF")
    return buffer.getvalue()


def bmp_bytes(min_bytes: int) -> bytes:
    side = int((min_bytes / 3) ** 0.5) + 1
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (10, 10, 200)).save(buffer, "BMP")
    data = buffer.getvalue()
    assert len(data) >= min_bytes
    return data


def padded_jpeg(total_bytes: int) -> bytes:
    """A decodable JPEG followed by filler up to ``total_bytes`` (Pillow reads it fine)."""
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), (50, 50, 50)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return data + b"\0" * (total_bytes - len(data))


def admin_form_data(response) -> dict:
    """The POST body the admin's change page would send unchanged (form and inlines)."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data


@pytest.fixture
def admin_change(client, admin_user):
    organization = factories.make_organization(kind="vendor")
    client.force_login(admin_user)
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    page = client.get(url)
    assert page.status_code == 200

    def post(name: str, content: bytes):
        data = admin_form_data(page)
        data["logo"] = SimpleUploadedFile(name, content)
        response = client.post(url, data)
        organization.refresh_from_db()
        return response, organization

    return post


class AdminOrganizationLogoTests:
    def test_the_admin_form_uses_the_shared_image_field(self, client, admin_user):
        client.force_login(admin_user)
        page = client.get(reverse("admin:accounts_organization_add"))
        assert isinstance(page.context["adminform"].form.fields["logo"], ModelImageUploadField)
        assert "logo_thumbnail" not in page.context["adminform"].form.fields

    @pytest.mark.parametrize(
        "name,content,code",
        [
            ("logo.png", tiff_bytes(), "not_an_image"),
            ("logo.bmp", bmp_bytes(21 * 1024 * 1024), "too_large"),
            ("logo.jpg", padded_jpeg(25 * 1024 * 1024), "too_large"),
        ],
        ids=["tiff-named-png", "21mb-bmp", "25mb-jpeg"],
    )
    def test_unacceptable_files_are_refused_next_to_the_field(
        self, admin_change, name, content, code
    ):
        response, organization = admin_change(name, content)
        assert response.status_code == 200  # the form again, with the error
        errors = response.context["adminform"].form.errors.as_data()["logo"]
        assert [error.code for error in errors] == [code]
        assert not organization.logo
        assert not organization.logo_thumbnail

    def test_a_jpeg_is_reencoded_without_gps_under_a_generated_name_with_a_thumbnail(
        self, admin_change
    ):
        original = jpeg_with_gps()
        response, organization = admin_change("IMG_2041 家里.jpg", original)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert organization.logo.name.startswith("logos/logo-")
        assert "IMG_2041" not in organization.logo.name
        with organization.logo.open("rb") as handle:
            stored = handle.read()
        assert stored != original
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(GPS_IFD)
        assert b"SecretCameraMaker" not in stored
        assert organization.logo_thumbnail.name.startswith("logos/logo-")
        thumb = Image.open(organization.logo_thumbnail.path)
        assert max(thumb.size) <= 320

    def test_clearing_the_logo_clears_the_thumbnail(self, client, admin_user, admin_change):
        _response, organization = admin_change("logo.jpg", jpeg_with_gps())
        assert organization.logo_thumbnail
        url = reverse("admin:accounts_organization_change", args=[organization.pk])
        data = admin_form_data(client.get(url))
        data["logo-clear"] = "on"
        assert client.post(url, data).status_code == 302
        organization.refresh_from_db()
        assert not organization.logo and not organization.logo_thumbnail


@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
class EveryImageColumnTests:
    @pytest.mark.parametrize(
        "model,field,thumbnail",
        [
            (Organization, "logo", "logo_thumbnail"),
            (OfferingScreenshot, "image", "thumbnail"),
            (Case, "cover_image", "cover_thumbnail"),
            (CaseImage, "image", "thumbnail"),
        ],
    )
    def test_any_model_form_gets_the_shared_rules(self, model, field, thumbnail):
        form_class = forms.modelform_factory(model, fields="__all__")
        form = form_class()
        assert isinstance(form.fields[field], ModelImageUploadField)
        assert thumbnail not in form.fields
        form = form_class(files={field: SimpleUploadedFile("x.png", tiff_bytes())})
        assert not form.is_valid()
        assert form.errors[field]


class UploadHelpTests:
    def test_upload_help_text_follows_the_language_of_the_page(self):
        from django.utils import translation

        field = ImageUploadField()
        with translation.override("en"):
            assert str(field.help_text).startswith("JPEG, PNG or WebP, at most")
        with translation.override("zh-hans"):
            assert "不超过" in str(field.help_text)

    def test_offering_form_upload_help_is_english_on_english_pages(self, english):
        vendor = factories.make_organization(kind="vendor")
        english.force_login(vendor.memberships.get().user)
        content = english.get(reverse("listings:offering-create")).content.decode()
        assert "JPEG, PNG or WebP, at most" in content
        assert "不超过" not in content
