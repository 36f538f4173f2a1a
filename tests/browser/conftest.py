"""Playwright harness: Debian's Chromium driven against pytest-django's live server.

Fixtures:
- `browser` (session): one Chromium from /usr/bin/chromium for the whole run.
- `page`: a fresh browser context (own cookies, Chinese browser locale, 1280×900) and page for
  each test, with a default timeout; `page.base_url` is not a Playwright attribute, so tests
  take the live server's URL from the `base_url` fixture.
- `base_url`: `live_server.url` (using it gives the test a transactional database).
A failing test leaves a full-page screenshot in test-artifacts/<test name>.png.
Every page a test loads is checked by axe-core (tests/browser/accessibility.py); a serious or
critical WCAG 2.1 AA violation fails the test.
Without /usr/bin/chromium the browser tests are skipped, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from
# a thread with a running loop unless told that it is safe (it is: the loop only waits).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.browser.accessibility import AxeWatcher, axe_source  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, CHROMIUM_PATH, DEFAULT_TIMEOUT_MS  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test in tests/browser/ is a browser test, marked or not."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM_PATH):
        message = f"{CHROMIUM_PATH} not found: apt-get install chromium fonts-noto-cjk"
        if _in_ci():
            pytest.fail(message + " (browser tests are required in CI)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    """Browser tests run on a transactional database, whose flush after each test removes the
    taxonomy that a data migration loaded; load it again before each test."""
    from matchmaking.taxonomy.services import taxonomy_load

    taxonomy_load()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def page(request, browser, base_url):
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.add_init_script(axe_source())
    page = context.new_page()
    watcher = AxeWatcher(page)
    watcher.attach()
    yield page
    call_passed = getattr(request.node, "_report_call", None)
    if call_passed is not None and call_passed.passed and not page.is_closed():
        watcher.check()  # the page the test ended on, after its last interactions
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
            print(f"could not save a screenshot: {exc}")
    context.close()
    if call_passed is not None and call_passed.passed and watcher.failures:
        pytest.fail(watcher.report(), pytrace=False)
