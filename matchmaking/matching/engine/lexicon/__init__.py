"""The domain lexicon: synonym groups, per-category vocabulary topics and stopwords.

The JSON files beside this module are the shipped defaults, written from general knowledge of
the domains (never from particular listings). Admins extend the lexicon from the DB; the Django
layer passes those entries as ``extra`` (same shape as the files) and :meth:`Lexicon.merged`
combines them::

    {
        "synonyms": [["智能客服", "客服机器人"], ...],            # first term = canonical
        "sectors": {"finance": {"fin_credit": ["信贷", ...]}},   # or a flat list of words
        "app_types": {"qa": ["答疑", ...]},
        "kinds": {"compute": ["算力", ...]},
        "stopwords": ["赋能", ...],
    }
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent

#: The category families a vocabulary topic can belong to.
FAMILIES = ("sectors", "app_types", "kinds")


@dataclass(frozen=True)
class Topic:
    """A group of everyday words that are evidence for one category code."""

    name: str
    family: str  # one of FAMILIES
    code: str  # e.g. "finance", "qa", "compute"
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Immutable lexicon; build variants with :meth:`merged`."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    topics: tuple[Topic, ...] = ()
    stopwords: frozenset[str] = field(default_factory=frozenset)

    def codes(self, family: str) -> list[str]:
        """Category codes of a family that have at least one topic, in first-seen order."""
        seen: dict[str, None] = {}
        for topic in self.topics:
            if topic.family == family:
                seen.setdefault(topic.code, None)
        return list(seen)

    def merged(self, extra: Mapping[str, Any] | None) -> Lexicon:
        """Return a new lexicon with ``extra`` entries added (see module docstring)."""
        if not extra:
            return self
        synonyms = list(self.synonyms) + [
            tuple(_clean_terms(group))
            for group in extra.get("synonyms", ())
            if len(_clean_terms(group)) >= 2
        ]
        topics = list(self.topics)
        for family in FAMILIES:
            for code, value in (extra.get(family) or {}).items():
                topics.extend(_topics_from(family, code, value, prefix="x_"))
        stopwords = self.stopwords | frozenset(extra.get("stopwords", ()))
        return Lexicon(tuple(synonyms), tuple(topics), stopwords)

    def without_topics(self) -> Lexicon:
        """Lexicon with synonyms and stopwords only (used by ablation measurements)."""
        return Lexicon(self.synonyms, (), self.stopwords)


def _clean_terms(terms: Iterable[str]) -> list[str]:
    out: list[str] = []
    for term in terms:
        term = str(term).strip()
        if len(term) >= 2 and term not in out:
            out.append(term)
    return out


def _topics_from(family: str, code: str, value: Any, prefix: str = "") -> list[Topic]:
    if isinstance(value, Mapping):
        return [
            Topic(f"{prefix}{name}", family, code, tuple(_clean_terms(words)))
            for name, words in value.items()
            if _clean_terms(words)
        ]
    words = _clean_terms(value)
    return [Topic(f"{prefix}{family}_{code}", family, code, tuple(words))] if words else []


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the engine (cached; it is immutable)."""
    synonyms_doc = json.loads((_HERE / "synonyms.json").read_text(encoding="utf-8"))
    vocabulary_doc = json.loads((_HERE / "vocabulary.json").read_text(encoding="utf-8"))
    stop_doc = json.loads((_HERE / "stopwords.json").read_text(encoding="utf-8"))
    synonyms = tuple(
        tuple(_clean_terms(g)) for g in synonyms_doc["groups"] if len(_clean_terms(g)) >= 2
    )
    topics: list[Topic] = []
    for family in FAMILIES:
        for code, value in vocabulary_doc.get(family, {}).items():
            topics.extend(_topics_from(family, code, value))
    return Lexicon(synonyms, tuple(topics), frozenset(stop_doc["words"]))
