"""Pure-Python matching engine of the platform (no Django: importable without settings).

Public API (the Django layer converts model instances into the documents, calls the engine,
translates the reason codes and stores the suggestions)::

    from matchmaking.matching.engine import (
        MatchingEngine, EngineConfig, OfferingDoc, NeedDoc, CaseDoc, reasons_text, infer_categories,
    )

    engine = MatchingEngine(EngineConfig(), lexicon_extra=None)   # extra lexicon from the DB
    engine.fit(offerings, needs, cases)                           # alias: build_index; returns engine
    engine.rank_offerings(need, top_k=10, exclude_org_refs=())   -> list[Suggestion]
    engine.rank_needs(offering, top_k=10, viewer_org_ref=None)   -> list[Suggestion]   (商机)
    engine.iter_rank_all_needs(top_k=10, chunk_size=64)          -> iterator of (need_ref, [Suggestion])
    engine.add_offering(doc) / remove_offering(ref) / add_need(doc) / remove_need(ref)
    engine.infer_categories(text)  -> {"sectors": [(code, p)…], "app_types": […], "kinds": […]}
    infer_categories(text)         -> same, shipped lexicon only (no fitted data)
    reasons_text(reasons, lang="zh"|"en") -> list[str]

``Suggestion(target_ref, score 0–100 (1 decimal), components {name: 0–1}, reasons [Reason])`` and
``Reason(code, met, params)``; the codes and their texts are in :mod:`.reasons`.

Keeping the index fresh (Django layer): build one engine per process (or per worker) with
``fit`` from all published offerings, open needs and published cases; on a save/delete signal
call ``add_offering``/``remove_offering`` (``add_*`` replaces an existing ref) and re-rank only
the changed item (``rank_needs(offering)`` / ``rank_offerings(need)``). Incremental adds go to a
small delta segment merged at ``EngineConfig.merge_delta_at``; they keep the vocabulary and the
category model of the last ``fit``, so rebuild (``fit`` + ``iter_rank_all_needs``) nightly or in
the background when many listings changed. Engines are not thread-safe for writes.

Modules: documents (input dataclasses), lexicon/ (JSON data + loader), text (analysis,
TF-IDF, BM25), categories (category inference), specificity and negation (claim weights,
refused modes), config (EngineConfig, weights, constants), store (segments and sides: the
indexed listings), features (documents → segment rows, region tables), scoring (components and
totals), ranking (constraints, candidates, ranking both ways, Suggestion), explanations
(reasons and shared phrases of a pair), engine (MatchingEngine: state, fit, updates),
reasons (codes and fallback texts), metrics, evaluate and bench (command-line tools).
See MEASUREMENTS.md for the measured quality and speed.
"""

from .categories import CategoryModel, infer_categories
from .config import COMPONENTS, DEFAULT_WEIGHTS, EngineConfig
from .documents import APP_TYPES, DEPLOYMENTS, KINDS, LAYERS, SECTORS, CaseDoc, NeedDoc, OfferingDoc
from .engine import MatchingEngine, default_engine
from .lexicon import Lexicon, default_lexicon
from .ranking import Suggestion
from .reasons import REASON_CODES, Reason, reason_text, reasons_text

__all__ = [
    "APP_TYPES",
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "DEPLOYMENTS",
    "KINDS",
    "LAYERS",
    "REASON_CODES",
    "SECTORS",
    "CaseDoc",
    "CategoryModel",
    "EngineConfig",
    "Lexicon",
    "MatchingEngine",
    "NeedDoc",
    "OfferingDoc",
    "Reason",
    "Suggestion",
    "default_engine",
    "default_lexicon",
    "infer_categories",
    "reason_text",
    "reasons_text",
]
