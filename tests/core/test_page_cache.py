"""The shared page cache (core/page_cache.py): a repeated anonymous page is served without
rendering, never stale after a write, per language, and never to or from a signed-in user.
(Across processes: tests/core/test_shared_cache.py.)"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.core.page_cache import PAGES_VERSION_KEY, page_versions
from matchmaking.core.shared_cache import read_version
from tests import factories

LIST = reverse("listings:offering-list")


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    caches["default"].clear()


@pytest.fixture
def offering(db):
    return factories.make_offering(title="智能客服机器人")


def test_a_repeated_anonymous_page_is_served_from_the_cache(offering, client):
    first = client.get(LIST + "?kind=product&sector=finance")
    assert first["X-Page-Cache"] == "miss"
    again = client.get(LIST + "?sector=finance&kind=product")  # same query, other order
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert "智能客服机器人" in again.content.decode()
    for response in (first, again):
        assert not response.cookies  # no session, CSRF or messages cookie
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert response["Content-Language"] == "zh-hans"
        assert "Accept-Language" in response["Vary"]
    assert "X-Request-ID" in again  # each request still gets its own id


def test_an_entry_of_another_process_is_served_from_the_shared_cache(offering, client):
    client.get(LIST)
    caches["default"].clear()  # what another worker process sees: only the shared cache
    assert client.get(LIST)["X-Page-Cache"] == "hit"


def test_an_entry_of_another_process_costs_one_round_trip(offering, client):
    """The versions and the shared entry under the key the last lookup's versions give are
    read together (core.page_cache._look_up): one query, not the versions and then the entry."""
    client.get(LIST)
    caches["default"].clear()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LIST)
    assert page["X-Page-Cache"] == "hit"
    assert len(queries) == 1, [query["sql"] for query in queries]


def test_a_guessed_entry_is_not_served_after_a_write(
    offering, client, django_capture_on_commit_callbacks
):
    """The entry read with the versions is the one under the OLD versions: after a write in
    another process (nothing in this process's cache) it must not be served."""
    client.get(LIST)
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_offering(title="新的数据标注服务")
    caches["default"].clear()
    page = client.get(LIST)
    assert page["X-Page-Cache"] == "miss"
    assert "新的数据标注服务" in page.content.decode()
    assert client.get(LIST)["X-Page-Cache"] == "hit"  # stored under the new versions


def test_a_write_shows_on_the_next_request(offering, client, django_capture_on_commit_callbacks):
    client.get(LIST)
    assert client.get(LIST)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_offering(title="新的数据标注服务")
    page = client.get(LIST)
    assert page["X-Page-Cache"] == "miss"
    assert "新的数据标注服务" in page.content.decode()


def test_every_recorded_write_bumps_the_pages_version(db, django_capture_on_commit_callbacks):
    """Bumped once the transaction commits (however many writes it made)."""
    before = read_version(PAGES_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        organization = factories.make_organization(kind="vendor")
        organization.name = "改名公司"
        organization.save()
    assert read_version(PAGES_VERSION_KEY) == before  # not before the commit
    for callback in callbacks:
        callback()
    assert read_version(PAGES_VERSION_KEY) > before


def test_the_apps_register_their_data_versions():
    keys = {provider() for provider in page_versions.providers()}
    assert {"listings:version", "taxonomy:version", "insights:version"} <= keys


def test_each_language_has_its_own_entry(offering, client):
    chinese = client.get(LIST)
    client.cookies["django_language"] = "en"
    english = client.get(LIST)
    assert english["X-Page-Cache"] == "miss"
    assert english["Content-Language"] == "en"
    assert english.content != chinese.content
    assert client.get(LIST)["X-Page-Cache"] == "hit"


def test_a_signed_in_user_never_gets_nor_fills_an_anonymous_entry(offering, client):
    user = factories.make_organization(kind="vendor", name="甲方专用公司").memberships.get().user
    anonymous = client.get(LIST)
    assert client.get(LIST)["X-Page-Cache"] == "hit"
    client.force_login(user)
    signed_in = client.get(LIST)
    assert "X-Page-Cache" not in signed_in
    body = signed_in.content.decode()
    assert "csrfmiddlewaretoken" in body  # the sign-out form: the user's own token
    assert body != anonymous.content.decode()
    client.logout()
    client.cookies.pop("sessionid", None)
    again = client.get(LIST)
    assert again["X-Page-Cache"] == "hit"
    assert "csrfmiddlewaretoken" not in again.content.decode()


def test_a_response_that_sets_a_cookie_is_not_stored(offering, client, settings):
    client.get(LIST + "?page=1")
    # A page whose rendering used the CSRF token (sets the CSRF cookie) is never stored.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_page_cache.UseCsrfToken"]
    fresh = Client()  # a client loads the middleware once
    first = fresh.get(LIST + "?page=2")
    assert first.cookies and "X-Page-Cache" not in first
    assert "X-Page-Cache" not in fresh.get(LIST + "?page=2")


def test_the_language_switcher_works_without_a_token(client):
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


class UseCsrfToken:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.middleware.csrf import get_token

        get_token(request)
        return self.get_response(request)
