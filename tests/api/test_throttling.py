"""The anonymous API throttle counts per client address; a forged X-Forwarded-For does not
reset it (finding: a different header per request bypassed the limit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/api/v1/taxonomy/"
NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


@pytest.fixture
def three_per_minute(settings):
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "600/minute"}
    return settings


def _get(client, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.get(URL, **extra)


class AnonymousThrottleTests:
    def test_without_proxies_a_forged_header_is_ignored(self, three_per_minute):
        three_per_minute.NUM_PROXIES = 0
        client = Client()
        statuses = [_get(client, "198.51.100.7", f"10.0.0.{n}").status_code for n in range(6)]
        assert statuses == [200, 200, 200, 429, 429, 429]
        # Another client (another connection address) has its own count.
        assert _get(client, "198.51.100.8", "10.0.0.1").status_code == 200

    def test_behind_one_proxy_the_right_most_address_counts(self, three_per_minute):
        three_per_minute.NUM_PROXIES = 1
        client = Client()
        # Every request comes from nginx (127.0.0.1); a client prepends forged entries.
        statuses = [
            _get(client, "127.0.0.1", f"10.0.0.{n}, 203.0.113.5").status_code for n in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        # Another real client behind the same proxy is counted apart.
        assert _get(client, "127.0.0.1", "203.0.113.6").status_code == 200
        response = _get(client, "127.0.0.1", "203.0.113.5")
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "throttled"

    def test_the_setting_reaches_drf(self, settings):
        from matchmaking import settings as project_settings

        assert project_settings.REST_FRAMEWORK["NUM_PROXIES"] == project_settings.NUM_PROXIES
        assert project_settings.NUM_PROXIES == 0  # direct serving unless configured


class NginxConfigTests:
    def test_nginx_sets_the_forwarded_address_instead_of_appending(self):
        conf = NGINX_CONF.read_text(encoding="utf-8")
        lines = [line.split("#")[0].strip() for line in conf.splitlines()]
        forwarded = [line for line in lines if "X-Forwarded-For" in line]
        assert forwarded == ["proxy_set_header X-Forwarded-For $remote_addr;"]
        assert "$proxy_add_x_forwarded_for" not in "\n".join(lines)
