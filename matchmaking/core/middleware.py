"""Request logging: one log line per request with its id, path, status and duration."""

from __future__ import annotations

import logging
import re
import time
import uuid

from matchmaking.core.logging import reset_request_id, set_request_id
from matchmaking.core.security import client_ip

logger = logging.getLogger("matchmaking.request")

# An id handed in by the proxy (nginx: proxy_set_header X-Request-ID $request_id) is kept when
# it looks like one; anything else is replaced, so log lines cannot be forged through it.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """Gives each request an id (X-Request-ID in and out), makes it available to every log
    line written while the request runs, and logs the finished request at INFO (WARNING for
    4xx, ERROR for 5xx). Health checks are logged at DEBUG so monitors don't flood the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            # Django turns view exceptions into responses; this is only reached on failures
            # in middleware above the exception handler.
            self._log(request, 500, started)
            raise
        else:
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            reset_request_id(token)

    def _log(self, request, status: int, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        if status >= 500:
            level = logging.ERROR
        elif status >= 400:
            level = logging.WARNING
        elif request.path == "/healthz":
            level = logging.DEBUG
        else:
            level = logging.INFO
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
                "client_ip": client_ip(request),
            },
        )
