"""Latent semantic analysis fitted from the platform's own texts (no download, no service).

Offerings, needs and published cases use different words for the same thing (a buyer's 工人
不戴帽子 against a vendor's 安全帽佩戴识别). Chinese characters are morphemes, so texts that
share no word often share characters. The model reads character unigrams and bigrams of the
analysed texts (negated clauses already removed) of all offerings, needs and cases — plus one
document per lexicon synonym group and per topic, the lexicon's known co-occurrences — weighs
them by sublinear tf × idf and factorises them with a truncated SVD; every listing gets an
L2-normalised ``k``-dimensional vector (array ``"sem"`` of its segment, both sides). The text
cosine of a pair becomes (``EngineConfig.semantic_*``; mode "max", the measured default)::

    max(lexical cosine, semantic_weight × max(0, semantic cosine − semantic_floor))

Fitted where the engine is fitted (``MatchingEngine.fit``, i.e. the task worker), on a sample of
at most ``max_rows`` texts (sorted first: the same model whatever the listings' order), and
stored with it in the snapshot: the n-grams (state), ``semantic_idf`` and
``semantic_projection`` (at most ``max_columns`` × ``k`` float32: 7.7 MB at the defaults). A
listing added or edited afterwards gets its vector from the fitted model (``add_offering`` /
``add_need`` build their rows with it); n-grams first seen after the fit carry no semantic
signal until the next full fit (the engine's periodic rebuild), which is how stale it may get.

A semantic link is never shown as a shared keyword: reasons list only features both texts
contain (``explanations.py``); a text component that comes from the latent part alone has no
text reason, and the ``latent`` entry of a suggestion's components says how much it gave.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .lexicon import Lexicon
from .pools import forked_map
from .text import LOG_TF


class SemanticModel:
    """Character n-gram TF-IDF of a text projected onto ``k`` latent dimensions.

    Chinese characters are morphemes (泊位 and 车位 share 位, 帽子 and 安全帽 share 帽), so the
    model reads character unigrams and bigrams of the analysed text (negated clauses already
    removed), weighted by sublinear tf × idf, and factorises them with a truncated SVD; ``k`` = 0
    is off. State: ``vocabulary`` (n-gram → column), ``idf`` and ``projection`` (columns × k).
    """

    def __init__(
        self,
        k: int = 0,
        ngrams: tuple[int, int] = (1, 2),
        max_columns: int = 30000,
        max_rows: int = 40000,
    ) -> None:
        self.k = k
        self.ngrams = ngrams
        self.max_columns = max_columns
        self.max_rows = max_rows
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, np.float32)
        self.projection = np.zeros((0, 0), np.float32)  # len(vocabulary) × k

    @property
    def fitted(self) -> bool:
        return self.projection.shape[0] > 0 and self.projection.shape[1] > 0

    @property
    def dim(self) -> int:
        return self.projection.shape[1] if self.fitted else 0

    def grams(self, text: str) -> Counter:
        """Character n-grams of ``text`` (letters and CJK only; digits and punctuation split)."""
        out: Counter = Counter()
        lo, hi = self.ngrams
        for run in _RUNS.findall(text or ""):
            for n in range(lo, hi + 1):
                out.update(run[i : i + n] for i in range(len(run) - n + 1))
        return out

    def fit(self, texts: Sequence[str], seed: int = 0, workers: int = 1) -> SemanticModel:
        """Fit on the platform's texts (listings, cases, lexicon groups); the n-grams are
        counted and weighed in ``workers`` processes (the same model as in one)."""
        self.vocabulary, self.idf = {}, np.zeros(0, np.float32)
        self.projection = np.zeros((0, 0), np.float32)
        if self.k <= 0 or len(texts) < 3:
            return self
        rng = np.random.default_rng(seed)
        texts = sorted(texts)  # the same model whatever the order of the listings
        if len(texts) > self.max_rows:
            texts = [texts[i] for i in sorted(rng.choice(len(texts), self.max_rows, replace=False))]
        chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
        df: Counter = Counter()
        # streamed, a chunk at a time: 40k bags of n-grams at once would take gigabytes
        for counts in forked_map(self.document_frequencies, chunks, workers):
            df.update(counts)
        # n-grams of at least two documents link documents; the most frequent first
        kept = sorted((g for g, c in df.items() if c >= 2), key=lambda g: (-df[g], g))
        kept = sorted(kept[: self.max_columns])
        if len(kept) < 3:
            return self
        self.vocabulary = {g: i for i, g in enumerate(kept)}
        n = len(texts)
        self.idf = np.array([np.log((n + 1) / (df[g] + 1)) + 1.0 for g in kept], np.float32)
        X = sp.vstack(forked_map(self.rows, chunks, workers), format="csr", dtype=np.float32)
        k = min(self.k, X.shape[1] - 1, X.shape[0] - 1)
        if k < 1:
            return self
        from sklearn.decomposition import TruncatedSVD

        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(X)
        self.projection = np.ascontiguousarray(svd.components_.T, dtype=np.float32)
        return self

    def document_frequencies(self, texts: Sequence[str]) -> Counter:
        """In how many of ``texts`` each n-gram occurs."""
        df: Counter = Counter()
        for text in texts:
            df.update(self.grams(text).keys())
        return df

    def rows(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts`` over the fitted n-grams (L2-normalised)."""
        return self._tfidf([self.grams(t) for t in texts])

    def _tfidf(self, bags: Sequence[Counter]) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        vocab = self.vocabulary
        table, top = LOG_TF, len(LOG_TF)
        for r, bag in enumerate(bags):
            for g, c in bag.items():
                col = vocab.get(g)
                if col is not None:
                    rows.append(r)
                    cols.append(col)
                    vals.append(table[c] if c < top else 1.0 + np.log(c))
        X = sp.csr_matrix(
            (np.asarray(vals, np.float32), (rows, cols)), shape=(len(bags), len(vocab))
        )
        X = X.multiply(self.idf[None, :]).tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(X.multiply(1.0 / norms[:, None]), dtype=np.float32)

    def transform(self, texts: Sequence[str], workers: int = 1) -> np.ndarray:
        """L2-normalised latent vectors of ``texts`` (n × dim, float32); with ``workers`` > 1,
        chunks of 4,096 texts are projected in that many processes forked now (the n-grams
        are pure Python: 37 s of one core for the fit of the 100k world)."""
        n = len(texts)
        if not self.fitted or n == 0:
            return np.zeros((n, self.dim), np.float32)
        if n > _CHUNK:
            chunks = [texts[i : i + _CHUNK] for i in range(0, n, _CHUNK)]
            return np.vstack(forked_map(self.transform, chunks, workers))
        Z = np.asarray(self.rows(texts) @ self.projection, np.float32)
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (Z / norms).astype(np.float32)


