"""Learning from the platform: training pairs from feedback, the pairwise ranker, its use."""

from __future__ import annotations

import json
import random

import pytest
from django.core.management import call_command

from matchmaking.connections.choices import ConnectionState
from matchmaking.connections.models import Connection
from matchmaking.matching import learning, services
from matchmaking.matching.runtime import holder
from tests import factories


def connect(need, offering, state):
    return Connection.objects.create(
        kind="request",
        need=need,
        offering=offering,
        initiator_org=need.organization,
        receiver_org=offering.organization,
        message="…",
        state=state,
        expires_at="2099-01-01T00:00:00Z",
    )


def feedback_world(n_needs: int = 30, seed: int = 3) -> list[learning.Pair]:
    """Needs whose buyers accept the offerings within budget and decline the others, while
    the engine's raw score follows the text only: text and budget are independent."""
    rng = random.Random(seed)
    pairs = []
    for i in range(n_needs):
        for j in range(8):
            text, budget = rng.random(), rng.choice([0.0, 1.0])
            pairs.append(
                learning.Pair(
                    group=f"feedback:{i}",
                    source="feedback",
                    offering=f"o{j}",
                    raw=100 * text,
                    components={"text": text, "budget": budget},
                    grade=3 if budget else 0,
                )
            )
    return pairs


class RankerTests:
    def test_the_trained_ranker_moves_the_order_towards_the_feedback(self):
        pairs = feedback_world()
        ranker = learning.train(pairs, features=("text", "budget"))
        assert dict(zip(ranker.features, ranker.weights, strict=True))["budget"] > 0
        before = learning.ranking_metrics(pairs, lambda p: p.raw)
        after = learning.ranking_metrics(pairs, lambda p: ranker.utility(p.components))
        assert after.ndcg5 > before.ndcg5 + 0.2
        # Held-out needs too (grouped folds), and the rule says "use it".
        results = learning.cross_validate(pairs)
        assert results and all(r.after.ndcg5 > r.before.ndcg5 for r in results)
        assert learning.measured_better(results)

    def test_a_ranker_that_does_not_help_is_not_used(self):
        pairs = feedback_world()
        for p in pairs:  # the engine already ranks by what buyers want
            p.raw = 100 * p.components["budget"] + p.components["text"]
        results = learning.cross_validate(pairs)
        assert not learning.measured_better(results)

    def test_scores_are_0_to_100_and_rise_with_the_utility(self):
        ranker = learning.train(feedback_world(), features=("text", "budget"))
        low = ranker.score({"text": 0.5, "budget": 0.0})
        high = ranker.score({"text": 0.5, "budget": 1.0})
        assert 0 <= low < high <= 100

    def test_a_stored_model_is_used_only_when_active(self, settings, tmp_path):
        settings.MATCHING_RANKER_FILE = str(tmp_path / "ranker.json")
        ranker = learning.train(feedback_world(), features=("text", "budget"))
        learning.save(ranker)
        assert learning.stored_ranker() is not None
        assert learning.active_ranker() is None
        assert learning.base_score(42.0, {"text": 0.1, "budget": 1.0}) == 42.0
        ranker.active = True
        learning.save(ranker)
        assert learning.active_ranker() is not None
        assert learning.base_score(42.0, {"text": 0.1, "budget": 1.0}) == pytest.approx(
            ranker.score({"text": 0.1, "budget": 1.0})
        )


@pytest.mark.django_db
class FeedbackTests:
    @pytest.fixture(autouse=True)
    def _fresh_engine(self, settings, tmp_path):
        settings.MATCHING_RANKER_FILE = str(tmp_path / "none.json")
        holder.reset()
        yield
        holder.reset()

    def test_outcomes_become_graded_pairs_with_the_engines_components(
        self, django_capture_on_commit_callbacks
    ):
        won, declined, dismissed = (factories.make_offering() for _ in range(3))
        with django_capture_on_commit_callbacks(execute=True):
            need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        owner = need.organization.memberships.get().user
        services.suggestion_dismiss(need=need, offering=dismissed, direction="need", user=owner)
        connect(need, won, ConnectionState.WON)
        connect(need, declined, ConnectionState.DECLINED)
        pairs = {int(p.offering): p for p in learning.feedback_pairs()}
        assert pairs[won.pk].grade == 3
        assert pairs[declined.pk].grade == 0
        assert pairs[dismissed.pk].grade == 0
        assert all(p.components.get("text") is not None for p in pairs.values())
        assert all(set(p.components) <= set(learning.COMPONENTS) for p in pairs.values())


@pytest.mark.django_db
class CommandTests:
    def test_train_ranker_reports_leave_one_file_out_metrics_and_stores_the_model(
        self, tmp_path, capsys
    ):
        output = tmp_path / "ranker.json"
        call_command("train_ranker", "--output", str(output))
        out = capsys.readouterr().out
        assert "matching-dev.json" in out and "matching-dev-paraphrased.json" in out
        assert "nDCG@5" in out and "→" in out
        data = json.loads(output.read_text(encoding="utf-8"))
        assert data["format"] == learning.FORMAT
        assert isinstance(data["active"], bool)
        held_out = {row["held_out"] for row in data["cross_validation"]}
        assert {"matching-dev.json", "matching-dev-paraphrased.json"} <= held_out


@pytest.mark.django_db
class FeedbackWorldTests:
    """A small platform whose buyers keep choosing the affordable offering over the one
    whose text fits best: the ranker trained on that feedback puts the affordable one first."""

    @pytest.fixture(autouse=True)
    def _files(self, settings, tmp_path):
        settings.MATCHING_RANKER_FILE = str(tmp_path / "ranker.json")
        settings.MATCHING_CALIBRATION_FILE = str(tmp_path / "none.json")
        holder.reset()
        yield
        holder.reset()

    def world(self, n_needs: int):
        fancy = factories.make_offering(
            title="信用卡智能客服大模型",
            description="信用卡中心智能客服机器人，回答持卡人常见问题，账单日来电分流。",
            price_min=1_800_000,
            price_max=3_000_000,
        )
        plain = factories.make_offering(
            title="银行问答助手",
            description="银行知识库问答。",
            price_min=100_000,
            price_max=300_000,
        )
        needs = [factories.make_need() for _ in range(n_needs)]
        services.suggestions_rebuild_all()
        return fancy, plain, needs

    def order(self, need) -> list[int]:
        return [r.offering_id for r in services.rank_offerings_for_need(need.pk)]

    def test_the_trained_ranker_follows_the_feedback(self):
        fancy, plain, needs = self.world(6)
        assert self.order(needs[-1])[:2] == [fancy.pk, plain.pk]  # the engine's order
        for need in needs[:-1]:
            connect(need, fancy, ConnectionState.DECLINED)
            connect(need, plain, ConnectionState.WON)
        pairs = learning.feedback_pairs()
        assert len(pairs) == 2 * (len(needs) - 1)
        ranker = learning.train(pairs)
        ranker.active = True
        learning.save(ranker)
        assert self.order(needs[-1])[:2] == [plain.pk, fancy.pk]
