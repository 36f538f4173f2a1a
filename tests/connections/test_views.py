"""Connection pages: forms, actions by the right party only, messages and attachments."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matchmaking.connections import services
from matchmaking.connections.models import Connection, Message
from tests import factories


def _accepted(world):
    connection, _ = services.connection_request(
        user=world.enterprise_member, offering=world.offering, message="x"
    )
    return services.connection_accept(connection=connection, user=world.vendor_member)


class RequestFormTests:
    def test_enterprise_member_sends_a_request_from_the_offering_page(self, client, world):
        client.force_login(world.enterprise_member)
        page = client.get(world.offering.get_absolute_url()).content.decode()
        assert f"/connections/request/{world.offering.pk}/" in page
        response = client.post(
            f"/connections/request/{world.offering.pk}/",
            {"message": "请介绍一下私有化部署方案", "need": world.need.pk, "pilot_requested": "on"},
        )
        connection = Connection.objects.get()
        assert response.status_code == 302 and response.url == connection.get_absolute_url()
        assert (connection.need, connection.pilot_requested) == (world.need, True)

    def test_second_attempt_leads_to_the_existing_request(self, client, world):
        existing, _ = services.connection_request(
            user=world.enterprise_owner, offering=world.offering, message="x"
        )
        client.force_login(world.enterprise_member)
        response = client.get(f"/connections/request/{world.offering.pk}/")
        assert response.status_code == 302 and response.url == existing.get_absolute_url()
        response = client.post(f"/connections/request/{world.offering.pk}/", {"message": "again"})
        assert response.url == existing.get_absolute_url()
        assert Connection.objects.count() == 1

    def test_empty_message_is_an_error_at_the_field(self, client, world):
        client.force_login(world.enterprise_member)
        response = client.post(f"/connections/request/{world.offering.pk}/", {"message": ""})
        assert response.status_code == 400
        assert "message" in response.context["form"].errors
        assert not Connection.objects.exists()

    def test_rate_limit_is_shown_in_the_form(self, english, world, settings):
        settings.CONNECTION_DAILY_LIMIT_PER_ORG = 1
        services.connection_request(
            user=world.enterprise_owner,
            offering=factories.make_offering(organization=world.vendor),
            message="x",
        )
        english.force_login(world.enterprise_member)
        response = english.post(f"/connections/request/{world.offering.pk}/", {"message": "hi"})
        assert response.status_code == 400
        assert "daily limit" in response.content.decode()
        assert Connection.objects.count() == 1

    def test_vendors_cannot_open_the_request_form(self, client, world):
        client.force_login(world.third_member)
        assert client.get(f"/connections/request/{world.offering.pk}/").status_code == 403

    def test_request_to_an_unpublished_offering_is_not_found(self, client, world):
        draft = factories.make_offering(organization=world.vendor, status="draft")
        client.force_login(world.enterprise_member)
        assert client.get(f"/connections/request/{draft.pk}/").status_code == 404


class ProposalFormTests:
    def test_vendor_member_sends_a_proposal_from_the_need_page(self, client, world):
        client.force_login(world.vendor_member)
        assert (
            f"/connections/propose/{world.need.pk}/"
            in client.get(world.need.get_absolute_url()).content.decode()
        )
        response = client.post(
            f"/connections/propose/{world.need.pk}/",
            {
                "approach": "基于知识库的问答",
                "indicative_price": "300000",
                "timeline": "8 周",
                "offering": world.offering.pk,
                "message": "期待交流",
            },
        )
        connection = Connection.objects.get()
        assert response.url == connection.get_absolute_url()
        assert (connection.kind, connection.indicative_price, connection.offering) == (
            "proposal",
            300_000,
            world.offering,
        )

    def test_negative_price_is_an_error_at_the_field(self, client, world):
        client.force_login(world.vendor_member)
        response = client.post(
            f"/connections/propose/{world.need.pk}/",
            {"approach": "x", "indicative_price": "-5", "message": "y"},
        )
        assert response.status_code == 400 and "indicative_price" in response.context["form"].errors

    def test_another_vendors_offering_cannot_be_named(self, client, world):
        other = factories.make_offering(organization=world.third)
        client.force_login(world.vendor_member)
        response = client.post(
            f"/connections/propose/{world.need.pk}/",
            {"approach": "x", "offering": other.pk, "message": "y"},
        )
        assert response.status_code == 400 and "offering" in response.context["form"].errors


class ActionViewTests:
    def _pending(self, world):
        return services.connection_request(
            user=world.enterprise_member, offering=world.offering, message="x"
        )[0]

    def test_receiver_accepts_through_the_page(self, client, world):
        connection = self._pending(world)
        client.force_login(world.vendor_member)
        assert 'data-action="accept"' in client.get(connection.get_absolute_url()).content.decode()
        client.post(f"/connections/{connection.pk}/accept/")
        connection.refresh_from_db()
        assert connection.state == "accepted"

    def test_sender_sees_no_accept_button_and_cannot_accept(self, client, world):
        connection = self._pending(world)
        client.force_login(world.enterprise_owner)
        assert (
            'data-action="accept"' not in client.get(connection.get_absolute_url()).content.decode()
        )
        assert client.post(f"/connections/{connection.pk}/accept/").status_code == 403
        connection.refresh_from_db()
        assert connection.state == "pending"

    def test_third_organization_gets_404_for_every_action(self, client, world):
        connection = self._pending(world)
        client.force_login(world.third_member)
        for action in ("accept", "decline", "withdraw", "status", "messages"):
            assert client.post(f"/connections/{connection.pk}/{action}/").status_code == 404

    def test_decline_without_reason_shows_the_error_and_changes_nothing(self, client, world):
        connection = self._pending(world)
        client.force_login(world.vendor_member)
        response = client.post(f"/connections/{connection.pk}/decline/", {"reason": ""})
        assert response.status_code == 400 and "reason" in response.context["decline_form"].errors
        connection.refresh_from_db()
        assert connection.state == "pending"

    def test_sender_sees_the_decline_reason(self, client, world):
        connection = self._pending(world)
        services.connection_decline(
            connection=connection, user=world.vendor_member, reason="预算不匹配"
        )
        client.force_login(world.enterprise_member)
        assert "预算不匹配" in client.get(connection.get_absolute_url()).content.decode()

    def test_mark_won_with_contract_value_through_the_page(self, client, world):
        connection = _accepted(world)
        client.force_login(world.enterprise_member)
        client.post(
            f"/connections/{connection.pk}/status/", {"state": "won", "contract_value": "500000"}
        )
        connection.refresh_from_db()
        assert (connection.state, connection.contract_value) == ("won", 500_000)

    def test_audit_trail_is_shown_to_admins_only(self, client, world, admin_user):
        connection = _accepted(world)
        client.force_login(admin_user)
        assert 'data-event="accepted"' in client.get(connection.get_absolute_url()).content.decode()
        client.force_login(world.vendor_member)
        assert (
            'data-event="accepted"'
            not in client.get(connection.get_absolute_url()).content.decode()
        )

    def test_inbox_separates_received_and_sent_and_filters_by_state(self, client, world):
        connection = self._pending(world)
        client.force_login(world.vendor_member)
        assert f'data-connection="{connection.pk}"' in client.get("/connections/").content.decode()
        assert (
            f'data-connection="{connection.pk}"'
            not in client.get("/connections/?box=sent").content.decode()
        )
        assert (
            f'data-connection="{connection.pk}"'
            not in client.get("/connections/?state=accepted").content.decode()
        )
        client.force_login(world.enterprise_member)
        assert (
            f'data-connection="{connection.pk}"'
            in client.get("/connections/?box=sent").content.decode()
        )

    def test_anonymous_visitor_is_sent_to_sign_in(self, client, world):
        assert client.get("/connections/").status_code == 302


class MessageViewTests:
    def test_message_thread_after_acceptance(self, client, world):
        connection = _accepted(world)
        client.force_login(world.vendor_member)
        client.post(f"/connections/{connection.pk}/messages/", {"body": "下周二演示可以吗？"})
        client.force_login(world.enterprise_member)
        assert "下周二演示可以吗？" in client.get(connection.get_absolute_url()).content.decode()

    def test_no_thread_before_acceptance(self, client, world):
        connection, _ = services.connection_request(
            user=world.enterprise_member, offering=world.offering, message="x"
        )
        client.force_login(world.vendor_member)
        client.post(f"/connections/{connection.pk}/messages/", {"body": "hi"})
        assert not Message.objects.exists()

    def test_message_text_is_escaped_and_links_are_safe(self, client, world):
        connection = _accepted(world)
        services.message_post(
            connection=connection,
            user=world.vendor_member,
            body='<script>alert(1)</script> see https://example.com/a?b=1 <a href="javascript:x">y</a>',
        )
        client.force_login(world.enterprise_member)
        html = client.get(connection.get_absolute_url()).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html
        assert 'href="javascript:' not in html
        assert 'href="https://example.com/a?b=1" rel="nofollow noopener noreferrer"' in html


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


class AttachmentTests:
    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("方案.pdf", b"%PDF-1.4\n%test\n"),
            ("notes.txt", "纪要".encode()),
            ("plan.docx", _docx()),
            ("chart.png", factories.image_bytes("PNG")),
        ],
    )
    def test_allowed_files_are_attached_and_served_to_the_two_sides_only(
        self, client, world, name, content
    ):
        connection = _accepted(world)
        client.force_login(world.vendor_member)
        client.post(
            f"/connections/{connection.pk}/messages/",
            {"body": "附件", "attachment": SimpleUploadedFile(name, content)},
        )
        message = Message.objects.get()
        assert message.attachment_name.split(".")[0] == name.split(".")[0]
        client.force_login(world.enterprise_member)
        response = client.get(f"/connections/attachments/{message.pk}/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        client.force_login(world.third_member)
        assert client.get(f"/connections/attachments/{message.pk}/").status_code == 404
        client.logout()
        assert client.get(f"/connections/attachments/{message.pk}/").status_code == 302

    @pytest.mark.parametrize(
        ("name", "content", "code"),
        [
            ("fake.pdf", b"MZ\x90\x00 not a pdf", "content_mismatch"),
            ("run.exe", b"MZ\x90\x00", "type_not_allowed"),
            ("page.html", b"<script>x</script>", "type_not_allowed"),
            ("fake.docx", b"PK\x03\x04garbage", "content_mismatch"),
            ("fake.png", b"not an image", "not_an_image"),
        ],
    )
    def test_refused_files_get_a_clear_error_and_nothing_is_saved(
        self, client, world, name, content, code
    ):
        connection = _accepted(world)
        client.force_login(world.vendor_member)
        response = client.post(
            f"/connections/{connection.pk}/messages/",
            {"body": "附件", "attachment": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 400
        assert response.context["message_form"].has_error("attachment", code)
        assert not Message.objects.exists()

    def test_too_large_file_is_refused(self, client, world, settings):
        settings.CONNECTION_ATTACHMENT_MAX_BYTES = 100
        connection = _accepted(world)
        client.force_login(world.vendor_member)
        response = client.post(
            f"/connections/{connection.pk}/messages/",
            {"attachment": SimpleUploadedFile("big.txt", b"a" * 500)},
        )
        assert response.context["message_form"].has_error("attachment", "too_large")

    def test_attachments_are_not_stored_under_media_root(self, client, world, settings):
        connection = _accepted(world)
        services.message_post(connection=connection, user=world.vendor_member, body="x")
        from matchmaking.connections.attachments import check_attachment

        checked = check_attachment(SimpleUploadedFile("a.txt", b"hello"))
        message = services.message_post(
            connection=connection, user=world.vendor_member, body="", attachment=checked
        )
        path = message.attachment.path
        assert str(settings.CONNECTION_ATTACHMENT_ROOT) in path
        assert str(settings.MEDIA_ROOT) not in path


class DashboardTests:
    def test_enterprise_dashboard_lists_needs_with_connection_states(self, client, world):
        services.connection_propose(
            user=world.vendor_member, need=world.need, message="x", approach="y"
        )
        client.force_login(world.enterprise_member)
        response = client.get("/connections/dashboard/")
        need = next(n for n in response.context["needs"] if n.pk == world.need.pk)
        assert (need.n_connections, need.n_pending) == (1, 1)

    def test_vendor_dashboard_lists_offerings_with_views_and_requests(self, client, world):
        services.connection_request(
            user=world.enterprise_member, offering=world.offering, message="x"
        )
        client.force_login(world.vendor_member)
        response = client.get("/connections/dashboard/")
        offering = next(o for o in response.context["offerings"] if o.pk == world.offering.pk)
        assert (offering.n_requests, offering.n_pending) == (1, 1)
        assert "view_count" in dir(offering)


class NeedPanelTests:
    """The need's own members see how many connections are about it; the figure is read
    with the need on its page, never for another organization."""

    def _propose(self, world, vendor_member):
        services.connection_propose(user=vendor_member, need=world.need, message="x", approach="y")

    def test_the_owner_sees_the_count_read_with_the_need(self, english, world):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._propose(world, world.vendor_member)
        self._propose(world, world.third_member)
        english.force_login(world.enterprise_member)
        english.get(world.need.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            html = english.get(world.need.get_absolute_url()).content.decode()
        assert "2 connections about this need." in html
        # No query of its own on the connections table: the figure rides on the need's read.
        assert not [q for q in queries if q["sql"].lstrip().startswith("SELECT COUNT(*)")]
        assert not [
            q for q in queries if q["sql"].lstrip().startswith('SELECT "connections_connection"')
        ]

    def test_a_new_connection_is_counted_on_the_next_visit(self, english, world):
        english.force_login(world.enterprise_member)
        assert (
            "0 connections about this need."
            in english.get(world.need.get_absolute_url()).content.decode()
        )
        self._propose(world, world.vendor_member)
        assert (
            "1 connection about this need."
            in english.get(world.need.get_absolute_url()).content.decode()
        )

    def test_a_need_read_without_the_page_annotation_is_counted_by_the_panel(self, rf, world):
        from matchmaking.connections.panels import need_connect_panel
        from matchmaking.listings.models import Need

        self._propose(world, world.vendor_member)
        self._propose(world, world.third_member)
        request = rf.get(world.need.get_absolute_url())
        request.user = world.enterprise_member
        panel = need_connect_panel(request, Need.objects.get(pk=world.need.pk))
        assert (panel.context["mode"], panel.context["total"]) == ("owner", 2)

    def test_another_organizations_read_of_the_need_carries_no_figure(self, world):
        from matchmaking.listings import selectors
        from matchmaking.listings.models import Need

        self._propose(world, world.vendor_member)
        for user, expected in (
            (world.enterprise_member, 1),
            (world.vendor_member, None),
            (world.third_member, None),
        ):
            need = selectors.with_page_annotations(Need.objects.all(), user).get(pk=world.need.pk)
            assert getattr(need, "connection_total", None) == expected


class OrganizationPanelTests:
    def test_response_figures_are_shown_on_the_organization_page(self, client, world):
        _accepted(world)
        html = client.get(world.vendor.get_absolute_url()).content.decode()
        assert 'data-stat="acceptance-rate">100%' in html


class MessageHtmlTests:
    def test_links_after_chinese_punctuation_are_linked_alone(self):
        from matchmaking.connections.templatetags.connections import message_html

        html = message_html("演示：https://example.com/demo，谢谢\n第二行 <b>x</b>")
        assert '：<a href="https://example.com/demo" rel="nofollow noopener noreferrer">' in html
        assert "</a>，谢谢<br>第二行 &lt;b&gt;x&lt;/b&gt;" in html

    def test_only_http_links_are_made(self):
        from matchmaking.connections.templatetags.connections import message_html

        html = message_html('javascript:alert(1) "https://x.example/?a=1&b=2"')
        assert "<a" in html and 'href="javascript' not in html
        assert 'href="https://x.example/?a=1&amp;b=2"' in html