#: Texts per chunk of the fit and of ``transform`` (one pool task; bounded memory).
_CHUNK = 4096


_RUNS = re.compile(r"[\u4e00-\u9fff]+|[a-z]+")


def lexicon_documents(lexicon: Lexicon) -> list[str]:
    """One text per synonym group and per topic (the lexicon's known co-occurrences)."""
    docs = [" ".join(group) for group in lexicon.synonyms if len(group) >= 2]
    docs += [" ".join(topic.terms) for topic in lexicon.topics if len(topic.terms) >= 2]
    return docs


def semantic_cosines(Z: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Cosines of the rows of ``Z`` (n × d) with one vector ``z`` (d); zeros when d = 0."""
    if Z.shape[1] == 0 or z.shape[-1] == 0:
        return np.zeros(Z.shape[0], np.float32)
    return np.asarray(Z @ z.reshape(-1), dtype=np.float32)


def semantic_cosines_many(Z: np.ndarray, Zq: np.ndarray) -> np.ndarray:
    """:func:`semantic_cosines` of each row of ``Zq`` (q × d) against the rows of ``Z``: q × n,
    each row the very product that function computes. One matrix product would be 4× faster
    but rounds differently (OpenBLAS's sgemm and sgemv kernels differ in the last bit for 80 %
    of the values on an AMD EPYC), and a batch must give exactly what one query gives: 64
    rows against 100k cost 22 ms instead of 5."""
    out = np.zeros((Zq.shape[0], Z.shape[0]), np.float32)
    if Z.shape[1] == 0 or Zq.shape[-1] == 0:
        return out
    for i in range(Zq.shape[0]):
        out[i] = semantic_cosines(Z, Zq[i])
    return out


def fuse(
    lexical: np.ndarray, semantic: np.ndarray, weight: float, floor: float, mode: str = "add"
) -> np.ndarray:
    """The text cosine of pairs from the lexical and semantic cosines (float32): ``add``
    = lexical + weight × max(0, semantic − floor); ``max`` = the larger of the two terms."""
    if weight <= 0:
        return lexical
    if (
        lexical.dtype != np.float32
        or semantic.dtype != np.float32
        or lexical.shape != semantic.shape
    ):
        extra = np.float32(weight) * np.maximum(semantic - np.float32(floor), 0.0)
        fused = np.maximum(lexical, extra) if mode == "max" else lexical + extra
        return fused.astype(np.float32)
    # one new array, the steps in place (the same values): each temporary of a chunk × 100k
    # block was a fresh 25 MB mapping, zeroed page by page
    extra = semantic - np.float32(floor)
    np.maximum(extra, 0.0, out=extra)
    extra *= np.float32(weight)
    if mode == "max":
        return np.maximum(lexical, extra, out=extra)
    return np.add(lexical, extra, out=extra)
