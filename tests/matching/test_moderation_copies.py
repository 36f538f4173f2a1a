"""Moderators are told when a text under review copies another vendor's live offering
(matching/text_copies.py): a pending offering, or a revision rewriting a live one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from matchmaking.listings import services
from matchmaking.matching.runtime import holder
from matchmaking.matching.text_copies import (
    offering_text_copies,
    pending_text_copies,
    revision_text_copies,
)
from tests import factories

pytestmark = pytest.mark.django_db

TITLE, SUMMARY, TEXT = factories.COPIED_TITLE, factories.COPIED_SUMMARY, factories.COPIED_TEXT


@pytest.fixture
def staff(db):
    return factories.make_user(email="staff@example.com", is_staff=True)


@pytest.fixture
def market(fresh_engine):
    """An honest vendor's live offering, a copier's live placeholder, two unrelated others;
    the engine open on them; then the copier proposes the honest text as its placeholder's."""
    original, placeholder = factories.make_copy_market()
    holder.get()
    services.offering_update(
        offering=placeholder, title=TITLE + "（旗舰版）", summary=SUMMARY, description=TEXT
    )
    return original, placeholder, services.pending_revision(placeholder)


def test_a_revision_rewriting_a_listing_into_a_competitors_text_is_named(client, staff, market):
    original, placeholder, revision = market
    found = pending_text_copies(staff)
    assert [(c.offering, c.revision, c.original) for c in found] == [
        (placeholder, revision, original)
    ]
    assert found[0].cosine >= 0.8
    assert revision_text_copies(staff, revision) == found
    client.force_login(staff)
    queue = client.get(reverse("listings:moderation-queue")).content.decode()
    assert 'id="text-copies-table"' in queue
    assert f'data-offering="{placeholder.pk}" data-original="{original.pk}"' in queue
    page = client.get(reverse("listings:revision-detail", args=[revision.pk])).content.decode()
    assert "与其他厂商供给雷同的文字" in page
    assert f'href="{original.get_absolute_url()}"' in page


def test_a_pending_offering_copying_a_live_one_is_named(client, staff, market):
    original, _placeholder, _revision = market
    pending = factories.make_offering(
        status="pending", title=TITLE, summary=SUMMARY, description=TEXT
    )
    assert [c.original for c in offering_text_copies(staff, pending)] == [original]
    assert offering_text_copies(staff, original) == []  # a live offering is not under review
    assert pending in [c.offering for c in pending_text_copies(staff)]
    client.force_login(staff)
    page = client.get(pending.get_absolute_url()).content.decode()
    assert 'id="text-copies-table"' in page


def test_the_vendors_own_text_and_other_texts_are_not_named(staff, market):
    original, _placeholder, _revision = market
    own = factories.make_offering(
        organization=original.organization,
        status="pending",
        title=TITLE + "（标准版）",
        summary=SUMMARY,
        description=TEXT,
    )
    other = factories.make_offering(status="pending", title="政务公文写作助手")
    assert offering_text_copies(staff, own) == []
    assert offering_text_copies(staff, other) == []


def test_nobody_but_admins_is_told(client, market):
    _original, placeholder, revision = market
    copier = factories.make_member(placeholder.organization)
    pending = factories.make_offering(status="pending", title=TITLE, description=TEXT)
    for user in (AnonymousUser(), copier, factories.make_user(email="buyer@example.com")):
        assert pending_text_copies(user) == []
        assert revision_text_copies(user, revision) == []
        assert offering_text_copies(user, pending) == []
    client.force_login(copier)  # the copier may read its own revision's page
    page = client.get(reverse("listings:revision-detail", args=[revision.pk]))
    assert page.status_code == 200
    assert 'id="text-copies-table"' not in page.content.decode()


def test_without_an_open_engine_nothing_is_named(staff, market, monkeypatch):
    """Web workers never fit an engine: with none open the check says nothing."""
    _original, _placeholder, revision = market
    monkeypatch.setattr(holder, "peek", lambda: None)
    assert revision_text_copies(staff, revision) == []
    assert pending_text_copies(staff) == []
