"""The insights heat map renders in a real browser with the demo world's data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import url

pytestmark = pytest.mark.browser


class InsightsHeatMapTests:
    def test_heat_map_shows_demo_supply_and_demand(self, page, base_url):
        """After seed_demo, /insights/ draws the 6 × 6 sector × application-type map with
        non-zero cells, each cell linking to the filtered browse pages."""
        call_command("seed_demo", verbosity=0)
        cache.clear()
        page.goto(url(base_url, "/insights/"))
        heat_map = page.locator("svg.heat-map")
        heat_map.wait_for()
        # A labelled group of links (an "img" may not contain focusable links: axe's
        # nested-interactive rule).
        assert heat_map.get_attribute("role") == "group"
        assert heat_map.get_attribute("aria-labelledby") == "heat-map-svg-title"
        cells = page.locator("svg.heat-map g.heat-cell")
        assert cells.count() == 36
        needs = [int(v) for v in cells.evaluate_all("gs => gs.map(g => g.dataset.needs)")]
        offerings = [int(v) for v in cells.evaluate_all("gs => gs.map(g => g.dataset.offerings)")]
        assert sum(needs) > 0 and sum(offerings) > 0
        busy = page.locator('svg.heat-map g.heat-cell:not([data-offerings="0"])').first
        assert busy.locator("a").nth(1).get_attribute("href").startswith("/offerings/?sector=")
        box = heat_map.bounding_box()
        assert box["width"] > 400 and box["height"] > 200
        # The cells are painted with the quantised classes (no inline styles).
        fill = busy.locator("rect").first.evaluate("r => getComputedStyle(r).fill")
        assert fill not in ("", "none", "rgb(0, 0, 0)")
        ARTIFACTS.mkdir(exist_ok=True)
        heat_map.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=True)
