"""Suggested synonyms mined from the platform's own listings and cases (admin-approved).

Two words are suggested as synonyms when they are used *alike* but *instead of* each other:
their contexts (the words right before and after each occurrence, over every published need,
offering and case) are similar — cosine of positive-PMI context vectors — while the two rarely
appear in the same listing. Words that contain one another (客服 / 智能客服) are skipped: the
engine's character bigrams already link them.

``suggested_synonyms_refresh()`` (run by ``manage.py mine_synonyms``) stores new candidates as
``SuggestedSynonym`` rows awaiting review; pairs already in an active synonym group or already
reviewed are never suggested again. Nothing unapproved affects ranking: the engine reads only
``SynonymGroup``. Approving (``suggested_synonym_approve``, an action in the Django admin)
adds the pair to a group — the group holding either word, or a new one — and saving the group
triggers the usual lexicon rebuild of the index (``signals._lexicon_changed``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.cases.models import Case
from matchmaking.matching import adapters
from matchmaking.matching.engine.text import jieba_words, normalize
from matchmaking.matching.models import (
    SuggestedSynonym,
    SuggestedSynonymStatus,
    SynonymGroup,
    split_terms,
)

_WORD = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[a-z][a-z0-9+.-]{2,})$")
WINDOW = 2
MAX_VOCABULARY = 4000


@dataclass(frozen=True)
class Candidate:
    term: str
    synonym: str
    score: float
    support: int
    examples: tuple[str, ...]


def _tokens(text: str) -> list[str]:
    return [w for w in jieba_words(normalize(text)) if w.strip()]


def mine(
    texts: Sequence[str],
    *,
    min_df: int = 2,
    max_df_share: float = 0.3,
    min_similarity: float = 0.35,
    max_cooccurrence: float = 0.2,
    known: Iterable[tuple[str, str]] = (),
    top: int = 50,
) -> list[Candidate]:
    """Candidate synonym pairs of ``texts``, best first (deterministic)."""
    docs = [_tokens(t) for t in texts if t and t.strip()]
    n_docs = len(docs)
    if n_docs < 2:
        return []
    df = Counter(w for doc in docs for w in set(doc))
    max_df = max(min_df, int(max_df_share * n_docs))
    vocab = sorted(
        (w for w, c in df.items() if min_df <= c <= max_df and _WORD.match(w)),
        key=lambda w: (-df[w], w),
    )[:MAX_VOCABULARY]
    if len(vocab) < 2:
        return []
    index = {w: i for i, w in enumerate(vocab)}
    contexts: dict[str, int] = {}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for doc in docs:
        for pos, word in enumerate(doc):
            row = index.get(word)
            if row is None:
                continue
            for offset in range(1, WINDOW + 1):
                for side, at in (("L", pos - offset), ("R", pos + offset)):
                    if 0 <= at < len(doc) and doc[at] != word:
                        key = f"{side}{offset}:{doc[at]}"
                        col = contexts.setdefault(key, len(contexts))
                        counts[(row, col)] += 1
    if not counts:
        return []
    rows, cols = zip(*counts.keys(), strict=True)
    M = sp.csr_matrix(
        (np.fromiter(counts.values(), float), (rows, cols)), shape=(len(vocab), len(contexts))
    )
    # Positive PMI, then unit rows: cosine = dot product.
    total = M.sum()
    row_sum = np.asarray(M.sum(axis=1)).ravel()
    col_sum = np.asarray(M.sum(axis=0)).ravel()
    M = M.tocoo()
    pmi = np.log(M.data * total / (row_sum[M.row] * col_sum[M.col]))
    keep = pmi > 0
    P = sp.csr_matrix((pmi[keep], (M.row[keep], M.col[keep])), shape=M.shape)
    norms = np.sqrt(np.asarray(P.multiply(P).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    P = sp.diags(1.0 / norms) @ P
    sim = (P @ P.T).toarray()
    np.fill_diagonal(sim, 0.0)
    doc_sets = [set(d) for d in docs]
    known_pairs = {tuple(sorted(p)) for p in known}
    context_names = {i: k for k, i in contexts.items()}
    found = []
    for i, j in zip(*np.nonzero(np.triu(sim >= min_similarity)), strict=True):
        a, b = vocab[i], vocab[j]
        if a in b or b in a or tuple(sorted((a, b))) in known_pairs:
            continue
        both = sum(1 for s in doc_sets if a in s and b in s)
        if both > max_cooccurrence * min(df[a], df[b]):
            continue
        shared = P[i].multiply(P[j])
        best = np.argsort(-shared.toarray().ravel())[:4]
        examples = tuple(
            dict.fromkeys(context_names[c].split(":", 1)[1] for c in best if shared[0, c] > 0)
        )
        term, synonym = (a, b) if (df[a], b) >= (df[b], a) else (b, a)
        found.append(
            Candidate(term, synonym, round(float(sim[i, j]), 4), min(df[a], df[b]), examples)
        )
    found.sort(key=lambda c: (-c.score, -c.support, c.term, c.synonym))
    return found[:top]


# --- the platform's texts and the stored suggestions ------------------------------------------


def platform_texts() -> list[str]:
    """Published offerings, open needs (anonymous ones too: only words are used) and published
    cases."""

    texts = [
        "\n".join(filter(None, (o.title, o.summary, o.description, " ".join(o.tags or []))))
        for o in adapters.matchable_offerings().only("title", "summary", "description", "tags")
    ]
    texts += [
        f"{n.title}\n{n.description}"
        for n in adapters.matchable_needs().only("title", "description")
    ]
    texts += [
        "\n".join(filter(None, (c.title, c.challenge, c.solution, c.outcome)))
        for c in Case.objects.published().only("title", "challenge", "solution", "outcome")
    ]
    return texts


def known_pairs() -> set[tuple[str, str]]:
    """Pairs already in an active synonym group, or already suggested (in any status)."""
    pairs: set[tuple[str, str]] = set()
    for group in SynonymGroup.objects.filter(is_active=True):
        terms = group.term_list
        pairs.update(tuple(sorted((a, b))) for a in terms for b in terms if a != b)
    for term, synonym in SuggestedSynonym.objects.values_list("term", "synonym"):
        pairs.add(tuple(sorted((term, synonym))))
    return pairs


@transaction.atomic
def suggested_synonyms_refresh(*, top: int = 50, texts: Sequence[str] | None = None, **options):
    """Mine the platform's texts and store the new candidates (pending review)."""
    candidates = mine(
        platform_texts() if texts is None else texts, known=known_pairs(), top=top, **options
    )
    created = [
        SuggestedSynonym(
            term=c.term[:40],
            synonym=c.synonym[:40],
            score=c.score,
            support=c.support,
            examples="、".join(c.examples),
        )
        for c in candidates
    ]
    SuggestedSynonym.objects.bulk_create(created, ignore_conflicts=True)
    return candidates


