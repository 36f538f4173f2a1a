"""The load test's PostgreSQL sampler (tools/loadtest/pg_activity.py): what it records and
how it sums up a run."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from tools.loadtest.pg_activity import sample, summarize


def test_the_summary_counts_seconds_per_background_job_and_shows_the_busiest_samples(tmp_path):
    out = tmp_path / "pg.jsonl"
    rows = [
        {"t": 100.0, "active": 2, "waits": {}, "jobs": []},
        {
            "t": 101.0,
            "active": 9,
            "waits": {"Lock:relation": 4},
            "jobs": ["autovacuum: VACUUM public.listings_offering"],
        },
        {
            "t": 102.0,
            "active": 6,
            "waits": {"IO:DataFileRead": 2},
            "jobs": ["autovacuum: VACUUM public.listings_offering"],
        },
    ]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    text = summarize(out)
    assert "3 samples over 2 s" in text
    assert "   2 samples  autovacuum: VACUUM public.listings_offering" in text
    busiest = [line for line in text.splitlines() if "waits" in line]
    assert "9 active" in busiest[0] and "Lock:relation" in busiest[0]
    assert len(busiest) == 2  # the sample without waits is not listed


def test_a_run_without_background_jobs_says_so(tmp_path):
    out = tmp_path / "pg.jsonl"
    out.write_text(json.dumps({"t": 1.0, "active": 1, "waits": {}, "jobs": []}) + "\n")
    assert "no autovacuum, vacuum or analyze at work" in summarize(out)


@pytest.mark.django_db
def test_a_sample_reads_pg_stat_activity():
    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_activity: PostgreSQL only (runs in the suite's PostgreSQL pass)")
    with connection.cursor() as cursor:
        row = sample(cursor)
    assert set(row) == {"t", "active", "waits", "jobs"}
    assert row["active"] >= 0 and isinstance(row["jobs"], list)
