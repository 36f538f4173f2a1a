"""deploy/gunicorn.conf.py: the worker count follows the cores the server may use."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def _workers(monkeypatch, cores: int, env: str | None = None) -> int:
    # The file sets MATCHING_WEB_WORKER=1 when unset: set through monkeypatch, it is removed
    # again after the test (else every later subprocess of the suite would be a web worker).
    monkeypatch.setenv("MATCHING_WEB_WORKER", "1")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the machine's count must not be used
    if env is None:
        monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_WORKERS", env)
    return runpy.run_path(str(CONF))["workers"]


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 2), (4, 4), (6, 6), (16, 8)])
def test_one_worker_per_usable_core_between_two_and_eight(monkeypatch, cores, workers):
    assert _workers(monkeypatch, cores) == workers


def test_the_environment_decides_when_set(monkeypatch):
    assert _workers(monkeypatch, 2, env="5") == 5
