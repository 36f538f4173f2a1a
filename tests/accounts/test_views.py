"""Accounts pages: sign-up/in, organizations (with the logo upload), members, invitations."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from matchmaking.accounts import services
from matchmaking.accounts.models import Membership, Organization, User
from matchmaking.core.images import process_image
from tests import factories
from tests.core.test_images import png_header_only
from tests.factories import DEFAULT_PASSWORD, VALID_USCC

pytestmark = pytest.mark.django_db


def png_with_secret_text() -> bytes:
    """A real PNG carrying a text chunk, so re-encoding can be observed."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SecretMetadata")
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 120, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def org_form_data(**overrides) -> dict:
    data = {
        "kind": "vendor",
        "name": "示例模型公司",
        "name_en": "Example Models",
        "uscc": VALID_USCC,
        "region": "北京市海淀区",
        "size": "small",
        "website": "https://models.example.com",
        "description": "通用大模型与行业模型。",
        "contact_person": "示例联系人",
        "contact_phone": "010-00001234",
        "contact_email": "contact@models.example.com",
        "filing_number": "DEMO-0001",
    }
    data.update(overrides)
    return data


def stored_logo_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "logos"
    return sorted(folder.iterdir()) if folder.exists() else []


BAD_IMAGES = {
    "text_file_named_png": ("logo.png", b"definitely not an image\n" * 20, "image/png"),
    "decompression_bomb": ("bomb.png", png_header_only(50_000, 50_000), "image/png"),
    "twenty_megabytes": (
        "huge.png",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024),
        "image/png",
    ),
    "svg": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
    ),
}


