"""The API's JSON parser: DRF's, with the body size and nesting depth bounded.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE or nested deeper than JSON_MAX_DEPTH is a 400 in the
API's error shape (a ParseError), never a RecursionError (500) or Django's HTML 400."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

from matchmaking.core import jsonsafe


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(
                _("The request body is too large (at most %(size)d bytes).") % {"size": limit},
                code="request_too_large",
            )
        try:
            text = raw.decode(encoding)
            parse_constant = drf_json.strict_constant if api_settings.STRICT_JSON else None
            return jsonsafe.loads(text, parse_constant=parse_constant)
        except jsonsafe.JSONTooDeep as exc:
            raise ParseError(
                _("The JSON body is nested too deeply (at most %(limit)d levels).")
                % {"limit": exc.limit},
                code="too_deep",
            ) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
