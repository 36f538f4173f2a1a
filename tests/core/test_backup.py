"""Backups: a copy taken while the site runs restores the data as it was at backup time —
on a SQLite file in WAL mode, and on PostgreSQL when the suite runs against it."""

from __future__ import annotations

import sqlite3
import tarfile

import pytest
from django.core.management import call_command
from django.db import connection

from matchmaking.core import backup
from tests.core.test_settings import _run


def _sqlite_script(db_path, code: str, **env):
    """Run `code` in a fresh Django process on the SQLite file `db_path`."""
    prelude = "import django; django.setup(); from django.core.management import call_command; "
    result = _run(
        ["-c", prelude + code],
        DJANGO_SETTINGS_MODULE="matchmaking.settings",
        DJANGO_SQLITE_PATH=str(db_path),
        **env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class SqliteBackupTests:
    def test_backup_then_change_then_restore_gives_the_data_at_backup_time(self, tmp_path):
        """A WAL-mode SQLite site: write, back up (with a reader connection open), change,
        restore — the rows are those at backup time and the file is intact."""
        db = tmp_path / "site.sqlite3"
        out = tmp_path / "backups" / "db.sqlite3"
        _sqlite_script(db, "call_command('migrate', verbosity=0)")
        _sqlite_script(
            db,
            "from matchmaking.accounts.models import User; "
            "User.objects.create_user(email='kept@example.com', password='x')",
        )
        reader = sqlite3.connect(db)  # another process holding the database open
        reader.execute("SELECT count(*) FROM accounts_user").fetchone()
        _sqlite_script(db, f"call_command('backup_database', {str(out)!r})")
        _sqlite_script(
            db,
            "from matchmaking.accounts.models import User; "
            "User.objects.filter(email='kept@example.com').update(full_name='changed'); "
            "User.objects.create_user(email='later@example.com', password='x')",
        )
        reader.close()
        _sqlite_script(db, f"call_command('restore_database', {str(out)!r}, no_input=True)")
        emails = _sqlite_script(
            db,
            "from matchmaking.accounts.models import User; "
            "print(sorted(User.objects.values_list('email', 'full_name')))",
        )
        assert emails.strip().splitlines()[-1] == "[('kept@example.com', '')]"
        check = sqlite3.connect(db)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
        copy = sqlite3.connect(out)
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        copy.close()

    def test_restoring_a_file_that_is_not_a_database_changes_nothing(self, tmp_path):
        db = tmp_path / "site.sqlite3"
        _sqlite_script(db, "call_command('migrate', verbosity=0)")
        junk = tmp_path / "junk.sqlite3"
        junk.write_bytes(b"not a database" * 100)
        result = _run(
            ["manage.py", "restore_database", str(junk), "--no-input"],
            DJANGO_SQLITE_PATH=str(db),
        )
        assert result.returncode != 0
        count = sqlite3.connect(db).execute("SELECT count(*) FROM django_migrations").fetchone()
        assert count[0] > 0


class MediaBackupTests:
    def test_media_archive_round_trip(self, settings, tmp_path):
        """--media writes MEDIA_ROOT as .tar.gz; restoring brings deleted files back."""
        media = tmp_path / "media"
        settings.MEDIA_ROOT = media
        (media / "screenshots").mkdir(parents=True)
        (media / "screenshots" / "a.png").write_bytes(b"png")
        archive = backup.backup_media(tmp_path / "media.tar.gz")
        with tarfile.open(archive) as opened:
            assert "media/screenshots/a.png" in opened.getnames()
        (media / "screenshots" / "a.png").unlink()
        backup.restore_media(archive)
        assert (media / "screenshots" / "a.png").read_bytes() == b"png"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
class PostgresBackupTests:
    def test_pg_dump_and_pg_restore_round_trip(self, tmp_path):
        """On PostgreSQL: back up, change, restore → the data as at backup time."""
        from matchmaking.accounts.models import User

        User.objects.create_user(email="kept@example.com", password="x")
        out = tmp_path / "db.dump"
        call_command("backup_database", str(out))
        assert out.read_bytes()[:5] == b"PGDMP"
        User.objects.filter(email="kept@example.com").update(full_name="changed")
        User.objects.create_user(email="later@example.com", password="x")
        call_command("restore_database", str(out), no_input=True)
        connection.close()
        assert sorted(User.objects.values_list("email", "full_name")) == [("kept@example.com", "")]
