"""Calibrated scores: the fitted mapping, its file, the command, and what the lists show."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from matchmaking.matching import calibration, learning, services
from matchmaking.matching.models import Suggestion
from tests import factories


@pytest.fixture
def calibration_file(settings, tmp_path) -> Path:
    path = tmp_path / "calibration.json"
    settings.MATCHING_CALIBRATION_FILE = str(path)
    return path


def synthetic(n: int = 2000, seed: int = 7):
    """Raw scores whose chance of a good fit rises steeply between 40 and 70."""
    rng = random.Random(seed)
    scores, outcomes = [], []
    for _ in range(n):
        raw = rng.uniform(0, 100)
        p = min(1.0, max(0.0, (raw - 40) / 30))
        scores.append(raw)
        outcomes.append(1 if rng.random() < p else 0)
    return scores, outcomes


class FitTests:
    @pytest.mark.parametrize("method", ["isotonic", "platt"])
    def test_the_mapping_is_monotone_and_within_0_100(self, method):
        fitted = calibration.fit(*synthetic(), method=method)
        values = [fitted(x) for x in range(0, 101)]
        assert values == sorted(values)
        assert values[0] >= 0 and values[-1] <= 100

    def test_calibrated_scores_match_the_observed_share_of_good_fits(self):
        scores, outcomes = synthetic()
        fitted = calibration.fit(scores, outcomes)
        before = calibration.expected_calibration_error(scores, outcomes)
        after = calibration.expected_calibration_error([fitted(s) for s in scores], outcomes)
        assert after < before / 3
        assert fitted(20) < 10 and fitted(90) > 90

    def test_fitting_needs_both_good_and_poor_pairs(self):
        with pytest.raises(ValueError):
            calibration.fit([10, 20, 30], [0, 0, 0])


class StorageTests:
    def test_a_stored_mapping_is_loaded_back_and_used(self, calibration_file):
        fitted = calibration.fit(*synthetic())
        calibration.save(fitted)
        data = json.loads(calibration_file.read_text(encoding="utf-8"))
        assert data["format"] == calibration.FORMAT
        assert calibration.current().x == pytest.approx(fitted.x, abs=1e-3)
        assert calibration.calibrate(55) == pytest.approx(fitted(55), abs=0.2)

    def test_without_a_file_the_raw_score_is_kept(self, settings, tmp_path):
        settings.MATCHING_CALIBRATION_FILE = str(tmp_path / "missing.json")
        assert calibration.calibrate(63.4) == 63.4

    def test_a_non_monotone_file_is_refused(self):
        with pytest.raises(ValueError):
            calibration.Calibration.from_json(
                {"format": calibration.FORMAT, "x": [0, 50, 100], "y": [0, 60, 40]}
            )

    def test_the_shipped_file_is_valid_and_monotone(self):
        fitted = calibration.Calibration.from_json(
            json.loads(calibration.CALIBRATION_FILE.read_text(encoding="utf-8"))
        )
        values = [fitted(x) for x in range(0, 101, 5)]
        assert values == sorted(values) and values[0] < calibration.POSSIBLE_MATCH


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_engine")
class StoredScoreTests:
    def test_stored_suggestions_carry_the_calibrated_score_and_keep_the_raw_one(
        self, calibration_file, django_capture_on_commit_callbacks
    ):
        # A mapping that halves every score (monotone): easy to recognise.
        calibration.save(calibration.Calibration((0.0, 100.0), (0.0, 50.0)))
        factories.make_offering()
        with django_capture_on_commit_callbacks(execute=True):
            need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        stored = Suggestion.objects.for_need(need).first()
        assert stored is not None
        assert stored.score == pytest.approx(stored.components["raw"] / 2, abs=0.1)


class BandTests:
    def test_thresholds(self):
        assert calibration.band(70) == "strong"
        assert calibration.band(69.9) == "possible"
        assert calibration.band(50) == "possible"
        assert calibration.band(49.9) == "weak"

    def test_the_score_badge_names_the_band(self):
        template = Template("{% load matching_rows %}{% score_badge s %}")
        with translation.override("zh-hans"):
            assert "强匹配" in template.render(Context({"s": 82}))
        with translation.override("en"):
            assert "Strong match" in template.render(Context({"s": 82}))
            assert "match-score-high" in template.render(Context({"s": 82}))
            assert "Possibly relevant" in template.render(Context({"s": 55}))
            assert "Weak match" in template.render(Context({"s": 12}))


@pytest.mark.django_db
class CommandTests:
    def test_calibrate_matching_prints_the_mapping_and_reliability_and_stores_the_file(
        self, tmp_path, capsys
    ):
        """Runs on the shared labelled files (../shared/data): fails, never skips, without them."""
        assert learning.shared_data_dir().joinpath("matching-dev.json").is_file()
        output = tmp_path / "fitted.json"
        call_command("calibrate_matching", "--output", str(output))
        out = capsys.readouterr().out
        assert "matching-dev.json" in out and "matching-dev-paraphrased.json" in out
        assert "reliability before" in out and "reliability after" in out
        assert "mapping (isotonic" in out
        data = json.loads(output.read_text(encoding="utf-8"))
        assert data["ece_after"] < data["ece_before"]
        fitted = calibration.Calibration.from_json(data)
        assert [fitted(x) for x in range(0, 101)] == sorted(fitted(x) for x in range(0, 101))

    def test_the_command_is_deterministic(self, tmp_path):
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        call_command("calibrate_matching", "--output", str(first), "--method", "platt")
        call_command("calibrate_matching", "--output", str(second), "--method", "platt")
        a = json.loads(first.read_text(encoding="utf-8"))
        b = json.loads(second.read_text(encoding="utf-8"))
        assert (a["x"], a["y"]) == (b["x"], b["y"])