class SignUpTests:
    @pytest.mark.parametrize("kind", ["enterprise", "vendor"])
    def test_sign_up_signs_in_and_leads_to_the_organization_form_for_that_kind(self, client, kind):
        response = client.post(
            reverse("accounts:signup"),
            {
                "email": f"New.{kind}@Example.com",
                "full_name": "新用户",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD,
                "kind": kind,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:organization-create") + f"?kind={kind}"
        user = User.objects.get(email=f"new.{kind}@example.com")
        assert client.session["_auth_user_id"] == str(user.pk)
        follow = client.get(response["Location"])
        assert follow.context["form"]["kind"].value() == kind

    def test_kind_is_preselected_from_the_query(self, client):
        response = client.get(reverse("accounts:signup") + "?kind=vendor")
        assert response.context["form"]["kind"].value() == "vendor"

    def test_mismatched_passwords_and_taken_email_are_field_errors(self, client):
        factories.make_user(email="taken@example.com")
        response = client.post(
            reverse("accounts:signup"),
            {
                "email": "taken@example.com",
                "full_name": "x",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD + "!",
                "kind": "vendor",
            },
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.has_error("email", "duplicate_email")
        assert form.has_error("password2", "password_mismatch")
        assert User.objects.count() == 1

    def test_weak_password_is_refused(self, client):
        response = client.post(
            reverse("accounts:signup"),
            {
                "email": "weak@example.com",
                "full_name": "x",
                "password1": "12345678",
                "password2": "12345678",
                "kind": "vendor",
            },
        )
        assert response.context["form"].has_error("password1")
        assert not User.objects.filter(email="weak@example.com").exists()

    def test_sign_up_honours_a_safe_next(self, client):
        response = client.post(
            reverse("accounts:signup") + "?next=/accounts/invitations/abc/",
            {
                "email": "n@example.com",
                "full_name": "x",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD,
                "kind": "vendor",
                "next": "https://evil.example.net/",
            },
        )
        # The POSTed next is unsafe; it is ignored in favour of the organization form.
        assert response["Location"].startswith(reverse("accounts:organization-create"))


class SignInTests:
    def test_sign_in_with_email_honours_next(self, client):
        user = factories.make_user(email="person@example.com")
        response = client.post(
            reverse("accounts:login"),
            {
                "username": "person@example.com",
                "password": DEFAULT_PASSWORD,
                "next": reverse("accounts:organization-list"),
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:organization-list")
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_wrong_password_is_refused(self, client):
        factories.make_user(email="person@example.com")
        response = client.post(
            reverse("accounts:login"), {"username": "person@example.com", "password": "nope"}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_sign_out_is_a_post(self, client):
        client.force_login(factories.make_user())
        assert client.get(reverse("accounts:logout")).status_code == 405
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_password_reset_by_email(self, client, mailoutbox):
        factories.make_user(email="forgot@example.com")
        response = client.post(reverse("accounts:password-reset"), {"email": "forgot@example.com"})
        assert response["Location"] == reverse("accounts:password-reset-done")
        assert len(mailoutbox) == 1
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body)
        assert link
        page = client.get(link.group(1), follow=True)
        assert page.context["validlink"]
        done = client.post(
            page.redirect_chain[-1][0],
            {"new_password1": "Another-Good-Pass-77", "new_password2": "Another-Good-Pass-77"},
        )
        assert done["Location"] == reverse("accounts:password-reset-complete")
        assert User.objects.get(email="forgot@example.com").check_password("Another-Good-Pass-77")


class ProfileTests:
    def test_profile_requires_sign_in(self, client):
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert "next=" in response["Location"]

    def test_profile_shows_organization_and_role(self, client):
        organization = factories.make_organization(name="我的企业")
        member = factories.make_member(organization)
        client.force_login(member)
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 200
        assert response.context["membership"].organization == organization
        assert "我的企业" in response.content.decode()

    def test_saving_the_language_preference_sets_the_language(self, client):
        user = factories.make_user()
        client.force_login(user)
        response = client.post(
            reverse("accounts:profile"), {"full_name": "王五", "preferred_language": "en"}
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.preferred_language == "en"
        assert response.cookies["django_language"].value == "en"


class OrganizationCreateTests:
    def test_create_with_a_real_png_stores_a_reencoded_logo_and_thumbnail(self, client, settings):
        settings.IMAGE_THUMBNAIL_SIZE = (64, 64)
        user = factories.make_user()
        client.force_login(user)
        logo = SimpleUploadedFile("logo.png", png_with_secret_text(), content_type="image/png")
        response = client.post(
            reverse("accounts:organization-create"), {**org_form_data(), "logo": logo}
        )
        organization = Organization.objects.get()
        assert response.status_code == 302
        assert response["Location"] == organization.get_absolute_url()
        assert Membership.objects.get(user=user).is_owner
        with organization.logo.open("rb") as stored:
            data = stored.read()
        assert b"SecretMetadata" not in data  # re-encoded from pixels, metadata gone
        assert Image.open(io.BytesIO(data)).size == (400, 300)
        with organization.logo_thumbnail.open("rb") as thumb:
            assert max(Image.open(thumb).size) == 64
        assert organization.filing_number == "DEMO-0001"

    @pytest.mark.parametrize("case", sorted(BAD_IMAGES))
    def test_each_rejected_image_is_a_logo_field_error_and_nothing_is_saved(
        self, client, settings, case
    ):
        client.force_login(factories.make_user())
        name, data, content_type = BAD_IMAGES[case]
        response = client.post(
            reverse("accounts:organization-create"),
            {**org_form_data(), "logo": SimpleUploadedFile(name, data, content_type)},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.errors) == ["logo"]
        assert form.errors["logo"]
        assert not Organization.objects.exists()
        assert stored_logo_files(settings) == []

    def test_bad_uscc_is_a_field_error_saying_what_is_wrong(self, client):
        client.force_login(factories.make_user())
        response = client.post(
            reverse("accounts:organization-create"), org_form_data(uscc=VALID_USCC.lower())
        )
        assert response.context["form"].has_error("uscc", "uscc_lowercase")
        assert not Organization.objects.exists()

    def test_enterprise_filing_number_is_ignored(self, client):
        client.force_login(factories.make_user())
        client.post(reverse("accounts:organization-create"), org_form_data(kind="enterprise"))
        assert Organization.objects.get().filing_number == ""

    def test_someone_already_in_an_organization_is_sent_to_it(self, client):
        organization = factories.make_organization()
        client.force_login(organization.memberships.get().user)
        response = client.get(reverse("accounts:organization-create"))
        assert response["Location"] == organization.get_absolute_url()

    def test_creating_requires_sign_in(self, client):
        response = client.get(reverse("accounts:organization-create") + "?kind=vendor")
        assert response["Location"].startswith(reverse("accounts:login"))


class OrganizationEditTests:
    @pytest.fixture
    def organization_with_logo(self):
        organization = factories.make_organization(kind="vendor")
        upload = SimpleUploadedFile("a.png", factories.image_bytes("PNG"), "image/png")
        services.organization_update(
            organization=organization, logo=process_image(upload, name_prefix="logo")
        )
        return organization

    @pytest.mark.parametrize("case", sorted(BAD_IMAGES))
    def test_rejected_image_on_edit_keeps_the_existing_logo(
        self, client, settings, organization_with_logo, case
    ):
        organization = organization_with_logo
        before = (organization.logo.name, organization.logo_thumbnail.name)
        files_before = stored_logo_files(settings)
        client.force_login(organization.memberships.get().user)
        name, data, content_type = BAD_IMAGES[case]
        response = client.post(
            reverse("accounts:organization-edit", args=[organization.pk]),
            {
                **org_form_data(name="改过的名字", uscc=""),
                "logo": SimpleUploadedFile(name, data, content_type),
            },
        )
        assert response.status_code == 200
        assert response.context["form"].has_error("logo")
        organization.refresh_from_db()
        assert (organization.logo.name, organization.logo_thumbnail.name) == before
        assert organization.name != "改过的名字"
        assert stored_logo_files(settings) == files_before

    def test_saving_without_a_new_logo_keeps_it(self, client, organization_with_logo):
        organization = organization_with_logo
        before = organization.logo.name
        client.force_login(organization.memberships.get().user)
        response = client.post(
            reverse("accounts:organization-edit", args=[organization.pk]),
            org_form_data(name="新名字", uscc=""),
        )
        assert response.status_code == 302
        organization.refresh_from_db()
        assert organization.name == "新名字"
        assert organization.logo.name == before

    def test_editing_another_organization_is_forbidden(self, client):
        mine = factories.make_organization()
        theirs = factories.make_organization(name="别人的组织")
        client.force_login(mine.memberships.get().user)
        url = reverse("accounts:organization-edit", args=[theirs.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, org_form_data(name="篡改")).status_code == 403
        theirs.refresh_from_db()
        assert theirs.name == "别人的组织"

    def test_editing_a_missing_organization_is_not_found(self, client):
        client.force_login(factories.make_user())
        response = client.get(reverse("accounts:organization-edit", args=[999999]))
        assert response.status_code == 404

    def test_a_member_who_is_not_the_owner_cannot_edit(self, client):
        organization = factories.make_organization()
        client.force_login(factories.make_member(organization))
        url = reverse("accounts:organization-edit", args=[organization.pk])
        assert client.get(url).status_code == 403

    def test_an_admin_can_edit_any_organization(self, client, admin_user):
        organization = factories.make_organization()
        client.force_login(admin_user)
        url = reverse("accounts:organization-edit", args=[organization.pk])
        assert client.get(url).status_code == 200


class OrganizationContactsTests:
    """Private contact details are shown to the organization and admins only."""

    PHONE = "010-00009876"

    @pytest.fixture
    def organization(self):
        return factories.make_organization(contact_phone=self.PHONE)

    def page(self, client, organization) -> str:
        response = client.get(organization.get_absolute_url())
        assert response.status_code == 200
        return response.content.decode()

    def test_hidden_from_visitors(self, client, organization):
        assert self.PHONE not in self.page(client, organization)
        assert organization.contact_email not in self.page(client, organization)

    def test_hidden_from_members_of_another_organization(self, client, organization):
        other = factories.make_organization()
        client.force_login(factories.make_member(other))
        assert self.PHONE not in self.page(client, organization)
        client.force_login(other.memberships.get(role="owner").user)
        assert self.PHONE not in self.page(client, organization)

    def test_shown_to_own_members(self, client, organization):
        client.force_login(factories.make_member(organization))
        assert self.PHONE in self.page(client, organization)

    def test_shown_to_admins(self, client, organization, admin_user):
        client.force_login(admin_user)
        assert self.PHONE in self.page(client, organization)

    def test_members_page_of_another_organization_is_forbidden(self, client, organization):
        client.force_login(factories.make_organization().memberships.get().user)
        url = reverse("accounts:organization-members", args=[organization.pk])
        assert client.get(url).status_code == 403


class OrganizationListTests:
    def test_directory_filters_by_kind_and_verification(self, client, admin_user):
        vendor = factories.make_organization(kind="vendor", uscc=VALID_USCC)
        services.verification_request(
            organization=vendor, requested_by=vendor.memberships.get().user
        )
        services.verification_decide(organization=vendor, admin=admin_user, grant=True)
        factories.make_organization(kind="vendor")
        factories.make_organization(kind="enterprise")
        url = reverse("accounts:organization-list")
        assert len(client.get(url).context["organizations"]) == 3
        assert len(client.get(url, {"kind": "vendor"}).context["organizations"]) == 2
        verified = client.get(url, {"kind": "vendor", "verified": "true"}).context["organizations"]
        assert list(verified) == [vendor]

    def test_directory_searches_names(self, client):
        factories.make_organization(name="星河数据", name_en="Galaxy Data")
        factories.make_organization(name="其他公司")
        response = client.get(reverse("accounts:organization-list"), {"q": "galaxy"})
        assert [o.name for o in response.context["organizations"]] == ["星河数据"]

    def test_directory_is_paginated(self, client):
        for _ in range(30):
            factories.make_organization()
        response = client.get(reverse("accounts:organization-list"))
        assert response.context["is_paginated"]
        assert len(response.context["organizations"]) == 24
        assert client.get(reverse("accounts:organization-list"), {"page": 2}).status_code == 200


class VerificationRequestViewTests:
    def test_owner_asks_to_be_verified(self, client):
        organization = factories.make_organization(uscc=VALID_USCC)
        client.force_login(organization.memberships.get().user)
        licence = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", "application/pdf")
        response = client.post(
            reverse("accounts:verification-request", args=[organization.pk]),
            {"note": "请审核", "document": licence},
        )
        assert response["Location"] == organization.get_absolute_url()
        organization.refresh_from_db()
        assert organization.verification_status == "pending"
        assert organization.verification_requests.get().note == "请审核"

    def test_a_member_who_is_not_the_owner_cannot_ask(self, client):
        organization = factories.make_organization(uscc=VALID_USCC)
        client.force_login(factories.make_member(organization))
        response = client.post(reverse("accounts:verification-request", args=[organization.pk]))
        assert response.status_code == 403
        organization.refresh_from_db()
        assert organization.verification_status == "unverified"

    def test_verified_organizations_show_the_badge(self, client, admin_user, english):
        organization = factories.make_organization(uscc=VALID_USCC)
        services.verification_request(
            organization=organization, requested_by=organization.memberships.get().user
        )
        assert "badge-verified" not in client.get(organization.get_absolute_url()).content.decode()
        services.verification_decide(organization=organization, admin=admin_user, grant=True)
        assert "badge-verified" in client.get(organization.get_absolute_url()).content.decode()


class InvitationFlowTests:
    def test_owner_invites_a_newcomer_who_signs_up_and_joins(
        self, client, mailoutbox, django_capture_on_commit_callbacks
    ):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        client.force_login(owner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("accounts:organization-members", args=[organization.pk]),
                {"email": "colleague@example.com"},
            )
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["colleague@example.com"]
        path = urlsplit(re.search(r"https?://\S+", mailoutbox[0].body).group(0)).path
        assert path.startswith("/accounts/invitations/")

        client.post(reverse("accounts:logout"))
        landing = client.get(path)
        assert landing.status_code == 200
        signup_url = landing.context["signup_url"]
        query = parse_qs(urlsplit(signup_url).query)
        assert query["next"] == [path] and query["email"] == ["colleague@example.com"]

        signed_up = client.post(
            signup_url,
            {
                "email": "colleague@example.com",
                "full_name": "同事",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD,
                "kind": "enterprise",
                "next": path,
            },
        )
        assert signed_up["Location"] == path
        joined = client.post(path)
        assert joined["Location"] == organization.get_absolute_url()
        membership = Membership.objects.get(user__email="colleague@example.com")
        assert membership.organization == organization and membership.role == "member"
        # The link is single-use.
        assert not organization.invitations.get().is_usable

    def test_only_the_owner_may_invite(self, client):
        organization = factories.make_organization()
        client.force_login(factories.make_member(organization))
        url = reverse("accounts:organization-members", args=[organization.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"email": "x@example.com"}).status_code == 403
        assert not organization.invitations.exists()

    def test_owner_withdraws_an_invitation(self, client):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        invitation = services.invitation_create(
            organization=organization, invited_by=owner, email="x@example.com"
        )
        client.force_login(owner)
        client.post(reverse("accounts:invitation-revoke", args=[organization.pk, invitation.pk]))
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None

    def test_a_link_opened_by_another_account_explains_and_does_not_join(self, client, english):
        organization = factories.make_organization()
        invitation = services.invitation_create(
            organization=organization,
            invited_by=organization.memberships.get().user,
            email="intended.person@example.com",
        )
        holder = factories.make_user(email="holder@example.com")
        english.force_login(holder)
        url = reverse("accounts:invitation-accept", args=[invitation.token])
        page = english.get(url)
        assert page.status_code == 403
        assert "This invitation is for another email address" in page.content.decode()
        assert "holder@example.com" in page.content.decode()
        assert english.post(url).status_code == 403
        assert not Membership.objects.filter(user=holder).exists()
        invitation.refresh_from_db()
        assert invitation.is_usable  # the invited person can still use it

    def test_used_and_expired_links_say_so(self, english):
        organization = factories.make_organization()
        owner = organization.memberships.get().user
        used = services.invitation_create(
            organization=organization, invited_by=owner, email="a@example.com"
        )
        services.invitation_accept(invitation=used, user=factories.make_user(email="a@example.com"))
        expired = services.invitation_create(
            organization=organization, invited_by=owner, email="b@example.com"
        )
        expired.expires_at = expired.created_at
        expired.save(update_fields=["expires_at"])
        for invitation, title in [
            (used, "This invitation has already been used"),
            (expired, "This invitation has expired"),
        ]:
            page = english.get(reverse("accounts:invitation-accept", args=[invitation.token]))
            assert page.status_code == 410
            assert title in page.content.decode()

    def test_unknown_token_is_not_found(self, client):
        assert client.get(reverse("accounts:invitation-accept", args=["nope"])).status_code == 404


class PagesRenderTests:
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_key_pages_render_in_both_languages(self, client, language, admin_user):
        organization = factories.make_organization(kind="vendor")
        client.cookies["django_language"] = language
        urls = [
            reverse("core:home"),
            reverse("accounts:signup"),
            reverse("accounts:login"),
            reverse("accounts:password-reset"),
            reverse("accounts:organization-list"),
            organization.get_absolute_url(),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert f'<html lang="{language}">' in response.content.decode(), url
        client.force_login(organization.memberships.get().user)
        for url in [
            reverse("core:home"),
            reverse("accounts:profile"),
            reverse("accounts:organization-edit", args=[organization.pk]),
            reverse("accounts:organization-members", args=[organization.pk]),
            reverse("accounts:password-change"),
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert f'<html lang="{language}">' in response.content.decode(), url

    def test_home_shows_live_counts(self, english, admin_user):
        vendor = factories.make_organization(kind="vendor", uscc=VALID_USCC)
        services.verification_request(
            organization=vendor, requested_by=vendor.memberships.get().user
        )
        services.verification_decide(organization=vendor, admin=admin_user, grant=True)
        factories.make_organization(kind="enterprise")
        factories.make_organization(kind="enterprise")
        counts = {
            c.label: c.value for c in english.get(reverse("core:home")).context["home_counts"]
        }
        assert counts["verified vendors"] == 1
        assert counts["enterprises"] == 2

    def test_navigation_links_to_the_directory(self, english):
        content = english.get(reverse("core:home")).content.decode()
        assert f'href="{reverse("accounts:organization-list")}"' in content

    def test_verification_queue_is_for_admins(self, client, admin_user):
        client.force_login(factories.make_user())
        assert client.get(reverse("accounts:verification-queue")).status_code == 403
        client.force_login(admin_user)
        response = client.get(reverse("accounts:verification-queue"))
        assert response.status_code == 200
        assert response.templates[0].name == "accounts/verification_queue.html"
