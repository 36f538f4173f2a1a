"""Scoring: the components of a pair (need, offering) in [0, 1], their weighted total, and
``fast_total``, the same total fused in float32 for ranking many pairs (a test checks that
both agree). All functions are vectorised over m needs × n offerings."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .config import KIND_COMPAT, EngineConfig
from .semantic import fuse


class ScoringMixin:
    """Part of :class:`~.engine.MatchingEngine`: components and totals of pairs."""

    config: EngineConfig
    weights: dict[str, float]

    def components(
        self,
        NV: Mapping[str, np.ndarray],
        OV: Mapping[str, np.ndarray],
        text: np.ndarray,
        region: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Component matrices (m × n, values in [0, 1]) of needs ``NV`` against offerings ``OV``."""
        cfg = self.config
        m, n = text.shape
        comp: dict[str, np.ndarray] = {}
        # Cosine over the part of the need's vector that offerings can match at all (its
        # "reach"): business words no offering uses must not make every text score small.
        comp["text"] = text_component(cfg, text, NV["reach"])
        # what the latent semantic part alone gives the text component (shown nowhere as
        # words: a text component above the words' share comes from it)
        comp["latent"] = text_component(cfg, semantic_part(cfg, NV["sem"], OV["sem"]), NV["reach"])
        comp["sector"] = np.clip(NV["sector_p"] @ OV["sector"].T, 0.0, 1.0)
        comp["app_type"] = np.clip(NV["app_p"] @ OV["app"].T, 0.0, 1.0)
        if cfg.specific_gate_at > 0:
            # A specialised offering (application layer) in the right categories but with little
            # text in common solves another problem of that category: its category fit only
            # counts in full with text evidence. A general one (foundation layer) is not gated.
            breadth = OV["breadth"][None, :]
            evidence = np.clip(comp["text"] / cfg.specific_gate_at, 0.0, 1.0)
            gate = cfg.specific_gate_floor + (1 - cfg.specific_gate_floor) * (
                breadth + (1 - breadth) * evidence
            )
            comp["sector"] = comp["sector"] * gate
            comp["app_type"] = comp["app_type"] * gate
        comp["kind"] = np.clip(NV["kind_p"] @ KIND_COMPAT @ OV["kind"].T, 0.0, 1.0)
        comp["budget"] = budget_component(NV["budget_max"], OV["price_min"], cfg.budget_soft_factor)
        n_cases = NV["sector_p"] @ OV["cases"].T
        comp["evidence"] = (
            0.6 * (1.0 - np.exp(-n_cases))
            + 0.25 * OV["verified"][None, :]
            + 0.15 * OV["filing"][None, :]
        )
        comp["region"] = np.broadcast_to(region, (m, n))
        req = NV["req"]
        n_req = req.sum(axis=1)[:, None]
        met = req @ OV["flags"].T
        comp["compliance"] = np.where(n_req > 0, met / np.maximum(n_req, 1), 1.0)
        comp["layer"] = layer_component(NV, OV)
        if cfg.layer_needs_app_type:
            comp["layer"] = comp["layer"] * (comp["app_type"] > 0)
        comp["freshness"] = np.broadcast_to(OV["fresh"][None, :], (m, n))
        # hype (listings/hype.py) and reach of every need (hubs.py): points off, the same
        comp["hype"] = np.broadcast_to((OV["hype"] + OV["hub"])[None, :], (m, n))
        return comp

    def fast_total(
        self,
        NV: Mapping[str, np.ndarray],
        OV: Mapping[str, np.ndarray],
        text: np.ndarray,
        region: np.ndarray,
    ) -> np.ndarray:
        """``score(components(...))`` for ranking many pairs: float32, in place, with the
        need-independent part precomputed (a test checks that both agree)."""
        cfg, w = self.config, self.weights
        m, n = text.shape
        reach = (
            np.maximum(NV["reach"], cfg.min_reach)[:, None] if cfg.use_reach else np.float32(1.0)
        )
        t = np.minimum(text / (reach * cfg.text_scale).astype(np.float32), 1.0, dtype=np.float32)
        t = np.maximum(t, 0.0, out=t)
        total = np.broadcast_to(OV["static"][None, :], (m, n)) + w["text"] * t
        layer = layer_component(NV, OV)
        app = NV["app_p"] @ OV["app"].T
        total = total + w["layer"] * layer
        cat = w["sector"] * (NV["sector_p"] @ OV["sector"].T) + w["app_type"] * app
        if cfg.specific_gate_at > 0:
            breadth = OV["breadth"][None, :]
            evidence = np.minimum(t / cfg.specific_gate_at, 1.0)
            floor = cfg.specific_gate_floor
            cat *= floor + (1 - floor) * (breadth + (1 - breadth) * evidence)
        total += cat
        total += w["kind"] * (NV["kind_p"] @ (KIND_COMPAT @ OV["kind"].T))
        total += w["evidence"] * 0.6 * (1.0 - np.exp(-(NV["sector_p"] @ OV["cases"].T)))
        total += w["region"] * region
        req = NV["req"]
        n_req = req.sum(axis=1)[:, None]
        total += w["compliance"] * np.where(
            n_req > 0, (req @ OV["flags"].T) / np.maximum(n_req, 1), 1.0
        )
        total += w["budget"] * budget_component(
            NV["budget_max"].astype(np.float32), OV["price32"], cfg.budget_soft_factor
        )
        if cfg.layer_needs_app_type:
            total -= w["layer"] * layer * (app <= 0)
        return total

    def score(self, comp: Mapping[str, np.ndarray]) -> np.ndarray:
        """Total score (0–100) from components."""
        total = np.zeros(next(iter(comp.values())).shape, np.float64)
        for name, w in self.weights.items():
            if w:
                total += w * comp[name]
        if "hype" in comp:
            total -= self.config.hype_penalty * comp["hype"]
        return total


