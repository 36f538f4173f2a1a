"""Steps shared by the browser journeys (Playwright's sync API).

Each helper takes the test's `page` and does what a person would: open a page, fill the
fields by their form names, press the form's submit button. Pages are addressed by path
against `base_url` (the live server's URL).
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

CHROMIUM_PATH = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections are refused by this
# machine's closed network; --no-sandbox is needed when running as root (CI).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def form_with(page: Page, field_name: str) -> Locator:
    """The form that contains the field called `field_name` (not the nav's small forms)."""
    return page.locator("form", has=page.locator(f'[name="{field_name}"]')).first


def fill_field(page: Page, name: str, value: str, *, within: Locator | None = None) -> None:
    """Fill an input, textarea or select by its `name`, whatever kind of widget it is."""
    scope = within or page
    field = scope.locator(f'[name="{name}"]').first
    tag = field.evaluate("element => element.tagName.toLowerCase()")
    if tag == "select":
        field.select_option(value)
    else:
        field.fill(value)


def submit(form: Locator) -> None:
    """Press the form's submit button and wait for the next page to load."""
    page = form.page
    button = form.locator('button[type="submit"], input[type="submit"], button:not([type])')
    with page.expect_navigation():
        button.first.click()


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through /accounts/login/ (fields `username` and `password`)."""
    page.goto(url(base_url, "/accounts/login/"))
    form = form_with(page, "password")
    fill_field(page, "username", email, within=form)
    fill_field(page, "password", password, within=form)
    submit(form)


def sign_up(
    page: Page, base_url: str, *, email: str, password: str, full_name: str, kind: str
) -> None:
    """Create an account through /accounts/signup/; `kind` is "enterprise" or "vendor"."""
    page.goto(url(base_url, "/accounts/signup/"))
    form = form_with(page, "password1")
    fill_field(page, "email", email, within=form)
    fill_field(page, "full_name", full_name, within=form)
    fill_field(page, "password1", password, within=form)
    fill_field(page, "password2", password, within=form)
    form.locator(f'input[name="kind"][value="{kind}"]').check()
    submit(form)


def switch_language(page: Page, code: str) -> None:
    """Use the navigation's language switcher; `code` is "en" or "zh-hans"."""
    button = page.locator(f'button[data-language="{code}"]').first
    with page.expect_navigation():
        button.click()
    expect(page.locator("html")).to_have_attribute("lang", code)
