"""A need's business problem and facts are rendered once per content and language
(``listings.fragments``, ``core.fragments``) — and are never stale, whatever wrote the need."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template import loader
from django.urls import reverse

from matchmaking.core import fragments
from matchmaking.listings.models import Need
from matchmaking.taxonomy.models import Sector
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_default_cache")]


def _page(client, need) -> str:
    response = client.get(reverse("listings:need-detail", args=[need.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _facts_renders():
    """Counts the renders of the facts' template (a spy on the loader); ``.rendered`` holds
    their markup."""
    rendered: list[str] = []

    def render(*args, **kwargs):
        rendered.append(loader.render_to_string(*args, **kwargs))
        return rendered[-1]

    spy = mock.patch.object(fragments, "render_to_string", side_effect=render)
    spy.rendered = rendered
    return spy


class NeedFactsFragmentTests:
    def test_a_repeated_view_does_not_render_the_facts_again(self, client):
        need = factories.make_need(description="产线质检<需要>人工复核")
        client.force_login(need.organization.memberships.get().user)
        with _facts_renders() as renders:
            first = _page(client, need)
            second = _page(client, need)
        assert renders.call_count == 1
        assert "产线质检&lt;需要&gt;人工复核" in first and "产线质检&lt;需要&gt;人工复核" in second

    def test_another_viewer_gets_the_same_facts_and_nothing_of_the_owner(self, client):
        """Rendered without the request: the owner's controls and token are not in it, and
        an anonymous reader sees the same facts (the page around them is the reader's)."""
        need = factories.make_need(description="工单分派", requires_domestic_hw=True)
        client.force_login(need.organization.memberships.get().user)
        spy = _facts_renders()
        with spy:
            owner_page = _page(client, need)
        assert "csrfmiddlewaretoken" in owner_page
        (markup,) = spy.rendered
        assert "工单分派" in markup
        assert "csrfmiddlewaretoken" not in markup and "owner-actions" not in markup
        client.logout()
        reader_page = _page(client, need)
        assert "工单分派" in reader_page and "国产" in reader_page

    @pytest.mark.parametrize(
        "write", ["save", "queryset update", "plain set of sectors", "sector renamed"]
    )
    def test_the_view_after_any_write_shows_the_facts_as_they_are(self, client, write):
        """The key is the content shown, not a version a writer must bump: a queryset
        ``update()`` (no ``updated_at``, no signal) and a plain ``.set()`` are seen too."""
        need = factories.make_need(sectors=("finance",), description="旧的描述")
        client.force_login(need.organization.memberships.get().user)
        assert "旧的描述" in _page(client, need)
        if write == "save":
            fresh = Need.objects.get(pk=need.pk)
            fresh.description = "新的描述"
            fresh.save()
            assert "新的描述" in _page(client, need)
        elif write == "queryset update":
            Need.objects.filter(pk=need.pk).update(description="新的描述", budget_max=990000)
            page = _page(client, need)
            assert "新的描述" in page and "旧的描述" not in page and "99" in page
        elif write == "plain set of sectors":
            Need.objects.get(pk=need.pk).sectors.set(Sector.objects.filter(code="healthcare"))
            page = _page(client, need)
            assert Sector.objects.get(code="healthcare").name_zh in page
            assert Sector.objects.get(code="finance").name_zh not in page
        else:
            sector = Sector.objects.get(code="finance")
            sector.name_zh = "金融与保险"
            sector.save()
            assert "金融与保险" in _page(client, need)

    def test_a_page_the_page_cache_keeps_whole_keeps_no_facts_of_its_own(self, client, settings):
        """An anonymous view (the page cache keeps its whole page) renders the facts but
        leaves no copy in the process's cache: the owner's next view renders them."""
        settings.PAGE_CACHE_SECONDS = 300
        need = factories.make_need(description="仓储盘点")
        with _facts_renders() as renders:
            response = client.get(reverse("listings:need-detail", args=[need.pk]))
            assert response["X-Page-Cache"] == "miss" and "仓储盘点" in response.content.decode()
            client.force_login(need.organization.memberships.get().user)
            assert "仓储盘点" in _page(client, need)
            assert "仓储盘点" in _page(client, need)
        assert renders.call_count == 2  # the anonymous view's, then the owner's first

    def test_each_language_has_its_own_facts(self, client):
        need = factories.make_need(description="描述")
        client.force_login(need.organization.memberships.get().user)
        client.cookies["django_language"] = "zh-hans"
        chinese = _page(client, need)
        client.cookies["django_language"] = "en"
        english = _page(client, need)
        assert "业务问题" in chinese and "The business problem" not in chinese
        assert "The business problem" in english


class FragmentTests:
    def test_fingerprint_tells_apart_what_repr_tells_apart(self):
        assert fragments.fingerprint(["a", 1]) != fragments.fingerprint(["a", "1"])
        assert fragments.fingerprint(["ab", "c"]) != fragments.fingerprint(["a", "bc"])
        assert fragments.fingerprint([None]) == fragments.fingerprint([None])

    def test_the_key_carries_language_and_script_prefix(self):
        from django.urls import set_script_prefix
        from django.utils import translation

        with translation.override("zh-hans"):
            chinese = fragments.fragment_key("t.html", "f")
        with translation.override("en"):
            english = fragments.fragment_key("t.html", "f")
        set_script_prefix("/sub/")
        try:
            with translation.override("en"):
                prefixed = fragments.fragment_key("t.html", "f")
        finally:
            set_script_prefix("/")
        assert len({chinese, english, prefixed}) == 3
