"""The speed benchmarks beside the site (`python -m tools.bench NAME`): they run and print."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.conf import settings

from tools.bench.__main__ import run


def test_matching_quick_small_run_prints_median_and_p95(capsys):
    run(["matching", "--quick", "--sizes", "200", "--queries", "5", "--needs", "20"])
    text = capsys.readouterr().out
    assert "median" in text and "p95" in text


def test_event_schedule_prints_the_agreed_last_line(capsys):
    run(
        [
            "event_schedule",
            "--participants",
            "40",
            "--requests",
            "120",
            "--slots",
            "6",
            "--tables",
            "8",
            "--time-limit",
            "2",
        ]
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(
        r"placed (\d+) of 120 requests \(bound (\d+)\) in [\d.]+ s, 0 conflicts", last
    )
    assert match, last
    assert int(match.group(1)) <= int(match.group(2))


def test_an_unknown_benchmark_lists_the_names(capsys):
    with pytest.raises(SystemExit) as exit_:
        run(["nonsense"])
    assert exit_.value.code == 2
    assert "listings, insights, matching, event_schedule" in capsys.readouterr().err


def test_it_runs_as_a_module_from_the_checkout():
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "insights", "--help"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--runs" in result.stdout and "tools.bench insights" in result.stdout


def test_gaming_probe_prints_each_strategy_for_a_file(capsys):
    path = settings.BASE_DIR / "fixtures" / "matching-heldout-paraphrased.json"
    run(["gaming", str(path)])
    text = capsys.readouterr().out
    assert "AGGREGATE" in text
    for name in ("0_control_bank_qa", "1_text_stuffing", "2_need_echo", "4_title_stuffing"):
        assert re.search(rf"^{name}\s+[\d.]+\s+[\d.]+", text, re.M), name
