"""Contact details (and an anonymous need's enterprise name) are disclosed only by an
accepted connection — checked by searching everything a connection touches for the values:
every connection page, the inbox, dashboards, listing and organization pages, the
notification centre, and every email sent."""

from __future__ import annotations

import pytest

from matchmaking.connections import services
from tests import factories
from tests.connections.conftest import contact_values


def _pages_for(world, connection, user) -> list[str]:
    urls = [
        "/connections/",
        "/connections/?box=sent",
        "/connections/dashboard/",
        "/notifications/",
        world.offering.get_absolute_url(),
        world.need.get_absolute_url(),
        world.enterprise.get_absolute_url(),
        world.vendor.get_absolute_url(),
    ]
    if connection is not None:
        urls.append(connection.get_absolute_url())
    return urls


def _render_all(client, user, urls) -> str:
    client.force_login(user)
    html = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        html.append(response.content.decode())
    return "\n".join(html)


def _emails_to(mailoutbox, users) -> str:
    addresses = {user.email for user in users}
    return "\n".join(f"{m.subject}\n{m.body}" for m in mailoutbox if addresses & set(m.to))


def _assert_absent(text: str, values: list[str], where: str):
    for value in values:
        assert value not in text, f"{value!r} leaked in {where}"


def _assert_present(text: str, values: list[str], where: str):
    for value in values:
        assert value in text, f"{value!r} missing from {where}"


