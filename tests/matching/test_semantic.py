"""The latent semantic component (matching/engine/semantic.py): fitted from the platform's own
texts, it links a need and an offering that share no word, is stored in the snapshot, follows
incremental adds, and never shows up as a "shared keyword"."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matchmaking.matching.engine import EngineConfig, MatchingEngine
from matchmaking.matching.engine import snapshot as files
from matchmaking.matching.engine.lexicon import default_lexicon
from matchmaking.matching.engine.semantic import SemanticModel, fuse, lexicon_documents

from .test_engine import need, offering

# Offerings of different trades; the need below shares no word and no character pair with the
# helmet offering, only characters (帽, 戴, 工, 安) — the way buyers paraphrase vendors.
TEXTS = {
    "helmet": ("安全帽佩戴识别", "工地摄像头识别未佩戴安全帽、未穿反光衣，声光告警推送安全员"),
    "parking": ("路内泊位运营", "高位视频识别车牌与进出场时间，无感支付，欠费追缴"),
    "emr": ("语音病历助手", "医患对话实时转写，自动生成门诊病历，对接HIS"),
    "fraud": ("交易反欺诈引擎", "图计算识别团伙作案、账户盗用与营销套利"),
    "copy": ("商品文案生成", "输入商品参数，批量生成标题、卖点与详情页"),
    "label": ("数据标注服务", "图像拉框、语义分割、点云标注，多级质检"),
}
NEED_TEXT = ("好多工人不戴帽子", "工人进场总有人不戴帽子，班组长一个人盯不过来")


def _offerings():
    return [
        offering(
            ref,
            title=title,
            summary=text,
            description=text,
            sectors=(),
            app_types=(),
            tags=(),
            layer="application",
        )
        for ref, (title, text) in TEXTS.items()
    ]


def _need():
    return need("n-helmet", title=NEED_TEXT[0], description=NEED_TEXT[1], sectors=(), app_types=())


def _semantic_on() -> EngineConfig:
    return EngineConfig(workers=1, semantic_dim=32, semantic_weight=0.4, semantic_mode="max")


def test_the_model_is_fitted_from_texts_and_gives_unit_vectors():
    texts = [f"{t} {d}" for t, d in TEXTS.values()] + lexicon_documents(default_lexicon())
    model = SemanticModel(k=16).fit(texts)
    assert model.fitted and model.dim == 16
    assert model.projection.shape == (len(model.vocabulary), 16)
    Z = model.transform(["".join(NEED_TEXT), "".join(TEXTS["helmet"]), "".join(TEXTS["fraud"])])
    assert np.allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    # the paraphrase is closer to the helmet offering than to an unrelated one
    assert Z[0] @ Z[1] > Z[0] @ Z[2]
    # off (k = 0) or too few texts: nothing fitted, zero-width vectors
    assert not SemanticModel(k=0).fit(texts).fitted
    assert SemanticModel(k=0).transform(["x"]).shape == (1, 0)
    assert not SemanticModel(k=4).fit(["一", "二"]).fitted


def test_fuse_keeps_the_lexical_cosine_and_adds_only_above_the_floor():
    lexical = np.array([0.5, 0.0, 0.1], np.float32)
    semantic = np.array([0.2, 0.9, 0.05], np.float32)
    assert np.allclose(fuse(lexical, semantic, 0.5, 0.1, "max"), [0.5, 0.4, 0.1])
    assert np.allclose(fuse(lexical, semantic, 0.5, 0.1, "add"), [0.55, 0.4, 0.1])
    assert fuse(lexical, semantic, 0.0, 0.0) is lexical


def test_a_paraphrase_without_common_words_finds_its_offering_only_with_the_semantic_part():
    offerings = _offerings()
    lexical = MatchingEngine(EngineConfig(workers=1, semantic_dim=0)).fit(offerings, [_need()])
    semantic = MatchingEngine(_semantic_on()).fit(offerings, [_need()])
    plain = lexical.rank_offerings(_need(), top_k=6)
    assert all(s.components["text"] == 0 for s in plain)  # no word or pair in common
    found = semantic.rank_offerings(_need(), top_k=6)
    assert found[0].target_ref == "helmet"
    assert found[0].components["text"] > max(s.components["text"] for s in found[1:])
    # the same score whatever the direction and in the batch path
    helmet = next(o for o in offerings if o.ref == "helmet")
    back = {s.target_ref: s.score for s in semantic.rank_needs(helmet, top_k=5)}
    assert back["n-helmet"] == found[0].score
    batch = dict(semantic.iter_rank_all_needs(top_k=6))
    assert [s.target_ref for s in batch["n-helmet"]] == [s.target_ref for s in found]


def test_a_semantic_link_is_never_shown_as_a_shared_keyword():
    engine = MatchingEngine(_semantic_on()).fit(_offerings(), [_need()])
    top = engine.rank_offerings(_need(), top_k=6)[0]
    assert top.components["text"] > 0
    codes = {r.code for r in top.reasons}
    assert "key_phrases" not in codes and "text_similar" not in codes
    # a pair with words in common still names them, each present in both texts
    with_words = dataclasses.replace(_need(), description=NEED_TEXT[1] + "，想装安全帽识别")
    top = engine.rank_offerings(with_words, top_k=1)[0]
    phrases = next(r for r in top.reasons if r.code == "key_phrases").params["phrases"]
    helmet_text = "".join(TEXTS["helmet"])
    for phrase in phrases:
        for word in str(phrase).split("↔") if "↔" in str(phrase) else [str(phrase)]:
            assert word.strip() in helmet_text or word.strip() in with_words.description


def test_an_offering_added_after_the_fit_gets_its_vector_from_the_fitted_model():
    offerings = _offerings()
    engine = MatchingEngine(_semantic_on()).fit(offerings[1:], [_need()])
    engine.add_offering(offerings[0])
    seg = engine.offerings.delta
    expected = engine.semantic.transform(
        [engine.analyzer.analyze(engine._offering_text(offerings[0])).text]
    )
    assert np.allclose(seg.arrays["sem"][0], expected[0])
    assert engine.rank_offerings(_need(), top_k=1)[0].target_ref == "helmet"


def test_the_snapshot_stores_the_model_small_and_ranks_alike(tmp_path):
    engine = MatchingEngine(_semantic_on()).fit(_offerings(), [_need()])
    path = files.publish(tmp_path, lambda d: files.save_engine(engine, d))
    loaded, _manifest, _extra = files.load_engine(path)
    assert loaded.semantic.vocabulary == engine.semantic.vocabulary
    assert isinstance(loaded.semantic.projection, np.memmap)
    assert np.array_equal(loaded.semantic.projection, engine.semantic.projection)
    assert np.array_equal(loaded.semantic.idf, engine.semantic.idf)
    assert np.array_equal(loaded.offerings.main.arrays["sem"], engine.offerings.main.arrays["sem"])
    ranked = [(s.target_ref, s.score) for s in engine.rank_offerings(_need(), top_k=6)]
    assert [(s.target_ref, s.score) for s in loaded.rank_offerings(_need(), top_k=6)] == ranked
    # small: the projection is n-grams × k floats (k = 32 here), far below the listings' arrays
    assert (path / "semantic_projection.npy").stat().st_size < 200_000


def test_vectors_projected_in_processes_are_those_of_one_process():
    """The fit projects the 100k world's texts in a process pool (engine.fit's workers): the
    same vectors, in the same order, as one process gives."""
    base = [f"{t} {d}" for t, d in TEXTS.values()]
    model = SemanticModel(k=8).fit(base + lexicon_documents(default_lexicon()))
    texts = [f"{base[i % len(base)]}{i}号" for i in range(4096 + 700)]  # two chunks, uneven
    alone = model.transform(texts)
    pooled = model.transform(texts, workers=2)
    assert pooled.shape == (len(texts), 8)
    assert np.array_equal(alone, pooled)


def test_the_fit_in_processes_is_the_fit_of_one_process():
    """The fit counts and weighs the n-grams of its texts in a process pool (engine.fit's
    workers): the same n-grams, idf and projection as one process gives."""
    base = [f"{t} {d}" for t, d in TEXTS.values()]
    texts = [f"{base[i % len(base)]}{i}号" for i in range(4096 + 900)] + lexicon_documents(
        default_lexicon()
    )
    alone = SemanticModel(k=8).fit(texts)
    pooled = SemanticModel(k=8).fit(texts, workers=2)
    assert pooled.fitted
    assert pooled.vocabulary == alone.vocabulary
    assert np.array_equal(pooled.idf, alone.idf)
    assert np.array_equal(pooled.projection, alone.projection)


@pytest.mark.parametrize("mode", ["max", "add"])
def test_fuse_in_place_gives_the_values_of_the_formula(mode):
    """``fuse`` computes float32 blocks in place; the values are exactly those of the formula
    (float64 inputs take the formula itself), and neither input is changed."""
    rng = np.random.default_rng(7)
    lexical = rng.random((64, 3000), dtype=np.float32)
    semantic = (rng.random((64, 3000), dtype=np.float32) * 2 - 1).astype(np.float32)
    before = lexical.copy(), semantic.copy()
    extra = np.float32(0.45) * np.maximum(semantic - np.float32(0.3), 0.0)
    expected = (np.maximum(lexical, extra) if mode == "max" else lexical + extra).astype(
        np.float32
    )
    fused = fuse(lexical, semantic, 0.45, 0.3, mode)
    assert fused.dtype == np.float32 and np.array_equal(fused, expected)
    assert np.array_equal(lexical, before[0]) and np.array_equal(semantic, before[1])
    wide = fuse(lexical.astype(np.float64), semantic.astype(np.float64), 0.45, 0.3, mode)
    assert wide.dtype == np.float32 and np.allclose(wide, expected, atol=1e-6)
