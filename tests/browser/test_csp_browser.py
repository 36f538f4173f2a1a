"""In a real browser the strict Content-Security-Policy blocks nothing the pages need:
no "Refused to …" console message and no securitypolicyviolation event."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import sign_in, url
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

# Registered before any page script runs; collects what the browser refused.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _watch(page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(COLLECT_VIOLATIONS)
    return messages


def _visit(page, address, messages):
    response = page.goto(address)
    assert response is not None and response.status == 200, address
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    refused = [text for text in messages if "Refused to" in text or "Content Security" in text]
    assert (violations, refused) == ([], []), address


class CspInTheBrowserTests:
    def test_home_offering_list_and_need_form_load_without_csp_violations(
        self,
        page,
        base_url,
    ):
        """An enterprise member browses the home page, the offering list (with its filter
        script) and the need form (with its scripts): the browser refuses nothing."""
        organization = factories.make_organization(kind="enterprise")
        vendor = factories.make_organization(kind="vendor")
        factories.make_offering(organization=vendor, title="CSP check offering")
        user = organization.memberships.get().user
        messages = _watch(page)
        _visit(page, url(base_url, "/"), messages)
        _visit(page, url(base_url, "/offerings/"), messages)
        sign_in(page, base_url, user.email, DEFAULT_PASSWORD)
        _visit(page, url(base_url, "/needs/new/"), messages)
        _visit(page, url(base_url, "/api/docs/"), messages)
        page.wait_for_selector(".swagger-ui .info", timeout=15_000)
        assert page.evaluate("window.__cspViolations") == []
