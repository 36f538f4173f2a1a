"""Chinese text analysis: features for the sparse vectors, and a plain BM25 for the baseline.

A text becomes a bag of features from four families (chosen by measurement, see MEASUREMENTS.md):

* ``w:`` jieba words (jieba's default dictionary, cut by rjieba, its Rust port: no download),
* ``b:`` character bigrams of CJK runs — robust to segmentation errors and unknown words,
* ``s:`` synonym groups of the lexicon (every wording of a group gives the same feature),
* ``c:`` vocabulary topics of the lexicon (e.g. every call-centre word gives ``c:qa_call``), the
  bridge between an enterprise's business words and a vendor's marketing words.

Function words and marketing fluff (lexicon stopwords) are dropped from the first two families.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import rjieba
import scipy.sparse as sp

from .lexicon import Lexicon
from .negation import analyse_negation
from .pools import forked_map

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_HAS_WORD_CHAR = re.compile(r"[\u3400-\u9fffa-z]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")


def normalize(text: str | None) -> str:
    """NFKC (full-width → half-width) and lower case, so that ＡＩ, AI and ai are one token."""
    return unicodedata.normalize("NFKC", text or "").lower()


def char_bigrams(text: str) -> list[str]:
    """Overlapping character bigrams inside each run of CJK characters (text already normalised)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


#: Where jieba splits an ASCII token that jieba-rs keeps whole: at "-" and "_", and at a "."
#: not between two digits (gpt-4 → gpt 4, node.js → node js, qwen-72b → qwen 72b; v1.5 stays).
_ASCII_JOINER = re.compile(r"[-_]|(?<![0-9])\.|\.(?![0-9])")


def jieba_words(text: str, hmm: bool = True) -> list[str]:
    """jieba's default-mode words with at least one letter or CJK character (text already
    normalised), cut by rjieba: jieba-rs, the same dictionary and HMM in Rust, 0.017 ms a text
    against jieba's 0.37 ms and the same words (MEASUREMENTS.md, "Segmenter: rjieba")."""
    words = []
    for word in rjieba.cut(text, hmm):
        if not _HAS_WORD_CHAR.search(word):
            continue
        if word.isascii() and _ASCII_JOINER.search(word):
            words.extend(part for part in _ASCII_JOINER.split(word) if _HAS_WORD_CHAR.search(part))
        else:
            words.append(word)
    return words


_ASCII_TOKEN = re.compile(r"[a-z][a-z0-9+#.]*[a-z0-9+#]|[0-9]+[a-z][a-z0-9]*")
_dict_words: frozenset[str] | None = None


def _jieba_dictionary(min_freq: int = 3, max_len: int = 4) -> frozenset[str]:
    """CJK words of 2–``max_len`` characters from jieba's shipped dictionary (read once)."""
    global _dict_words
    if _dict_words is None:
        import jieba

        path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        words = set()
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if (
                    len(parts) >= 2
                    and 2 <= len(parts[0]) <= max_len
                    and int(parts[1]) >= min_freq
                    and _CJK_RUN.fullmatch(parts[0])
                ):
                    words.add(parts[0])
        _dict_words = frozenset(words)
    return _dict_words


def dictionary_words(text: str) -> list[str]:
    """Every dictionary word of 3–4 characters in the CJK runs (overlaps kept, like jieba's full
    mode), plus Latin/digit tokens. Two-character words are left to the bigram family.

    About 10× faster than jieba's precise mode, which matters at 100k offerings, and measured
    as good (MEASUREMENTS.md).
    """
    words = _jieba_dictionary()
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        n = len(run)
        if n >= 3:
            out.extend([g for g in [run[i : i + 3] for i in range(n - 2)] if g in words])
        if n >= 4:
            out.extend([g for g in [run[i : i + 4] for i in range(n - 3)] if g in words])
    out.extend(_ASCII_TOKEN.findall(text))
    return out


