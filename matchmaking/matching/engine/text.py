"""Chinese text analysis: features for the sparse vectors, and a plain BM25 for the baseline.

A text becomes a bag of features from four families (chosen by measurement, see MEASUREMENTS.md):

* ``w:`` jieba words (default dictionary, shipped in the jieba package: no download),
* ``b:`` character bigrams of CJK runs — robust to segmentation errors and unknown words,
* ``s:`` synonym groups of the lexicon (every wording of a group gives the same feature),
* ``c:`` vocabulary topics of the lexicon (e.g. every call-centre word gives ``c:qa_call``), the
  bridge between an enterprise's business words and a vendor's marketing words.

Function words and marketing fluff (lexicon stopwords) are dropped from the first two families.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .lexicon import Lexicon

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_HAS_WORD_CHAR = re.compile(r"[\u3400-\u9fffa-z]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    """Import and initialise jieba once, without its "Building prefix dict" chatter on stderr."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def normalize(text: str | None) -> str:
    """NFKC (full-width → half-width) and lower case, so that ＡＩ, AI and ai are one token."""
    return unicodedata.normalize("NFKC", text or "").lower()


def char_bigrams(text: str) -> list[str]:
    """Overlapping character bigrams inside each run of CJK characters (text already normalised)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def jieba_words(text: str, hmm: bool = True) -> list[str]:
    """jieba's default-mode words with at least one letter or CJK character (text already normalised)."""
    return [w for w in _jieba().lcut(text, HMM=hmm) if _HAS_WORD_CHAR.search(w)]