def text_component(cfg: EngineConfig, text: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """The text component of pairs (needs × offerings) from their text cosines: the cosine
    over the part of each need's vector that offerings can match at all (its ``reach``, at
    least ``min_reach``): business words no offering uses must not make every text score
    small; 1 at ``text_scale``."""
    scale = np.maximum(reach, cfg.min_reach)[:, None] if cfg.use_reach else 1.0
    return np.clip(text / (scale * cfg.text_scale), 0.0, 1.0)


def budget_component(budget_max: np.ndarray, price_min: np.ndarray, soft: float) -> np.ndarray:
    """1 within budget, falling to 0.5 just under ``soft``× the budget, 0 beyond. An unknown
    price earns nothing; a need without a budget gives every offering the same 0.5."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = price_min[None, :] * (1.0 / budget_max[:, None]).astype(price_min.dtype)
        out = np.clip(1.0 - (0.5 / (soft - 1.0)) * (r - 1.0), 0.5, 1.0)
        out[r >= soft] = 0.0
    out[np.isnan(r)] = 0.0
    no_budget = np.isnan(budget_max)
    if no_budget.any():
        out[no_budget, :] = 0.5
    return out


def layer_component(NV: Mapping[str, np.ndarray], OV: Mapping[str, np.ndarray]) -> np.ndarray:
    """Layer component (m × n): application fit, moving to foundation fit as the need asks
    for a model or platform."""
    wf = NV["wants_f"][:, None]
    return (1.0 - wf) * OV["layer"][None, :] + wf * OV["layer_f"][None, :]


def semantic_part(cfg: EngineConfig, Zn: np.ndarray, Zo: np.ndarray) -> np.ndarray:
    """The semantic term of the text cosine (m × n): weight × max(0, cosine − floor)."""
    m, n = Zn.shape[0], Zo.shape[0]
    if cfg.semantic_weight <= 0 or Zn.shape[1] == 0 or Zo.shape[1] == 0:
        return np.zeros((m, n), np.float32)
    zero = np.zeros((m, n), np.float32)
    return fuse(
        zero, np.asarray(Zn @ Zo.T, np.float32), cfg.semantic_weight, cfg.semantic_floor, "add"
    )
