"""Receivers that drop the cached insight tables when what they count changes.

The listings services already bump the listings cache version; these catch every other
write path (the admin, imports, other apps' services, test factories) and the models the
listings version knows nothing about (connections, cases, suggestions)."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from matchmaking.insights.caching import bump_insights_version

WATCHED_MODELS = (
    ("listings", "Need"),
    ("listings", "Offering"),
    ("connections", "Connection"),
    ("cases", "Case"),
    ("matching", "Suggestion"),
    ("accounts", "Organization"),
    ("events", "Registration"),
    ("events", "MeetingRequest"),
    ("events", "Meeting"),
    ("events", "MeetingOutcome"),
)
WATCHED_M2M = (
    ("listings", "Need", ("sectors", "app_types", "deployment_modes")),
    ("listings", "Offering", ("sectors", "app_types", "deployment_modes")),
)


def connect() -> None:
    for app_label, model_name in WATCHED_MODELS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        uid = f"insights-{app_label}-{model_name}"
        post_save.connect(bump_insights_version, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump_insights_version, sender=model, dispatch_uid=uid + "-delete")
    for app_label, model_name, fields in WATCHED_M2M:
        model = apps.get_model(app_label, model_name)
        for name in fields:
            through = getattr(model, name).through
            m2m_changed.connect(
                bump_insights_version,
                sender=through,
                dispatch_uid=f"insights-{app_label}-{model_name}-{name}",
            )
