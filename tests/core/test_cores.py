"""core.cores.usable_cores: the one count of cores every process-sizing default reads."""

from __future__ import annotations

import os

from matchmaking.core import cores
from matchmaking.events import scheduling
from matchmaking.matching import services
from matchmaking.matching.engine import pools


def test_the_affinity_mask_counts_not_the_machine(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert cores.usable_cores() == 3


def test_the_machine_counts_where_there_is_no_affinity_mask(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert cores.usable_cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # undeterminable
    assert cores.usable_cores() == 1


def test_every_process_sizing_default_reads_it(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert pools.cores_each(2) == 2
    assert services.rebuild_workers() == 2
    assert scheduling._solver(1.0).parameters.num_workers == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {7})
    assert pools.cores_each(2) == 1
    assert services.rebuild_workers() == 1
    assert scheduling._solver(1.0).parameters.num_workers == 1
