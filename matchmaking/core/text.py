"""Small typographic rules that differ by language."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext


def label_colon() -> str:
    """The colon between a label and its value: full-width '：' in Chinese, ': ' in English.
    (Form labels get theirs from Django's label suffix, `gettext(":")`, which the project's
    Chinese catalogue translates as '：'.)"""
    return "：" if (get_language() or "").lower().startswith("zh") else ": "


def _upload_help(message: str, max_bytes: int) -> str:
    return gettext(message) % {"size": filesizeformat(max_bytes)}


# A help text with a size in it, translated when shown rather than when the form class is made
# (a `gettext_lazy(...) % {...}` in a class body is fixed in the language active at import).
upload_help = lazy(_upload_help, str)
