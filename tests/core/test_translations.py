"""Every user-facing string is translated into Simplified Chinese, and the committed
compiled catalogue matches its source."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_PATH = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")


def _catalogue(entries) -> dict:
    result = {}
    for entry in entries:
        if entry.msgid_plural:
            result[(entry.msgctxt, entry.msgid)] = tuple(sorted(entry.msgstr_plural.items()))
        else:
            result[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return result


class TranslationCatalogueTests:
    def test_every_message_has_a_chinese_translation(self):
        po = polib.pofile(str(PO_PATH))
        untranslated = [
            entry.msgid for entry in po if not entry.obsolete and not entry.translated()
        ]
        fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]
        assert untranslated == []
        assert fuzzy == []

    def test_compiled_catalogue_matches_the_source(self):
        """The .mo that ships is compiled from the current .po (no stale translations)."""
        po = polib.pofile(str(PO_PATH))
        mo = polib.mofile(str(MO_PATH))
        expected = {key: value for key, value in _catalogue(po).items() if value}
        compiled = {key: value for key, value in _catalogue(mo).items() if key[1]}
        assert compiled == expected

    @pytest.mark.skipif(
        shutil.which("xgettext") is None and not os.environ.get("CI"),
        reason="gettext not installed",
    )
    def test_no_string_in_the_code_is_missing_from_the_catalogue(self, tmp_path, settings):
        """Running makemessages finds no msgid that the committed catalogue lacks."""
        # makemessages writes a file's strings to the locale folder beside its source tree,
        # so run it on a scratch copy of the tree: the committed catalogue stays untouched.
        base = Path(settings.BASE_DIR)
        for folder in ("matchmaking", "templates", "locale"):
            shutil.copytree(
                base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
            )
        scratch = tmp_path / "locale"
        settings.LOCALE_PATHS = [scratch]
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
        finally:
            os.chdir(cwd)
        regenerated = polib.pofile(str(scratch / "zh_Hans" / "LC_MESSAGES" / "django.po"))
        new = sorted(entry.msgid for entry in regenerated if not entry.translated())
        assert new == [], "Run makemessages and translate these strings"
