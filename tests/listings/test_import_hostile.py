"""Hostile or unusual llm-match/v1 files: each problem is a listed error, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from matchmaking.accounts.models import Organization
from matchmaking.listings.io.importer import import_data
from matchmaking.listings.models import Need, Offering

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "llm-match-example.json"
ADMIN_URL = "/admin/listings/import/"

pytestmark = pytest.mark.django_db


def example() -> dict:
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def deeply_nested(depth: int = 100_000) -> bytes:
    return b'{"format": "llm-match/v1", "offerings": [' + b"[" * depth + b"]" * depth + b"]}"


def nothing_imported() -> bool:
    return not (Organization.objects.exists() or Offering.objects.exists() or Need.objects.exists())


class DeepNestingTests:
    def test_the_command_lists_the_error_instead_of_a_traceback(self, tmp_path):
        path = tmp_path / "deep.json"
        path.write_bytes(deeply_nested())
        with pytest.raises(CommandError) as raised:
            call_command("import_listings", str(path))
        assert "file: invalid JSON: nested too deeply (more than 32 levels)" in str(raised.value)
        assert nothing_imported()

    def test_moderate_nesting_past_the_limit_is_refused_too(self):
        report = import_data(deeply_nested(40))
        assert report.errors == ["file: invalid JSON: nested too deeply (more than 32 levels)"]

    def test_the_admin_page_lists_the_error(self, client, admin_user):
        client.force_login(admin_user)
        upload = SimpleUploadedFile("deep.json", deeply_nested())
        response = client.post(ADMIN_URL, {"file": upload})
        assert response.status_code == 200
        assert response.context["report"].errors == [
            "file: invalid JSON: nested too deeply (more than 32 levels)"
        ]
        assert "nested too deeply" in response.content.decode()
        assert nothing_imported()


class SizeTests:
    def test_a_file_over_the_limit_is_a_listed_error(self, settings, tmp_path):
        settings.LISTINGS_IMPORT_MAX_BYTES = 1000
        path = tmp_path / "big.json"
        data = example()
        data["organizations"][0]["description"] = "长" * 2000
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(CommandError) as raised:
            call_command("import_listings", str(path))
        assert "file: too large (at most 1000 bytes)" in str(raised.value)
        with path.open("rb") as handle:
            assert import_data(handle).errors == ["file: too large (at most 1000 bytes)"]
        assert nothing_imported()

    def test_the_admin_form_refuses_it_next_to_the_field(self, settings, client, admin_user):
        settings.LISTINGS_IMPORT_MAX_BYTES = 1024 * 1024
        client.force_login(admin_user)
        upload = SimpleUploadedFile("big.json", b" " * (1024 * 1024 + 1))
        response = client.post(ADMIN_URL, {"file": upload})
        assert response.context["form"].errors["file"]
        assert nothing_imported()


class NulCharacterTests:
    """PostgreSQL raised DataError (a traceback) and SQLite stored the NUL silently."""

    def test_a_nul_in_a_name_is_a_listed_error_and_nothing_changes(self):
        data = example()
        data["organizations"][1]["name"] = "示例\x00银行"
        data["offerings"][0]["regions"] = ["北京", "上\x00海"]
        report = import_data(data)
        assert report.errors == [
            "organizations[1].name: must not contain a NUL character (\\u0000)",
            "offerings[0].regions[1]: must not contain a NUL character (\\u0000)",
        ]
        assert nothing_imported()

    def test_the_command_and_a_nul_in_a_ref(self, tmp_path):
        data = example()
        data["needs"][0]["ref"] = "n\x00-1"
        path = tmp_path / "nul.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(CommandError) as raised:
            call_command("import_listings", str(path))
        assert "needs[0].ref: must not contain a NUL character (\\u0000)" in str(raised.value)
        assert nothing_imported()

    def test_a_nul_in_a_key_is_refused(self):
        data = example()
        data["needs"][0]["ti\x00tle"] = "x"
        report = import_data(data)
        assert report.errors == ["needs[0].ti\\u0000tle: NUL character in a key"]


class NeedStatusTests:
    def test_a_hidden_need_imports_hidden_as_documented(self):
        data = example()
        data["needs"][0]["status"] = "hidden"
        report = import_data(data)
        assert report.ok, report.errors
        need = Need.objects.get(ref=data["needs"][0]["ref"])
        assert need.status == "hidden"
        assert need.published_at is None

    def test_the_documented_statuses_are_exactly_the_accepted_ones(self):
        from matchmaking.listings.choices import NeedStatus

        doc = (Path(__file__).resolve().parents[2] / "docs" / "llm-match-v1.md").read_text()
        row = next(
            line for line in doc.splitlines() if line.startswith("| `status`") and "`open`" in line
        )
        for status in NeedStatus.values:
            assert f"`{status}`" in row
        data = example()
        data["needs"][0]["status"] = "secret"
        assert import_data(data).errors[0].startswith('needs[0].status: unknown value "secret"')


class ByteOrderMarkTests:
    """Files saved by Windows editors and Excel start with a UTF-8 byte-order mark."""

    def test_a_file_with_a_bom_imports_like_one_without(self, tmp_path):
        path = tmp_path / "bom.json"
        path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_FILE.read_bytes())
        call_command("import_listings", str(path))
        assert Offering.objects.count() == 2
        organization = Organization.objects.get(ref="ex-v-acme")
        assert organization.name == "示例智能科技"  # no stray U+FEFF in the first value

    def test_bytes_and_text_with_a_bom(self):
        text = EXAMPLE_FILE.read_text(encoding="utf-8")
        assert import_data(("\ufeff" + text).encode("utf-8"), dry_run=True).ok
        assert import_data("\ufeff" + text, dry_run=True).ok

    def test_the_admin_page_imports_a_bom_file(self, client, admin_user):
        client.force_login(admin_user)
        upload = SimpleUploadedFile("bom.json", b"\xef\xbb\xbf" + EXAMPLE_FILE.read_bytes())
        response = client.post(ADMIN_URL, {"file": upload})
        assert response.context["report"].ok
        assert Offering.objects.filter(ref="ex-o-1").exists()