class TermMatcher:
    """Finds every lexicon term occurring in a text (overlaps allowed), in one pass.

    CJK terms are looked up by their first two characters at each position (a dict hit is
    rare, so the scan is about one dict lookup per character); terms starting with a Latin
    letter or digit need word boundaries (``ai`` must not match inside ``email``), so they go
    through one compiled regular expression.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._by_head: dict[str, list[str]] = {}
        ascii_terms: list[str] = []
        for term in sorted(
            {normalize(t) for t in terms if len(normalize(t)) >= 2}, key=len, reverse=True
        ):
            if _ASCII_ALNUM.match(term):
                ascii_terms.append(term)
            else:
                self._by_head.setdefault(term[:2], []).append(term)
        self._ascii_re = None
        if ascii_terms:
            parts = []
            for term in ascii_terms:
                tail = r"(?![a-z0-9])" if _ASCII_ALNUM.match(term[-1]) else ""
                parts.append(re.escape(term) + tail)
            self._ascii_re = re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + ")")
            self._ascii_terms = set(ascii_terms)

    def find(self, text: str) -> list[str]:
        """Terms found in ``text`` (normalised), one entry per occurrence."""
        found: list[str] = []
        by_head = self._by_head
        for i in range(len(text) - 1):
            candidates = by_head.get(text[i : i + 2])
            if candidates:
                for term in candidates:
                    if text.startswith(term, i):
                        found.append(term)
        if self._ascii_re is not None:
            # The alternation is ordered longest first, but it returns one term per position;
            # that is enough for ASCII terms (few, rarely nested).
            found.extend(m.group(0) for m in self._ascii_re.finditer(text))
        return found


@dataclass(frozen=True)
class AnalyzerOptions:
    """Which feature families to emit (switches exist for the ablation measurements)."""

    words: bool = True
    bigrams: bool = True
    synonyms: bool = True
    concepts: bool = True
    hmm: bool = True


@dataclass
class Analysis:
    """Features of one text, plus, for explanations, the term that produced each lexicon feature."""

    features: Counter
    display: dict[str, str] = field(default_factory=dict)


class Analyzer:
    """Turns a text into features (see module docstring). Thread-safe after construction."""

    def __init__(self, lexicon: Lexicon, options: AnalyzerOptions | None = None) -> None:
        self.lexicon = lexicon
        self.options = options or AnalyzerOptions()
        self.stopwords = frozenset(normalize(w) for w in lexicon.stopwords)
        # term -> lexicon features it stands for
        self.term_features: dict[str, list[str]] = {}
        if self.options.synonyms:
            for group in lexicon.synonyms:
                canonical = normalize(group[0])
                for term in group:
                    self.term_features.setdefault(normalize(term), []).append("s:" + canonical)
        if self.options.concepts:
            for topic in lexicon.topics:
                for term in topic.terms:
                    feats = self.term_features.setdefault(normalize(term), [])
                    if "c:" + topic.name not in feats:
                        feats.append("c:" + topic.name)
        self.matcher = TermMatcher(self.term_features)

    def analyze(self, text: str) -> Analysis:
        norm = normalize(text)
        features: Counter = Counter()
        display: dict[str, str] = {}
        stop = self.stopwords
        if self.options.words:
            features.update(
                "w:" + w
                for w in jieba_words(norm, self.options.hmm)
                if len(w) >= 2 and w not in stop
            )
        if self.options.bigrams:
            features.update("b:" + b for b in char_bigrams(norm) if b not in stop)
        if self.term_features:
            for term in self.matcher.find(norm):
                for feat in self.term_features.get(term, ()):
                    features[feat] += 1
                    display.setdefault(feat, term)
        return Analysis(features, display)

    def analyze_many(self, texts: Sequence[str], workers: int = 1) -> list[Analysis]:
        """Analyse many texts; with ``workers`` > 1 jieba runs in a process pool (it holds the GIL)."""
        if workers <= 1 or len(texts) < 5000:
            return [self.analyze(t) for t in texts]
        import multiprocessing as mp

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        _jieba()  # initialise before forking so that each worker inherits the dictionary
        global _POOL_ANALYZER
        _POOL_ANALYZER = self
        chunk = max(500, len(texts) // (workers * 8))
        with ctx.Pool(workers) as pool:
            return pool.map(_pool_analyze, texts, chunksize=chunk)


_POOL_ANALYZER: Analyzer | None = None


def _pool_analyze(text: str) -> Analysis:
    assert _POOL_ANALYZER is not None
    return _POOL_ANALYZER.analyze(text)


class Vectorizer:
    """TF-IDF over feature bags: sublinear tf × idf × family weight, rows L2-normalised.

    ``max_df`` drops word/bigram features present in more than that share of the fitted
    documents: they say little and, at 100k offerings, their posting lists would dominate the
    cost of every query.
    """

    def __init__(self, family_weights: dict[str, float], max_df: float = 0.4) -> None:
        self.family_weights = dict(family_weights)
        self.max_df = max_df
        self.vocabulary: dict[str, int] = {}
        self.weights = np.zeros(0, dtype=np.float32)
        self.n_docs = 0

    def fit(self, bags: Sequence[Counter]) -> Vectorizer:
        df: Counter = Counter()
        for bag in bags:
            df.update(bag.keys())
        n = max(1, len(bags))
        self.n_docs = len(bags)
        limit = self.max_df * n
        vocab: dict[str, int] = {}
        weights: list[float] = []
        for feat in sorted(df):  # sorted: deterministic column order
            family = feat[0]
            fw = self.family_weights.get(family, 0.0)
            if fw <= 0:
                continue
            if family in "wb" and n >= 20 and df[feat] > limit:
                continue
            vocab[feat] = len(vocab)
            weights.append(fw * (math.log((n + 1) / (df[feat] + 1)) + 1.0))
        self.vocabulary = vocab
        self.weights = np.asarray(weights, dtype=np.float32)
        return self

    def transform(self, bags: Sequence[Counter]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocab = self.vocabulary
        for bag in bags:
            cols = sorted((vocab[f], c) for f, c in bag.items() if f in vocab)
            indices.extend(c for c, _ in cols)
            data.extend(1.0 + math.log(c) for _, c in cols)
            indptr.append(len(indices))
        m = sp.csr_matrix(
            (
                np.asarray(data, dtype=np.float32),
                np.asarray(indices, dtype=np.int32),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(len(bags), len(vocab)),
        )
        if m.nnz:
            m.data *= self.weights[m.indices]
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel()).astype(np.float32)
            norms[norms == 0] = 1.0
            m = sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)
        return m


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over token lists: the plain baseline of the evaluation."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float64)
        self.avgdl = float(self.lengths.mean()) if self.n else 0.0
        self.tfs = [Counter(d) for d in docs]
        df: Counter = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        self.idf = {t: math.log(1 + (self.n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / (self.avgdl or 1.0))
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            tf = np.array([d.get(term, 0) for d in self.tfs], dtype=np.float64)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def bm25_tokens(text: str) -> list[str]:
    """Tokens of the baseline: jieba words plus character bigrams (no lexicon, no stopwords)."""
    norm = normalize(text)
    return jieba_words(norm) + char_bigrams(norm)
