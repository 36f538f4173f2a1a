"""Small typographic rules that differ by language."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

# Django's form label suffix is gettext(":"); the project's Chinese catalogue translates it as
# the full-width '：', so every form label reads 「名称：」 in Chinese and "Name:" in English.
LABEL_SUFFIX = gettext_noop(":")


def label_colon() -> str:
    """The colon between a label and its value: '：' in Chinese, ': ' in English."""
    colon = gettext(LABEL_SUFFIX)
    return ": " if colon == ":" else colon


def _upload_help(message: str, max_bytes: int) -> str:
    return gettext(message) % {"size": filesizeformat(max_bytes)}


# A help text with a size in it, translated when shown rather than when the form class is made
# (a `gettext_lazy(...) % {...}` in a class body is fixed in the language active at import).
upload_help = lazy(_upload_help, str)
