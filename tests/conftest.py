"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production password hashing would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _taxonomy_after_flush(request):
    """Transactional tests flush every table after they run, taking the taxonomy (made by a
    data migration) with them; put it back for tests that use a flushed database."""
    fixtures = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional_marker = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional_marker or fixtures & {"transactional_db", "live_server"}:
        from matchmaking.taxonomy.services import taxonomy_load

        request.getfixturevalue("transactional_db")
        taxonomy_load()


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    """Tests read ``response.context``, which a page served from the page cache has not; the
    page cache's own tests (tests/core/test_page_cache.py) turn it on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test temporary folder, never the developer's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CONNECTION_ATTACHMENT_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _matching_snapshots_in_tmp(settings, tmp_path):
    """Engine and browse index snapshots go to a per-test folder: a test never opens another
    test's engine or index."""
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "matching"
    settings.LISTINGS_INDEX_SNAPSHOT_DIR = tmp_path / "browse"


@pytest.fixture
def empty_default_cache():
    """The process's ``default`` cache empty before and after the test: what one test cached
    from its (rolled back) database must not answer the next."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def english(client):
    """Make the test client ask for English pages (for assertions on English text)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def enterprise_owner(db):
    return factories.make_organization(kind="enterprise").memberships.get().user


@pytest.fixture
def vendor_owner(db):
    return factories.make_organization(kind="vendor").memberships.get().user


@pytest.fixture
def admin_user(db):
    return factories.make_user(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _view_counts_written_at_once(settings):
    """Offering views are written at once in tests: a per-process tally would outlive the
    test's rolled-back database (tests of the batching turn it back on and flush)."""
    settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_taxonomy_cache():
    """Each test reads the taxonomy afresh: terms a rolled-back test saved or deleted must not
    stay in the per-process cache (taxonomy.selectors)."""
    from matchmaking.taxonomy.selectors import reset_taxonomy_cache

    reset_taxonomy_cache()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a test that switched to English
    (a request with the English cookie activates it for the thread) must not leave the next
    test reading English labels."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty per-process cache: its keys carry versions read from the
    shared cache's table, which a rolled-back test leaves where it was, so figures a previous
    test cached under the same version must not be served to this one."""
    from django.core.cache import caches

    caches["default"].clear()


@pytest.fixture(autouse=True)
def _fresh_feed_readers():
    """Each test starts with indexes that follow the change feed from its head: a rolled-back
    test's feed records (SQLite hands their ids out again) must not count as read."""
    from matchmaking.listings.browse.index import reset_indexes
    from matchmaking.matching.runtime import holder

    reset_indexes()
    holder.reset()


@pytest.fixture
def domain_events():
    """``domain_events("need_saved")`` → a list that receives each delivered payload of that
    domain event (core/domain_events.py) during the test."""
    from matchmaking.core import domain_events as events

    recorders = []

    def record(name: str) -> list[dict]:
        received: list[dict] = []

        def recorder(**payload):
            received.append(payload)

        recorder.__qualname__ = f"recorder-{len(recorders)}"
        events.subscribe(name, recorder)
        recorders.append((name, recorder))
        return received

    yield record
    for name, recorder in recorders:
        events.unsubscribe(name, recorder)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` are deselected (not skipped) on SQLite: scripts/test.sh runs
    them in its PostgreSQL step, where DATABASE_URL points at a throwaway cluster."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
