"""Verification with the business licence: the upload (bad input included), the private
storage, who may open the document, the operators' review page and the decision's notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matchmaking.accounts import services
from matchmaking.accounts.models import VerificationRequest
from matchmaking.notifications.models import Notification
from tests import factories
from tests.factories import VALID_USCC

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def company():
    return factories.make_organization(uscc=VALID_USCC)


def _ask(client, organization, upload, note="请审核"):
    return client.post(
        reverse("accounts:verification-request", args=[organization.pk]),
        {"note": note, "document": upload},
    )


def _stored_files() -> list[Path]:
    root = Path(settings.CONNECTION_ATTACHMENT_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class UploadTests:
    def test_pdf_is_stored_outside_media_root(self, client, company):
        client.force_login(company.memberships.get().user)
        response = _ask(client, company, SimpleUploadedFile("营业执照.pdf", PDF))
        assert response["Location"] == company.get_absolute_url()
        request = VerificationRequest.objects.get()
        assert request.document_name == "营业执照.pdf"
        assert request.document_type == "application/pdf" and request.document_size == len(PDF)
        path = Path(request.document.path)
        assert path.read_bytes() == PDF
        assert Path(settings.CONNECTION_ATTACHMENT_ROOT).resolve() in path.resolve().parents
        assert Path(settings.MEDIA_ROOT).resolve() not in path.resolve().parents
        with pytest.raises(ValueError):
            request.document.url  # noqa: B018 - no public URL exists

    def test_photo_goes_through_the_image_rules(self, client, company):
        client.force_login(company.memberships.get().user)
        _ask(client, company, SimpleUploadedFile("licence.jpg", factories.image_bytes("JPEG")))
        request = VerificationRequest.objects.get()
        assert request.document_type == "image/jpeg"
        assert request.document_name == "licence.jpg"

    @pytest.mark.parametrize(
        ("upload", "expected"),
        [
            (lambda: SimpleUploadedFile("licence.docx", b"PK\x03\x04x"), "PDF, JPEG, PNG or WebP"),
            (lambda: SimpleUploadedFile("licence.pdf", b"<html>not a pdf"), "not a PDF"),
            (lambda: SimpleUploadedFile("licence.png", b"%PDF-1.4 named png"), "not a JPEG"),
            (lambda: SimpleUploadedFile("licence.pdf", b""), ""),
        ],
        ids=["wrong-type", "fake-pdf", "fake-image", "empty"],
    )
    def test_bad_files_are_refused_next_to_the_field(self, english, company, upload, expected):
        english.force_login(company.memberships.get().user)
        response = _ask(english, company, upload())
        assert response.status_code == 400
        errors = response.context["form"].errors["document"]
        assert expected in " ".join(errors)
        # The note typed is kept, nothing is saved or stored.
        assert response.context["form"]["note"].value() == "请审核"
        assert not VerificationRequest.objects.exists()
        assert _stored_files() == []
        company.refresh_from_db()
        assert company.verification_status == "unverified"

    def test_oversized_pdf_is_refused(self, english, company, settings):
        settings.VERIFICATION_DOCUMENT_MAX_BYTES = 1024
        english.force_login(company.memberships.get().user)
        response = _ask(english, company, SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))
        assert response.status_code == 400
        assert "at most 1.0" in response.context["form"].errors["document"][0]
        assert not VerificationRequest.objects.exists() and _stored_files() == []

    def test_oversized_photo_is_refused(self, english, company, settings):
        settings.IMAGE_UPLOAD_MAX_BYTES = 100
        english.force_login(company.memberships.get().user)
        response = _ask(english, company, SimpleUploadedFile("big.png", factories.image_bytes()))
        assert response.status_code == 400
        assert "document" in response.context["form"].errors
        assert not VerificationRequest.objects.exists()

    def test_the_licence_is_required(self, client, company):
        client.force_login(company.memberships.get().user)
        response = client.post(
            reverse("accounts:verification-request", args=[company.pk]), {"note": "x"}
        )
        assert response.status_code == 400
        assert "document" in response.context["form"].errors
        assert not VerificationRequest.objects.exists()


def _request_with(company, content=PDF, name="licence.pdf"):
    from matchmaking.accounts.documents import check_document

    return services.verification_request(
        organization=company,
        requested_by=company.memberships.get().user,
        document=check_document(SimpleUploadedFile(name, content)),
    )


class DocumentAccessTests:
    def test_members_and_staff_open_it_others_do_not(self, client, company, admin_user):
        request = _request_with(company)
        url = reverse("accounts:verification-document", args=[request.pk])
        other = factories.make_organization()
        for user, expected in [
            (company.memberships.get().user, 200),
            (factories.make_member(company), 200),
            (admin_user, 200),
            (other.memberships.get().user, 404),
            (factories.make_user(), 404),
        ]:
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == expected, user
            if expected == 200:
                assert b"".join(response.streaming_content) == PDF
                assert "sandbox" in response["Content-Security-Policy"]
                assert response["Content-Disposition"].startswith("attachment")
        client.logout()
        assert client.get(url).status_code == 302

    def test_an_image_is_shown_inline(self, client, company):
        request = _request_with(company, factories.image_bytes(), "licence.png")
        client.force_login(company.memberships.get().user)
        response = client.get(reverse("accounts:verification-document", args=[request.pk]))
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline")


class ReviewPageTests:
    def test_queue_and_review_are_for_staff_only(self, client, company):
        request = _request_with(company)
        for url in (
            reverse("accounts:verification-queue"),
            reverse("accounts:verification-review", args=[request.pk]),
        ):
            client.force_login(company.memberships.get().user)
            assert client.get(url).status_code == 403
            client.logout()
            assert client.get(url).status_code == 302

    def test_queue_lists_pending_requests(self, client, company, admin_user):
        request = _request_with(company)
        client.force_login(admin_user)
        page = client.get(reverse("accounts:verification-queue")).content.decode()
        assert reverse("accounts:verification-review", args=[request.pk]) in page
        assert company.display_name in page

    def test_review_shows_document_check_digit_and_history(self, english, company, admin_user):
        refused = _request_with(company)
        services.verification_decide(
            organization=company, admin=admin_user, grant=False, reason="照片模糊"
        )
        company.refresh_from_db()
        current = _request_with(company, factories.image_bytes(), "licence.png")
        english.force_login(admin_user)
        response = english.get(reverse("accounts:verification-review", args=[current.pk]))
        content = response.content.decode()
        document_url = reverse("accounts:verification-document", args=[current.pk])
        assert f'src="{document_url}"' in content
        assert 'data-uscc-check="passed"' in content
        assert "照片模糊" in content
        assert reverse("accounts:verification-review", args=[refused.pk]) in content

    def test_a_wrong_check_digit_is_flagged(self, english, admin_user):
        company = factories.make_organization()
        # A code whose last character is wrong, stored as an import might have it.
        company.__class__.objects.filter(pk=company.pk).update(uscc=VALID_USCC[:-1] + "0")
        company.refresh_from_db()
        request = _request_with(company)
        english.force_login(admin_user)
        content = english.get(
            reverse("accounts:verification-review", args=[request.pk])
        ).content.decode()
        assert 'data-uscc-check="failed"' in content
        assert "it should be 3, not 0" in content

    def test_refusal_needs_a_reason_and_the_decision_notifies_owners(
        self, client, company, admin_user, django_capture_on_commit_callbacks
    ):
        request = _request_with(company)
        owner = company.memberships.get().user
        member = factories.make_member(company)
        client.force_login(admin_user)
        url = reverse("accounts:verification-review", args=[request.pk])
        response = client.post(url, {"decision": "refuse", "reason": " "})
        assert response.status_code == 400
        assert "reason" in response.context["form"].errors
        company.refresh_from_db()
        assert company.verification_status == "pending"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"decision": "refuse", "reason": "执照已过期"})
        assert response["Location"] == reverse("accounts:verification-queue")
        company.refresh_from_db()
        assert company.verification_status == "refused"
        assert company.verification_note == "执照已过期"
        note = Notification.objects.get(kind="verification_decided")
        assert note.recipient == owner
        assert not Notification.objects.filter(recipient=member).exists()

    def test_grant_verifies(self, client, company, admin_user, django_capture_on_commit_callbacks):
        request = _request_with(company)
        client.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("accounts:verification-review", args=[request.pk]), {"decision": "grant"}
            )
        company.refresh_from_db()
        assert company.is_verified
        assert Notification.objects.filter(kind="verification_decided").count() == 1

    def test_staff_navigation_links_to_the_queue(self, client, admin_user):
        client.force_login(admin_user)
        content = client.get(reverse("core:home")).content.decode()
        assert f'href="{reverse("accounts:verification-queue")}"' in content