class TermMatcher:
    """Finds every lexicon term occurring in a text (overlaps allowed), in one pass.

    CJK terms are found from the bigram at each position: a head bigram that starts some term
    is rare, and then only the few term lengths of that head are tried. Terms starting with a
    Latin letter or digit need word boundaries (``ai`` must not match inside ``email``), so
    they go through one compiled regular expression.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms: set[str] = set()
        lengths: dict[str, set[int]] = {}
        ascii_terms: list[str] = []
        for term in {normalize(t) for t in terms}:
            if len(term) < 2:
                continue
            if _ASCII_ALNUM.match(term):
                ascii_terms.append(term)
            else:
                self._terms.add(term)
                lengths.setdefault(term[:2], set()).add(len(term))
        # head bigram -> the lengths of the terms starting with it (few per head)
        self._lengths = {head: tuple(sorted(ls)) for head, ls in lengths.items()}
        self._ascii_re = None
        if ascii_terms:
            parts = []
            for term in sorted(ascii_terms, key=len, reverse=True):
                tail = r"(?![a-z0-9])" if _ASCII_ALNUM.match(term[-1]) else ""
                parts.append(re.escape(term) + tail)
            self._ascii_re = re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + ")")

    def find(self, text: str) -> list[str]:
        """Terms found in ``text`` (normalised), one entry per occurrence."""
        lengths, terms = self._lengths, self._terms
        found: list[str] = []
        heads = [text[i : i + 2] for i in range(len(text) - 1)]
        for i in [i for i, h in enumerate(heads) if h in lengths]:
            for n in lengths[heads[i]]:
                if text[i : i + n] in terms:
                    found.append(text[i : i + n])
        if self._ascii_re is not None:
            # One term per position (longest first): enough for ASCII terms, rarely nested.
            found.extend(m.group(0) for m in self._ascii_re.finditer(text))
        return found


@dataclass(frozen=True)
class AnalyzerOptions:
    """Which feature families to emit (switches exist for the ablation measurements)."""

    words: bool = True
    bigrams: bool = True
    synonyms: bool = True
    concepts: bool = True
    hmm: bool = False  # measured equal quality, 25% faster
    # "jieba": jieba's precise mode; "dictionary": fast full-mode scan of jieba's dictionary
    segmenter: str = "jieba"
    # negated clauses (不需要API, 不要公有云) are no evidence; domain phrases (数据不出域) kept whole
    negation: bool = True


@dataclass
class Analysis:
    """Features of one text, plus, for explanations, the term that produced each lexicon feature."""

    features: Counter
    display: dict[str, str] = field(default_factory=dict)
    # deployment modes the text refuses (不要公有云 → public_api), and the text without its
    # negated clauses (what the features were taken from)
    forbidden_modes: frozenset[str] = frozenset()
    text: str = ""


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
        forbidden: frozenset[str] = frozenset()
        if self.options.negation:
            neg = analyse_negation(norm)
            norm, forbidden = neg.text, neg.forbidden_modes
        features: Counter = Counter()
        display: dict[str, str] = {}
        stop = self.stopwords
        if self.options.words:
            if self.options.segmenter == "jieba":
                words = jieba_words(norm, self.options.hmm)
            else:
                words = dictionary_words(norm)
            features.update(["w:" + w for w in words if len(w) >= 2 and w not in stop])
        if self.options.bigrams:
            features.update(["b:" + b for b in char_bigrams(norm) if b not in stop])
        if self.term_features:
            for term in self.matcher.find(norm):
                for feat in self.term_features.get(term, ()):
                    features[feat] += 1
                    display.setdefault(feat, term)
        return Analysis(features, display, forbidden, norm)

    def analyze_many(self, texts: Sequence[str], workers: int = 1) -> list[Analysis]:
        """Analyse many texts; with ``workers`` > 1 in a process pool (the analysis holds the GIL)."""
        if workers <= 1 or len(texts) < 5000:
            return [self.analyze(t) for t in texts]
        return forked_map(
            self.analyze, texts, workers, chunksize=max(500, len(texts) // (workers * 8))
        )


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
        log_tf, top = LOG_TF, len(LOG_TF)
        for bag in bags:
            cols = sorted((vocab[f], c) for f, c in bag.items() if f in vocab)
            indices.extend(c for c, _ in cols)
            data.extend(log_tf[c] if c < top else 1.0 + math.log(c) for _, c in cols)
            indptr.append(len(indices))
        data_a = np.asarray(data, dtype=np.float32)
        indices_a = np.asarray(indices, dtype=np.int32)
        indptr_a = np.asarray(indptr, dtype=np.int64)
        if len(data_a):
            # weights, then L2 row normalisation in plain numpy (cheap for one-row queries)
            data_a *= self.weights[indices_a]
            lengths = np.diff(indptr_a)
            sums = np.zeros(len(bags), dtype=np.float64)
            nonempty = lengths > 0
            sums[nonempty] = np.add.reduceat(
                data_a.astype(np.float64) ** 2, indptr_a[:-1][nonempty]
            )
            norms = np.sqrt(sums)
            norms[norms == 0] = 1.0
            data_a /= np.repeat(norms, lengths).astype(np.float32)
        return sp.csr_matrix((data_a, indices_a, indptr_a), shape=(len(bags), len(vocab)))


#: ``1 + log(count)`` of a feature's count in one text (sublinear tf), looked up for counts
#: below 256: the same values as the call (which made them), without a call per feature
#: (14.5M of them at 100k offerings). Read by the vectorizer and the semantic model.
LOG_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 256)]


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
