"""The navigation links are reversed once per URL configuration and script prefix, and
follow both (a site mounted under a prefix links under it)."""

from __future__ import annotations

from django.urls import clear_script_prefix, reverse, set_script_prefix

from matchmaking.core import navigation


def test_links_follow_the_script_prefix_and_are_reversed_once(monkeypatch):
    link = navigation.links_for("public")[0]
    assert link.url == reverse(link.url_name)
    calls = []
    monkeypatch.setattr(navigation, "reverse", lambda name: calls.append(name) or reverse(name))
    assert link.url == reverse(link.url_name)
    assert calls == []  # kept from the first render
    set_script_prefix("/mounted/")
    try:
        assert link.url.startswith("/mounted/")
        assert link.url == reverse(link.url_name)
    finally:
        clear_script_prefix()
    assert not link.url.startswith("/mounted/")
