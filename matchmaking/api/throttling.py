"""Per-user and per-anonymous-client throttles; rates read from settings on each request
(API_THROTTLE_RATES), counted in the default cache.

Anonymous clients are told apart by core.security.client_ip (settings.NUM_PROXIES): a
client cannot reset its count by sending a different X-Forwarded-For."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from matchmaking.core.security import client_ip


class _SettingsRate:
    def get_ident(self, request):
        return client_ip(request)

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    scope = "anon"


class UserThrottle(_SettingsRate, UserRateThrottle):
    scope = "user"
