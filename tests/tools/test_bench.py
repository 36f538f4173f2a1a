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


def test_gaming_probe_sizes_the_need_echo_and_counts_what_buyers_are_shown(capsys, tmp_path):
    """--echo-words adds one echo per size; each strategy reports its top-5 share and the
    share shown by default (top 5 with a calibrated score ≥ 50), never more than the first."""
    import json

    path = settings.BASE_DIR / "fixtures" / "matching-heldout-paraphrased.json"
    out = tmp_path / "gaming.json"
    run(["gaming", str(path), "--echo-words", "12,40", "--json", str(out)])
    text = capsys.readouterr().out
    assert re.search(r"^2_need_echo_12\s+[\d.]+\s+[\d.]+", text, re.M)
    assert re.search(r"^2_need_echo\s+[\d.]+\s+[\d.]+", text, re.M)  # the 40-word echo
    assert not re.search(r"^2_need_echo_40\b", text, re.M)
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    for strategy in result["strategies"].values():
        assert 0.0 <= strategy["shown5"] <= strategy["top5"] <= 1.0
