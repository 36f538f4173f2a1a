"""The suggestions panel of a need's page is kept per process (``selectors.need_panel_rows``)
and is never stale: every write of the need's list moves ``Need.suggestions_revision`` in
its transaction, and what the rows show (offerings, vendors, terms) moves a data version.

Each write below runs "in another process": the process's own cache is put back as it was
before the write (``elsewhere``), so only what the database and the shared cache say can
make the next view fresh — as for a gunicorn worker that did not make the write."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.core.changes import ChangeRecord
from matchmaking.core.page_cache import PAGES_VERSION_KEY
from matchmaking.core.shared_cache import bump_version
from matchmaking.listings import services as listings
from matchmaking.listings.models import Need
from matchmaking.matching import selectors, services
from matchmaking.matching.models import Direction, Suggestion
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]


def elsewhere(write, *, recorded: tuple[str, int] | None = None):
    """Run ``write`` as another process would, and what its commit does (its on-commit work
    runs); this process's cache is left as it was. ``recorded`` (label, pk): the write must
    reach the change feed, whose after-commit callback bumps the pages version — bumped
    here by hand, as in tests/cases/test_caching.py (the test's transaction never commits,
    and a bump queued earlier in it is not queued again)."""
    local = caches["default"]
    saved = (dict(local._cache), dict(local._expire_info))
    latest = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = write()
    if recorded is not None:
        label, pk = recorded
        assert ChangeRecord.objects.filter(pk__gt=latest, label=label, object_id=pk).exists()
        bump_version(PAGES_VERSION_KEY)
    local._cache.clear()
    local._cache.update(saved[0])
    local._expire_info.clear()
    local._expire_info.update(saved[1])
    return result


@pytest.fixture
def world():
    """A need of one enterprise with two suggested offerings, stored by the services."""
    first = factories.make_offering(title="金融智能客服一号")
    second = factories.make_offering(title="金融智能客服二号")
    need = factories.make_need()
    services.suggestions_refresh_for_need(need=need)
    assert set(Suggestion.objects.for_need(need).values_list("offering_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    owner = need.organization.memberships.get().user
    return need, first, second, owner


def page(client, user, need) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(need.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def suggestion_reads(client, need) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(need.get_absolute_url()).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "matching_suggestion" in q["sql"]]


class PanelCacheTests:
    def test_a_repeated_view_reads_no_stored_suggestion(self, client, world):
        need, first, second, owner = world
        html = page(client, owner, need)
        assert first.title in html and second.title in html
        assert suggestion_reads(client, need) == []

    def test_a_dismissal_shows_on_the_next_view(self, client, world):
        need, first, second, owner = world
        assert first.title in page(client, owner, need)
        elsewhere(
            lambda: services.suggestion_dismiss(
                need=need, offering=first, direction=Direction.FOR_NEED, user=owner
            )
        )
        html = page(client, owner, need)
        assert first.title not in html and second.title in html

    def test_the_dismiss_form_shows_on_the_next_view(self, client, world):
        need, first, second, owner = world
        page(client, owner, need)
        response = client.post(
            reverse("matching:dismiss"),
            {"need": need.pk, "offering": first.pk, "direction": "need"},
        )
        assert response.status_code == 302
        html = page(client, owner, need)
        assert first.title not in html and second.title in html

    def test_the_rebuild_shows_on_the_next_view(self, client, world):
        need, first, second, owner = world
        # A list written behind the page's back (bulk work sends no signal) ...
        Suggestion.objects.for_need(need).filter(offering=second).delete()
        caches["default"].clear()
        assert second.title not in page(client, owner, need)
        # ... is rewritten by the rebuild (raw delete + bulk_create in batches).
        elsewhere(services.suggestions_rebuild_all)
        assert second.title in page(client, owner, need)

    def test_the_rebuild_dropping_a_closed_needs_list_shows(self, client, world):
        need, first, second, owner = world
        assert first.title in page(client, owner, need)
        Need.objects.filter(pk=need.pk).update(status="closed")  # no signal, no version
        elsewhere(services.suggestions_rebuild_all)
        html = page(client, owner, need)
        assert first.title not in html and second.title not in html

    def test_a_need_refresh_shows_on_the_next_view(self, client, world):
        need, first, second, owner = world
        Suggestion.objects.for_need(need).filter(offering=second).delete()  # behind its back
        assert second.title not in page(client, owner, need)
        elsewhere(lambda: services.suggestions_refresh_for_need(need=need))
        assert second.title in page(client, owner, need)

    def test_an_offering_refresh_that_enters_the_list_shows(self, client, world):
        need, first, second, owner = world
        third = factories.make_offering(title="金融智能客服三号")
        assert third.title not in page(client, owner, need)
        elsewhere(lambda: services.suggestions_refresh_for_offering(offering=third))
        assert third.title in page(client, owner, need)

    def test_an_offering_removed_from_the_lists_shows(self, client, world):
        need, first, second, owner = world
        assert first.title in page(client, owner, need)
        elsewhere(lambda: services.suggestions_remove_for_offering(offering_id=first.pk))
        assert first.title not in page(client, owner, need)
        elsewhere(lambda: services.suggestions_remove_for_need(need_id=need.pk))
        assert second.title not in page(client, owner, need)

    def test_an_offering_hidden_or_deleted_shows(self, client, world):
        need, first, second, owner = world
        admin = factories.make_user(is_staff=True, is_superuser=True)
        assert first.title in page(client, owner, need)
        elsewhere(
            lambda: listings.offering_hide(offering=first, by=admin, reason="违规"),
            recorded=("listings.offering", first.pk),
        )
        html = page(client, owner, need)
        assert first.title not in html and second.title in html
        # Its rows go by the foreign key's cascade.
        elsewhere(second.delete, recorded=("listings.offering", second.pk))
        assert second.title not in page(client, owner, need)

    def test_an_offering_renamed_shows(self, client, world):
        need, first, second, owner = world
        assert first.title in page(client, owner, need)

        def rename():
            first.title = "金融智能客服甲号"
            first.save()  # the admin's path: a tracked save

        elsewhere(rename, recorded=("listings.offering", first.pk))
        html = page(client, owner, need)
        assert "金融智能客服甲号" in html and "金融智能客服一号" not in html

    def test_a_vendor_rename_shows(self, client, world):
        need, first, second, owner = world
        old = first.organization.name
        assert old in page(client, owner, need)

        def rename():
            organization = first.organization
            organization.name = "改名后的厂商（示例）"
            organization.save()

        elsewhere(rename, recorded=("accounts.organization", first.organization_id))
        html = page(client, owner, need)
        assert "改名后的厂商（示例）" in html and old not in html

    def test_a_taxonomy_term_renamed_moves_the_key(self, world):
        """The reasons name terms from the engine's labels today; a term's rename still
        moves the key (the taxonomy version), so rows showing term names stay fresh."""
        from matchmaking.taxonomy.models import Sector

        need = world[0]
        before = selectors.need_panel_key(need)
        sector = Sector.objects.get(code="finance")
        sector.name_zh = "金融（改名）"
        elsewhere(sector.save)
        assert selectors.need_panel_key(need) != before

    def test_the_language_has_its_own_entry(self, client, world):
        need, first, second, owner = world
        zh = page(client, owner, need)
        client.cookies["django_language"] = "en"
        en = client.get(need.get_absolute_url()).content.decode()
        assert first.organization.name in zh
        assert first.organization.name_en in en


class PanelViewerTests:
    """The cached rows reach only the need's readers; each gets its own controls."""

    def test_only_the_needs_organization_and_admins_get_the_rows(self, client, world):
        need, first, second, owner = world
        colleague = factories.make_member(need.organization)
        admin = factories.make_user(is_staff=True, is_superuser=True)
        other_enterprise = factories.make_organization(kind="enterprise").memberships.get().user
        vendor = first.organization.memberships.get().user
        # The owner's view fills the cache first.
        owner_html = page(client, owner, need)
        assert first.title in owner_html and reverse("matching:dismiss") in owner_html
        colleague_html = page(client, colleague, need)
        assert first.title in colleague_html and reverse("matching:dismiss") in colleague_html
        admin_html = page(client, admin, need)
        assert first.title in admin_html and 'id="suggested-offerings"' in admin_html
        assert reverse("matching:dismiss") not in admin_html  # not the admin's list to prune
        for user in (other_enterprise, vendor, None):
            html = page(client, user, need)
            assert 'id="suggested-offerings"' not in html, user
            assert second.title not in html, user

    def test_each_reader_gets_its_own_csrf_token(self, client, world):
        import re

        need, first, second, owner = world
        colleague = factories.make_member(need.organization)
        tokens = set()
        for user in (owner, colleague):
            html = page(client, user, need)
            form = re.search(r'class="inline-form match-dismiss">(.*?)</form>', html, re.S)
            tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[1])[1])
        assert len(tokens) == 2

    def test_the_kept_markup_takes_each_pages_own_url(self, client, world):
        import re

        need, first, second, owner = world
        client.force_login(owner)
        for query in ("", "?from=list", "?a=1&b=<2>"):
            html = client.get(need.get_absolute_url() + query).content.decode()
            nexts = set(re.findall(r'name="next" value="([^"]*)"', html))
            assert nexts == {
                need.get_absolute_url()
                + query.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
            }, nexts

    def test_the_admin_editing_a_stored_row_shows(self, client, world):
        need, first, second, owner = world
        admin = factories.make_user(is_staff=True, is_superuser=True)
        assert first.title in page(client, owner, need)
        row = Suggestion.objects.for_need(need).get(offering=first)
        client.force_login(admin)
        response = client.post(
            reverse("admin:matching_suggestion_delete", args=[row.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not Suggestion.objects.filter(pk=row.pk).exists()
        html = page(client, owner, need)
        assert first.title not in html and second.title in html


class RevisionTests:
    def test_a_save_of_a_need_read_earlier_does_not_move_the_revision_back(self, world):
        """Only ``UPDATE … + 1`` moves it: a need read before a write of its list and saved
        after it (an edit form, the admin) keeps the newer revision."""
        need = world[0]
        stale = Need.objects.get(pk=need.pk)
        services.revise_need_lists([need.pk])
        moved = Need.objects.values_list("suggestions_revision", flat=True).get(pk=need.pk)
        stale.title = "信用卡中心客服热线分流（改）"
        stale.save()
        need.refresh_from_db()
        assert need.title == "信用卡中心客服热线分流（改）"
        assert need.suggestions_revision == moved
        # A need read with deferred fields saves the loaded ones only, as before.
        partial = Need.objects.only("title").get(pk=need.pk)
        partial.title = "再改一次"
        partial.save()
        need.refresh_from_db()
        assert need.title == "再改一次" and need.suggestions_revision == moved
        # A copy (the primary key cleared) is still inserted.
        copy = Need.objects.get(pk=need.pk)
        copy.pk = None
        copy.save()
        assert Need.objects.filter(title="再改一次").count() == 2