@pytest.fixture
def request_flow(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connection, _ = services.connection_request(
            user=world.enterprise_member,
            offering=world.offering,
            message="想了解方案",
            need=world.need,
        )
    return connection


class ContactDisclosureTests:
    def test_before_acceptance_neither_side_sees_the_others_contacts_anywhere(
        self, client, world, request_flow, mailoutbox
    ):
        urls = _pages_for(world, request_flow, None)
        vendor_view = _render_all(client, world.vendor_member, urls)
        enterprise_view = _render_all(client, world.enterprise_member, urls)
        _assert_absent(vendor_view, contact_values(world.enterprise), "the vendor's pages")
        _assert_absent(enterprise_view, contact_values(world.vendor), "the enterprise's pages")
        _assert_absent(
            _emails_to(mailoutbox, [world.vendor_owner, world.vendor_member]),
            contact_values(world.enterprise),
            "emails to the vendor",
        )
        assert mailoutbox, "the vendor should have been emailed about the request"

    def test_after_acceptance_both_sides_see_each_others_contacts(
        self, client, world, request_flow, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.connection_accept(connection=request_flow, user=world.vendor_member)
        detail = [request_flow.get_absolute_url()]
        _assert_present(
            _render_all(client, world.vendor_member, detail),
            contact_values(world.enterprise),
            "the vendor's connection page",
        )
        _assert_present(
            _render_all(client, world.enterprise_member, detail),
            contact_values(world.vendor),
            "the enterprise's connection page",
        )
        _assert_present(
            _render_all(client, world.enterprise_owner, [world.vendor.get_absolute_url()]),
            contact_values(world.vendor),
            "the vendor's organization page seen by the enterprise",
        )
        _assert_present(
            _render_all(client, world.vendor_owner, [world.enterprise.get_absolute_url()]),
            contact_values(world.enterprise),
            "the enterprise's organization page seen by the vendor",
        )
        _assert_present(
            _emails_to(mailoutbox, [world.enterprise_member]),
            contact_values(world.vendor),
            "the acceptance email",
        )

    @pytest.mark.parametrize("accepted", [False, True])
    def test_a_third_organization_never_sees_either_sides_contacts(
        self, client, world, request_flow, mailoutbox, accepted, django_capture_on_commit_callbacks
    ):
        if accepted:
            with django_capture_on_commit_callbacks(execute=True):
                services.connection_accept(connection=request_flow, user=world.vendor_member)
            services.message_post(connection=request_flow, user=world.vendor_member, body="你好")
        third_view = _render_all(client, world.third_member, _pages_for(world, request_flow, None))
        _assert_absent(
            third_view,
            contact_values(world.enterprise) + contact_values(world.vendor),
            "a third organization's pages",
        )
        _assert_absent(
            _emails_to(mailoutbox, [world.third_member]),
            contact_values(world.enterprise) + contact_values(world.vendor),
            "emails to a third organization",
        )
        client.force_login(world.third_member)
        assert client.get(request_flow.get_absolute_url()).status_code == 404

    def test_visitors_never_see_contacts(self, client, world, request_flow):
        services.connection_accept(connection=request_flow, user=world.vendor_member)
        client.logout()
        html = "".join(
            client.get(url).content.decode()
            for url in (
                world.offering.get_absolute_url(),
                world.enterprise.get_absolute_url(),
                world.vendor.get_absolute_url(),
            )
        )
        _assert_absent(
            html, contact_values(world.enterprise) + contact_values(world.vendor), "public pages"
        )
        response = client.get(request_flow.get_absolute_url())
        assert response.status_code == 302  # to sign-in

    def test_declined_request_discloses_nothing(
        self, client, world, request_flow, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.connection_decline(
                connection=request_flow, user=world.vendor_member, reason="不合适"
            )
        urls = _pages_for(world, request_flow, None)
        _assert_absent(
            _render_all(client, world.enterprise_member, urls),
            contact_values(world.vendor),
            "pages after a decline",
        )
        _assert_absent(
            _emails_to(mailoutbox, [world.enterprise_member]),
            contact_values(world.vendor),
            "the decline email",
        )


class AnonymousNeedTests:
    @pytest.fixture
    def anonymous_need(self, world):
        return factories.make_need(
            organization=world.enterprise, visibility="anonymous", title="匿名需求测试"
        )

    def _names(self, world):
        return [world.enterprise.name, world.enterprise.name_en]

    def test_enterprise_name_hidden_from_the_vendor_until_acceptance(
        self, client, world, anonymous_need, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            proposal, _ = services.connection_propose(
                user=world.vendor_member, need=anonymous_need, message="方案", approach="做法"
            )
            request, _ = services.connection_request(
                user=world.enterprise_member,
                offering=world.offering,
                message="匿名需求的请求",
                need=anonymous_need,
            )
        urls = [
            "/connections/",
            "/connections/?box=sent",
            "/connections/dashboard/",
            "/notifications/",
            proposal.get_absolute_url(),
            request.get_absolute_url(),
            anonymous_need.get_absolute_url(),
            f"/connections/propose/{anonymous_need.pk}/",
        ]
        for user in (world.vendor_member, world.vendor_owner):
            _assert_absent(
                _render_all(client, user, urls), self._names(world), "the vendor's pages"
            )
        _assert_absent(
            _emails_to(mailoutbox, [world.vendor_member, world.vendor_owner]),
            self._names(world),
            "emails to the vendor",
        )

        with django_capture_on_commit_callbacks(execute=True):
            services.connection_accept(connection=proposal, user=world.enterprise_member)
        after = _render_all(client, world.vendor_member, [proposal.get_absolute_url()])
        assert world.enterprise.name in after
        assert world.enterprise.name in _emails_to(mailoutbox, [world.vendor_member])


class PrivateNeedAudienceTests:
    def test_private_need_becomes_visible_to_the_vendor_the_enterprise_contacted(self, world):
        from matchmaking.listings.models import Need

        private = factories.make_need(organization=world.enterprise, visibility="private")
        assert not Need.objects.visible_to(world.vendor_member).filter(pk=private.pk).exists()
        services.connection_request(
            user=world.enterprise_member, offering=world.offering, message="x", need=private
        )
        assert Need.objects.visible_to(world.vendor_member).filter(pk=private.pk).exists()
        assert not Need.objects.visible_to(world.third_member).filter(pk=private.pk).exists()
