"""Database and media backups (see deploy/README.md, "Backups").

SQLite: the sqlite3 online backup API copies a consistent snapshot while the site keeps
running (WAL readers and writers are not stopped); restore copies a snapshot back into the
configured file with the same API after closing Django's connections.
PostgreSQL: `pg_dump -Fc` / `pg_restore --clean --if-exists` with the credentials of
DATABASE_URL (the password goes through PGPASSWORD, never the command line).
Media: a gzipped tar of MEDIA_ROOT next to the database dump.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

POSTGRES_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


class BackupError(RuntimeError):
    pass


def _database(alias: str = "default") -> dict:
    return settings.DATABASES[alias]


def database_vendor(alias: str = "default") -> str:
    engine = _database(alias)["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise ImproperlyConfigured(f"No backup procedure for the database engine {engine}.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in POSTGRES_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    raise BackupError(f"{name} not found on PATH or in {', '.join(POSTGRES_BIN_DIRS)}.")


def _pg_environment(database: dict) -> tuple[list[str], dict[str, str]]:
    args = []
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup_database(path: Path, *, alias: str = "default") -> Path:
    """Write a consistent copy of the database to `path` (SQLite file or pg_dump archive)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    database = _database(alias)
    if database_vendor(alias) == "sqlite":
        partial = path.with_name(path.name + ".partial")
        source = sqlite3.connect(str(database["NAME"]), timeout=30)
        try:
            target = sqlite3.connect(str(partial))
            try:
                with target:
                    source.backup(target)
                # A self-contained file: no -wal/-shm companion needed to read it.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        partial.replace(path)
        return path
    args, env = _pg_environment(database)
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            *args,
            "--file",
            str(path),
            str(database["NAME"]),
        ],
        env,
    )
    return path


def restore_database(path: Path, *, alias: str = "default") -> None:
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    database = _database(alias)
    connections[alias].close()
    if database_vendor(alias) == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not an intact SQLite database.")
            target = sqlite3.connect(str(database["NAME"]), timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        return
    args, env = _pg_environment(database)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            "--dbname",
            str(database["NAME"]),
            str(path),
        ],
        env,
    )


def backup_media(path: Path) -> Path:
    """A .tar.gz of MEDIA_ROOT (uploaded logos, screenshots, case images)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(path, "w:gz") as archive:
        if root.exists():
            archive.add(root, arcname="media")
    return path


def restore_media(path: Path) -> None:
    """Unpack a media archive made by `backup_media` into MEDIA_ROOT (files are replaced)."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:gz") as archive:
        members = [
            m for m in archive.getmembers() if m.name == "media" or m.name.startswith("media/")
        ]
        for member in members:
            member.name = member.name[len("media/") :] if member.name != "media" else "."
        archive.extractall(root, members=members, filter="data")
