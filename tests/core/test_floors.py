"""The floors contract (`.importlinter`, checked by `lint-imports` in scripts/test.sh) places
every app of the project, so a new app cannot slip past it unchecked."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

CONTRACT = Path(settings.BASE_DIR) / ".importlinter"


def floors() -> list[set[str]]:
    """The layers of the floors contract, top floor first, each a set of packages."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read(CONTRACT, encoding="utf-8")
    layers = parser["importlinter:contract:floors"]["layers"]
    return [
        {name.strip() for name in re.split(r"[|:]", line) if name.strip()}
        for line in layers.splitlines()
        if line.strip()
    ]


class FloorsContractTests:
    def test_every_project_app_stands_on_exactly_one_floor(self):
        placed = [name for floor in floors() for name in floor]
        project_apps = {
            config.name
            for config in apps.get_app_configs()
            if config.name.startswith("matchmaking.")
        }
        assert sorted(placed) == sorted(set(placed)), "an app is on two floors"
        assert set(placed) == project_apps

    def test_core_is_the_ground_floor_and_insights_and_api_the_top(self):
        layers = floors()
        assert layers[-1] == {"matchmaking.core"}
        assert layers[0] == {"matchmaking.insights", "matchmaking.api"}

    def test_events_sits_above_connections_and_notifications(self):
        layers = floors()
        events = next(i for i, floor in enumerate(layers) if "matchmaking.events" in floor)
        shared = next(i for i, floor in enumerate(layers) if "matchmaking.connections" in floor)
        assert "matchmaking.notifications" in layers[shared]
        assert events < shared
