"""Named extension points: idempotent registration, order, default, one name each."""

import pytest

from matchmaking.accounts.models import contact_disclosure
from matchmaking.connections import selectors
from matchmaking.core.extensions import ALL_POINTS, ExtensionPoint, describe
from matchmaking.matching.learning import feedback_outcomes


def _late():
    return "late"


def _early():
    return "early"


def test_providers_are_ordered_and_registered_once():
    point = ExtensionPoint("tests.ordered", "f() -> str")
    try:
        point.register(_late, order=60)
        point.register(_early, order=10)
        point.register(_late, order=60)  # a second ready() must not add it again
        assert [provider() for provider in point.providers()] == ["early", "late"]
        assert point.first() is _early
        point.unregister(_early)
        assert point.providers() == [_late]
    finally:
        del ALL_POINTS["tests.ordered"]


def test_first_falls_back_to_the_default():
    point = ExtensionPoint("tests.default", "f() -> str", default=_early)
    try:
        assert point.first() is _early
    finally:
        del ALL_POINTS["tests.default"]


def test_a_name_is_declared_once():
    point = ExtensionPoint("tests.unique", "f()")
    try:
        with pytest.raises(ValueError):
            ExtensionPoint("tests.unique", "f()")
        assert any(entry["name"] == "tests.unique" for entry in describe())
    finally:
        del ALL_POINTS[point.name]


def test_the_connections_app_fills_the_contact_and_feedback_points():
    """Registered from ConnectionsConfig.ready(): accounts and matching never import it."""
    assert selectors.accepted_counterpart_ids in contact_disclosure.providers()
    assert selectors.connection_outcomes in feedback_outcomes.providers()
