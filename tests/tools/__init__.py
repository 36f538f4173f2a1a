import os
from pathlib import Path


def world_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a tool run as a subprocess on a throwaway SQLite world in
    ``tmp_path`` (never the developer's DATABASE_URL or Redis)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "matchmaking.settings",
        "DJANGO_SQLITE_PATH": str(tmp_path / "world.sqlite3"),
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "immediate",
        **extra,
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    (tmp_path / "var").mkdir(exist_ok=True)
    return env
