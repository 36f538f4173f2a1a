"""Near-duplicate offerings: the same vendor listing the same thing twice.

Character 3-gram shingles (work for Chinese without a tokenizer) compared by Jaccard
similarity; an offering whose text reaches NEAR_DUPLICATE_THRESHOLD against another of its
vendor's offerings points ``near_duplicate_of`` at it (moderators see the flag)."""

from __future__ import annotations

import re

from matchmaking.core.changes import record_changes
from matchmaking.listings.choices import OfferingStatus
from matchmaking.listings.models import Offering

NEAR_DUPLICATE_THRESHOLD = 0.8
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Character n-grams of the text without spaces and punctuation (works for Chinese)."""
    cleaned = _NON_WORD.sub("", text.lower())
    if len(cleaned) <= size:
        return frozenset([cleaned]) if cleaned else frozenset()
    return frozenset(cleaned[i : i + size] for i in range(len(cleaned) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def text_shingles(title: str, summary: str, description: str) -> frozenset[str]:
    """The shingles of an offering's text (title, summary, description), as compared here."""
    return shingles(f"{title or ''}\n{summary or ''}\n{description or ''}")


def flag_near_duplicate(offering: Offering) -> None:
    """Point ``near_duplicate_of`` at the same vendor's most similar other offering, if any
    reaches NEAR_DUPLICATE_THRESHOLD (character 3-gram Jaccard)."""
    mine = text_shingles(offering.title, offering.summary, offering.description)
    best, best_score = None, 0.0
    others = (
        Offering.objects.filter(organization_id=offering.organization_id)
        .exclude(pk=offering.pk)
        .exclude(status=OfferingStatus.ARCHIVED)
        .values_list("pk", "title", "summary", "description")
    )
    for pk, title, summary, description in others.iterator():
        score = jaccard(mine, text_shingles(title, summary, description))
        if score > best_score:
            best, best_score = pk, score
    target = best if best_score >= NEAR_DUPLICATE_THRESHOLD else None
    if offering.near_duplicate_of_id != target:
        offering.near_duplicate_of_id = target
        Offering.objects.filter(pk=offering.pk).update(near_duplicate_of_id=target)
        record_changes(Offering, [offering.pk])
