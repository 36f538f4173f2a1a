"""Joining an existing organization: the offer on the organization form, the request, the
owners' decision on the members page, the notifications, and who may do what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from matchmaking.accounts import services
from matchmaking.accounts.models import JoinRequest, Membership, Organization
from matchmaking.notifications.models import Notification
from tests import factories
from tests.accounts.test_views import org_form_data
from tests.factories import VALID_USCC

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def company():
    return factories.make_organization(kind="vendor", uscc=VALID_USCC, name="示例模型公司")


class OrganizationFormOfferTests:
    def test_existing_code_offers_to_join_instead_of_a_raw_unique_error(self, client, company):
        newcomer = factories.make_user()
        client.force_login(newcomer)
        response = client.post(reverse("accounts:organization-create"), org_form_data())
        assert response.status_code == 200
        errors = response.context["form"].errors["uscc"]
        assert len(errors) == 1
        assert "示例模型公司" in errors[0]
        assert "具有" not in errors[0] and "  " not in errors[0]
        content = response.content.decode()
        join_url = reverse("accounts:join-request-create", args=[company.pk])
        assert f'href="{join_url}"' in content
        assert Organization.objects.count() == 1
        assert not Membership.objects.filter(user=newcomer).exists()

    def test_the_offer_speaks_english_too(self, english, company):
        english.force_login(factories.make_user())
        response = english.post(reverse("accounts:organization-create"), org_form_data())
        error = response.context["form"].errors["uscc"][0]
        assert "already registered with this unified social credit code" in error
        assert "Ask to join" in response.content.decode()

    def test_editing_to_another_organizations_code_says_what_to_do(self, client, company):
        other = factories.make_organization(kind="vendor")
        client.force_login(other.memberships.get().user)
        response = client.post(
            reverse("accounts:organization-edit", args=[other.pk]),
            org_form_data(name=other.name),
        )
        error = response.context["form"].errors["uscc"][0]
        assert "具有" not in error and "  " not in error
        other.refresh_from_db()
        assert other.uscc is None


class JoinRequestServiceTests:
    def test_request_notifies_the_owners_only(
        self, company, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner = company.memberships.get().user
        member = factories.make_member(company)
        requester = factories.make_user(full_name="新同事")
        with django_capture_on_commit_callbacks(execute=True):
            join_request = services.join_request_create(
                organization=company, user=requester, message="我是算法部的"
            )
        assert join_request.status == "pending" and join_request.message == "我是算法部的"
        notes = Notification.objects.filter(kind="join_requested")
        assert [n.recipient for n in notes] == [owner]
        assert reverse("accounts:organization-members", args=[company.pk]) in notes[0].url
        assert not Notification.objects.filter(recipient=member).exists()
        assert [m.to for m in mailoutbox] == [[owner.email]]
        assert "新同事" in mailoutbox[0].subject

    def test_one_pending_request_per_person_and_organization(self, company):
        requester = factories.make_user()
        services.join_request_create(organization=company, user=requester)
        with pytest.raises(ValidationError) as raised:
            services.join_request_create(organization=company, user=requester)
        assert raised.value.code == "join_request_exists"
        assert JoinRequest.objects.count() == 1

    def test_someone_who_belongs_to_an_organization_cannot_ask(self, company):
        elsewhere = factories.make_organization()
        with pytest.raises(ValidationError) as raised:
            services.join_request_create(
                organization=company, user=elsewhere.memberships.get().user
            )
        assert raised.value.code == "already_member"
        assert not JoinRequest.objects.exists()

    def test_approval_makes_a_member_and_tells_the_requester(
        self, company, django_capture_on_commit_callbacks
    ):
        owner = company.memberships.get().user
        requester = factories.make_user()
        other_org = factories.make_organization()
        join_request = services.join_request_create(organization=company, user=requester)
        elsewhere = services.join_request_create(organization=other_org, user=requester)
        with django_capture_on_commit_callbacks(execute=True):
            membership = services.join_request_approve(join_request=join_request, decided_by=owner)
        assert membership.organization == company and membership.role == "member"
        join_request.refresh_from_db()
        assert join_request.status == "approved" and join_request.decided_by == owner
        elsewhere.refresh_from_db()
        assert elsewhere.status == "withdrawn"
        note = Notification.objects.get(recipient=requester)
        assert note.kind == "join_answered" and note.url == company.get_absolute_url()

    def test_decline_tells_the_requester_and_adds_no_member(
        self, company, django_capture_on_commit_callbacks
    ):
        owner = company.memberships.get().user
        requester = factories.make_user()
        join_request = services.join_request_create(organization=company, user=requester)
        with django_capture_on_commit_callbacks(execute=True):
            services.join_request_decline(join_request=join_request, decided_by=owner)
        assert not Membership.objects.filter(user=requester).exists()
        assert Notification.objects.get(recipient=requester).kind == "join_answered"
        with pytest.raises(ValidationError):
            services.join_request_approve(join_request=join_request, decided_by=owner)

    def test_members_and_other_owners_cannot_decide(self, company):
        join_request = services.join_request_create(
            organization=company, user=factories.make_user()
        )
        other_owner = factories.make_organization().memberships.get().user
        for user in (factories.make_member(company), other_owner):
            with pytest.raises(PermissionDenied):
                services.join_request_approve(join_request=join_request, decided_by=user)
        join_request.refresh_from_db()
        assert join_request.status == "pending"

    def test_only_the_requester_withdraws(self, company):
        requester = factories.make_user()
        join_request = services.join_request_create(organization=company, user=requester)
        with pytest.raises(PermissionDenied):
            services.join_request_withdraw(
                join_request=join_request, user=company.memberships.get().user
            )
        services.join_request_withdraw(join_request=join_request, user=requester)
        join_request.refresh_from_db()
        assert join_request.status == "withdrawn"
        # Withdrawn, the person may ask again.
        services.join_request_create(organization=company, user=requester)


class JoinRequestPageTests:
    def test_ask_then_see_the_pending_request(self, client, company):
        requester = factories.make_user()
        client.force_login(requester)
        url = reverse("accounts:join-request-create", args=[company.pk])
        page = client.get(url).content.decode()
        assert company.display_name in page
        # Only the public profile: no private contacts on the page.
        assert company.contact_phone not in page and company.contact_email not in page
        response = client.post(url, {"message": "你好"})
        assert response["Location"] == url
        join_request = JoinRequest.objects.get()
        assert join_request.user == requester and join_request.message == "你好"
        page = client.get(url).content.decode()
        assert reverse("accounts:join-request-withdraw", args=[join_request.pk]) in page
        client.post(url, {"message": "again"})
        assert JoinRequest.objects.count() == 1

    def test_too_long_message_is_an_error_next_to_the_field(self, client, company):
        client.force_login(factories.make_user())
        response = client.post(
            reverse("accounts:join-request-create", args=[company.pk]), {"message": "长" * 1001}
        )
        assert response.status_code == 200
        assert "message" in response.context["form"].errors
        assert not JoinRequest.objects.exists()

    def test_a_member_elsewhere_is_told_why_they_cannot_ask(self, english, company):
        elsewhere = factories.make_organization(name_en="Elsewhere Ltd")
        english.force_login(elsewhere.memberships.get().user)
        url = reverse("accounts:join-request-create", args=[company.pk])
        content = english.get(url).content.decode()
        assert "You already belong to Elsewhere Ltd" in content
        english.post(url, {"message": "hi"})
        assert not JoinRequest.objects.exists()

    def test_visitors_are_sent_to_sign_in(self, client, company):
        response = client.get(reverse("accounts:join-request-create", args=[company.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_owner_approves_on_the_members_page(self, client, company):
        owner = company.memberships.get().user
        requester = factories.make_user(full_name="新同事")
        join_request = services.join_request_create(organization=company, user=requester)
        client.force_login(owner)
        members_url = reverse("accounts:organization-members", args=[company.pk])
        page = client.get(members_url).content.decode()
        approve = reverse("accounts:join-request-approve", args=[company.pk, join_request.pk])
        assert approve in page and "新同事" in page
        response = client.post(approve)
        assert response["Location"] == members_url
        assert Membership.objects.get(user=requester).organization == company

    def test_a_plain_member_sees_no_requests_on_the_members_page(self, client, company):
        services.join_request_create(
            organization=company, user=factories.make_user(full_name="新同事")
        )
        client.force_login(factories.make_member(company))
        page = client.get(reverse("accounts:organization-members", args=[company.pk]))
        assert "新同事" not in page.content.decode()


class ProfileOfferTests:
    """Someone without an organization who finds theirs in the directory can ask to join it
    from its profile; members of any organization and visitors are not offered that."""

    def test_the_profile_offers_to_join_only_to_a_signed_in_user_without_organization(
        self, client, company
    ):
        join_url = reverse("accounts:join-request-create", args=[company.pk])
        client.force_login(factories.make_user())
        html = client.get(company.get_absolute_url()).content.decode()
        assert f'href="{join_url}" data-action="ask-to-join"' in html
        other = factories.make_organization(kind="enterprise")
        client.force_login(other.memberships.get().user)
        assert join_url not in client.get(company.get_absolute_url()).content.decode()
        client.logout()
        assert join_url not in client.get(company.get_absolute_url()).content.decode()


def test_the_invitation_form_says_the_link_is_for_that_address_only(client, company):
    """Invitations are tied to the invited address (services.invitation_accept refuses any
    other account), so the members page must not say anyone who opens the link can join."""
    client.force_login(company.memberships.get().user)
    html = client.get(reverse("accounts:organization-members", args=[company.pk])).content.decode()
    assert "只有使用该邮箱地址的账号" in html
    assert "任何打开该链接的人" not in html