@transaction.atomic
def suggested_synonym_approve(*, suggestion: SuggestedSynonym, user) -> SynonymGroup:
    """Add the pair to the active synonym group holding either word (or a new group)."""
    if suggestion.status == SuggestedSynonymStatus.APPROVED and suggestion.group_id:
        return suggestion.group
    group = next(
        (
            g
            for g in SynonymGroup.objects.filter(is_active=True).order_by("pk")
            if {suggestion.term, suggestion.synonym} & set(g.term_list)
        ),
        None,
    )
    if group is None:
        group = SynonymGroup(terms=f"{suggestion.term}, {suggestion.synonym}")
    else:
        terms = group.term_list
        terms += [t for t in (suggestion.term, suggestion.synonym) if t not in terms]
        group.terms = ", ".join(terms)
    group.full_clean()
    group.save()  # the lexicon signal rebuilds the index: it takes effect on the next refresh
    suggestion.status = SuggestedSynonymStatus.APPROVED
    suggestion.group = group
    suggestion.reviewed_by = user
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["status", "group", "reviewed_by", "reviewed_at", "updated_at"])
    return group


@transaction.atomic
def suggested_synonym_reject(*, suggestion: SuggestedSynonym, user) -> None:
    if suggestion.status == SuggestedSynonymStatus.APPROVED:
        raise ValidationError(
            _("An approved synonym is removed by editing its synonym group."), code="approved"
        )
    suggestion.status = SuggestedSynonymStatus.REJECTED
    suggestion.reviewed_by = user
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])


__all__ = [
    "Candidate",
    "mine",
    "platform_texts",
    "split_terms",
    "suggested_synonym_approve",
    "suggested_synonym_reject",
    "suggested_synonyms_refresh",
]
