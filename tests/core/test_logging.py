"""Structured logs: DJANGO_LOG_FORMAT=json writes one JSON object per line; each request is
logged once with its id, path, status and duration; the id is echoed in X-Request-ID."""

from __future__ import annotations

import json
import logging

import pytest

from matchmaking.core.logging import (
    JsonFormatter,
    RequestIdFilter,
    reset_request_id,
    set_request_id,
)
from tests.core.test_settings import _settings


def _record(message="hello %s", args=("world",), **extra):
    record = logging.LogRecord(
        "matchmaking.test", logging.WARNING, __file__, 1, message, args, None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


class JsonFormatterTests:
    def test_a_record_becomes_one_json_line_with_time_level_logger_and_message(self):
        """The basic fields, message arguments applied, no newline inside."""
        line = JsonFormatter().format(_record())
        assert "\n" not in line
        entry = json.loads(line)
        assert entry["level"] == "WARNING"
        assert entry["logger"] == "matchmaking.test"
        assert entry["message"] == "hello world"
        assert entry["time"].endswith("+00:00")

    def test_extra_fields_and_exceptions_are_included(self):
        """Values passed with extra= appear as keys; an exception as formatted text."""
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record = _record(status=404, path="/x/", request_id="abc12345")
            record.exc_info = sys.exc_info()
        entry = json.loads(JsonFormatter().format(record))
        assert (entry["status"], entry["path"], entry["request_id"]) == (404, "/x/", "abc12345")
        assert "ValueError: boom" in entry["exception"]

    def test_chinese_text_stays_readable(self):
        entry_line = JsonFormatter().format(_record("需求 %s", ("已发布",)))
        assert "需求 已发布" in entry_line

    def test_the_filter_adds_the_current_request_id(self):
        """Lines logged during a request carry its id; outside a request, "-"."""
        record = _record()
        RequestIdFilter().filter(record)
        assert record.request_id == "-"
        token = set_request_id("req-0001-abcd")
        try:
            record = _record()
            RequestIdFilter().filter(record)
        finally:
            reset_request_id(token)
        assert record.request_id == "req-0001-abcd"


@pytest.mark.django_db
class RequestLogTests:
    def test_each_request_is_logged_once_with_id_path_status_and_duration(self, client, caplog):
        caplog.set_level(logging.INFO, logger="matchmaking.request")
        response = client.get("/offerings/?q=x")
        request_id = response["X-Request-ID"]
        records = [r for r in caplog.records if r.name == "matchmaking.request"]
        assert len(records) == 1
        record = records[0]
        assert (record.method, record.path, record.status) == ("GET", "/offerings/", 200)
        assert record.request_id == request_id
        assert record.duration_ms >= 0
        entry = json.loads(JsonFormatter().format(record))
        for key in ("time", "level", "logger", "message", "request_id", "path", "status"):
            assert key in entry
        assert "duration_ms" in entry

    def test_a_proxy_request_id_is_kept_and_a_malformed_one_replaced(self, client):
        """nginx's $request_id is reused; a header that could forge log lines is not."""
        kept = client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef0123")
        assert kept["X-Request-ID"] == "0123456789abcdef0123"
        replaced = client.get("/healthz", HTTP_X_REQUEST_ID='bad"\n{"level":"x"}')
        assert replaced["X-Request-ID"] != 'bad"\n{"level":"x"}'
        assert len(replaced["X-Request-ID"]) == 32

    def test_client_errors_are_warnings_and_carry_the_user(self, client, caplog):
        from tests import factories

        user = factories.make_user()
        client.force_login(user)
        caplog.set_level(logging.INFO, logger="matchmaking.request")
        client.get("/needs/999999/")
        (record,) = [r for r in caplog.records if r.name == "matchmaking.request"]
        assert (record.levelname, record.status, record.user_id) == ("WARNING", 404, user.pk)


class LogFormatSettingTests:
    def test_json_is_selected_by_the_environment_and_plain_is_the_default(self):
        plain = _settings("s.LOGGING['handlers']['console']['formatter']")
        json_format = _settings(
            "s.LOGGING['handlers']['console']['formatter']", DJANGO_LOG_FORMAT="json"
        )
        assert (plain, json_format) == ("plain", "json")

    def test_an_unknown_format_is_refused(self):
        from tests.core.test_settings import _run

        result = _run(["-c", "import matchmaking.settings"], DJANGO_LOG_FORMAT="xml")
        assert result.returncode != 0
        assert "DJANGO_LOG_FORMAT must be 'plain' or 'json'" in result.stderr

    def test_a_json_process_writes_json_lines(self):
        """A real process with DJANGO_LOG_FORMAT=json prints parseable lines on stderr."""
        from tests.core.test_settings import _run

        code = (
            "import django, logging; django.setup(); "
            "logging.getLogger('matchmaking.x').warning('ready %s', 1)"
        )
        result = _run(
            ["-c", code], DJANGO_SETTINGS_MODULE="matchmaking.settings", DJANGO_LOG_FORMAT="json"
        )
        assert result.returncode == 0, result.stderr
        entry = json.loads(result.stderr.strip().splitlines()[-1])
        assert (entry["logger"], entry["message"]) == ("matchmaking.x", "ready 1")
