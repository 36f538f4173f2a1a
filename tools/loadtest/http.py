"""A minimal keep-alive HTTP session: cookies, CSRF token, form posts, timing."""

from __future__ import annotations

import http.client
import re
import time
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Response:
    __slots__ = ("status", "body", "headers", "elapsed")

    def __init__(self, status: int, body: bytes, headers: dict, elapsed: float):
        self.status, self.body, self.headers, self.elapsed = status, body, headers, elapsed

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Session:
    """One keep-alive connection to one loopback server, with its own cookie jar."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, language: str = "zh-hans"):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"Refusing to load a non-loopback host: {parts.hostname}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {"django_language": language}
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, path: str, body: dict | None = None, *, referer=None):
        headers = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if body is not None:
            payload = urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = referer or f"http://{self.host}:{self.port}{path}"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        for attempt in (1, 2):  # a server may close an idle keep-alive connection
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            started = time.perf_counter()
            try:
                self._connection.request(method, path, body=payload, headers=headers)
                raw = self._connection.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            response_headers = raw.getheaders()
            for name, value in response_headers:
                if name.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, val = cookie.partition("=")
                    self.cookies[key.strip()] = val.strip().strip('"')
            if raw.getheader("Connection", "").lower() == "close":
                self.close()
            return Response(raw.status, data, dict(response_headers), elapsed)
        raise RuntimeError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, form_path: str, fields: dict) -> tuple[Response, Response]:
        """GET ``form_path`` for its CSRF token, then POST ``fields`` to ``path``."""
        page = self.get(form_path)
        match = CSRF_INPUT.search(page.text)
        data = dict(fields)
        if match:
            data["csrfmiddlewaretoken"] = match.group(1)
        return page, self.request("POST", path, data, referer=self._absolute(form_path))

    def _absolute(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def sign_in(self, email: str, password: str) -> bool:
        _, response = self.post_form(
            "/accounts/login/", "/accounts/login/", {"username": email, "password": password}
        )
        return response.status == 302
