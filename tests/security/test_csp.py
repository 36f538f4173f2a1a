"""The Content-Security-Policy forbids inline script and style; no page needs them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _inline_code(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, JAVASCRIPT_URL):
        found += pattern.findall(html)
    return found


@pytest.mark.django_db
class ContentSecurityPolicyHeaderTests:
    def test_pages_send_a_strict_policy_without_unsafe_inline(self, client):
        """Every HTML page carries the policy: self-only scripts and styles, no plugins, no
        framing, forms only to this site, and never 'unsafe-inline' or 'unsafe-eval'."""
        response = client.get("/")
        assert response.status_code == 200
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header
        assert "unsafe-eval" not in header
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]

    def test_public_signed_in_admin_and_api_docs_pages_contain_no_inline_code(self, client):
        """The HTML of public pages, a signed-in form, the admin and Swagger UI holds no
        inline <script>, <style>, style= or on…= attribute (the policy would block them)."""
        organization = factories.make_organization(kind="enterprise")
        factories.make_need(organization=organization)
        factories.make_offering(organization=factories.make_organization(kind="vendor"))
        public = [
            "/",
            "/offerings/",
            "/needs/",
            "/cases/",
            "/accounts/login/",
            "/accounts/signup/",
            "/api/docs/",
        ]
        pages = {path: client.get(path) for path in public}
        client.force_login(organization.memberships.get().user)
        for path in ("/needs/new/", "/accounts/profile/", "/my/needs/"):
            pages[path] = client.get(path)
        client.force_login(factories.make_user(is_staff=True, is_superuser=True))
        for path in ("/admin/", "/admin/listings/need/", "/admin/listings/need/add/"):
            pages[path] = client.get(path)
        for path, response in pages.items():
            assert response.status_code == 200, path
            assert "unsafe-inline" not in response["Content-Security-Policy"], path
            assert _inline_code(response.content.decode()) == [], path

    def test_swagger_ui_loads_its_initialisation_script_from_a_url(self, client):
        """/api/docs/ (split view) references its init script instead of inlining it, and
        that script is served as JavaScript."""
        html = client.get("/api/docs/").content.decode()
        sources = re.findall(r'<script src="([^"]+)"', html)
        init = [src for src in sources if "script=" in src]
        assert init, sources
        script = client.get(init[0].replace("&amp;", "&"))
        assert script.status_code == 200
        assert "javascript" in script["Content-Type"]
        assert "SwaggerUIBundle" in script.content.decode()


class TemplateSourceTests:
    def test_no_project_template_has_inline_script_style_or_event_handlers(self):
        """Templates keep JavaScript in static/js and CSS in static/css (CSP-safe)."""
        offenders = []
        for template in sorted((BASE_DIR / "templates").rglob("*.html")):
            source = template.read_text(encoding="utf-8")
            source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", source, flags=re.S)
            for match in _inline_code(source):
                offenders.append(f"{template.relative_to(BASE_DIR)}: {match}")
        assert offenders == []
