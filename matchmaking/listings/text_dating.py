"""When an offering's text first went live: the date the matcher's copy rule compares.

Of two offerings of different vendors with near-identical text, the matcher ranks the one
whose text went live later behind the other (``matching.engine.ranking.demote_copies``). The
date is the text's, not the listing's: a vendor who publishes a placeholder and later rewrites
it into a competitor's text must not keep the placeholder's date. So each time reviewed text
goes live (an offering approved, a revision approved), it is compared with the text the date
belongs to (``dated_text``): the same text, edited (character 3-gram Jaccard ≥
``SAME_TEXT_JACCARD``), keeps the date; anything else is new text, dated now. Edits are
measured against the dated text, not the previous one, so a chain of small rewrites adds up.
"""

from __future__ import annotations

from datetime import datetime

from matchmaking.listings.near_duplicates import jaccard, text_shingles
from matchmaking.listings.revisions import OFFERING_TEXT_FIELDS

#: 3-gram Jaccard from which an approved text is the dated text, edited. A paragraph added to
#: a listing or a sentence reworded stays above it (tests/listings/test_text_dating.py); a
#: rewrite in other words falls near 0.
SAME_TEXT_JACCARD = 0.5


def text_similarity(a: dict, b: dict) -> float:
    """Character 3-gram Jaccard of two offerings' texts (title, summary, description), as
    near-duplicates are compared."""
    return jaccard(
        *(text_shingles(*(t.get(name) for name in OFFERING_TEXT_FIELDS)) for t in (a, b))
    )


def date_live_text(offering, text: dict, *, previous: dict | None, now: datetime) -> None:
    """Set ``offering.text_since``/``dated_text`` (not saved) as ``text`` goes live after review.

    ``previous`` is the text a moderator last let go live (the live text before a revision,
    the reviewed text of an offering approved again), the baseline of an offering dated before
    this rule existed; its date is then the offering's publication."""
    dated = offering.dated_text or previous or {}
    since = offering.text_since or (offering.published_at if dated else None)
    if since is not None and dated and text_similarity(dated, text) >= SAME_TEXT_JACCARD:
        offering.text_since, offering.dated_text = since, dated
    else:
        offering.text_since, offering.dated_text = now, dict(text)
