"""Optional semantic layer: embeddings from an OpenAI-compatible endpoint, cached per listing.

Off unless ``MATCHING_EMBEDDINGS_URL`` is set (then no HTTP request is ever made). When on,
the background refresh embeds the listings it ranks (``POST {URL}/embeddings`` with
``{"model", "input": [texts]}`` → ``data[i].embedding``), stores the vectors in
``ListingEmbedding`` keyed by (kind, id, model) with a hash of the text (a changed text is
embedded again), and :func:`blend` re-ranks the engine's best candidates by mixing in the cosine
similarity with weight ``MATCHING_EMBEDDINGS_WEIGHT``. Any failure of the endpoint is logged
and the engine's ranking is kept as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import ListingEmbedding

logger = logging.getLogger(__name__)

BATCH = 32
MAX_CHARS = 2000  # per text: the title and the start of the description carry the meaning


class EmbeddingError(Exception):
    pass


def enabled() -> bool:
    return bool(settings.MATCHING_EMBEDDINGS_URL)


def _model_name() -> str:
    return settings.MATCHING_EMBEDDINGS_MODEL or "default"


def request_embeddings(texts: Sequence[str]) -> list[list[float]]:
    """Call the endpoint once for ``texts``; raises EmbeddingError on any failure."""
    url = settings.MATCHING_EMBEDDINGS_URL.rstrip("/") + "/embeddings"
    body = json.dumps({"model": _model_name(), "input": list(texts)}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if settings.MATCHING_EMBEDDINGS_API_KEY:
        headers["Authorization"] = f"Bearer {settings.MATCHING_EMBEDDINGS_API_KEY}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(  # noqa: S310 - URL from settings
            request, timeout=settings.MATCHING_EMBEDDINGS_TIMEOUT
        ) as response:
            payload = json.loads(response.read().decode("utf-8"))
        data = sorted(payload["data"], key=lambda item: item.get("index", 0))
        vectors = [[float(x) for x in item["embedding"]] for item in data]
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        raise EmbeddingError(str(exc)) from exc
    if len(vectors) != len(texts):
        raise EmbeddingError(f"expected {len(texts)} embeddings, got {len(vectors)}")
    return vectors


def offering_text(offering: Offering) -> str:
    return "\n".join([offering.title, offering.summary, offering.description])[:MAX_CHARS]


def need_text(need: Need) -> str:
    return "\n".join([need.title, need.description])[:MAX_CHARS]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vectors_for(kind: str, texts_by_id: dict[int, str]) -> dict[int, list[float]]:
    """Cached vectors of listings of one kind ("need"/"offering"), embedding what is missing."""
    model = _model_name()
    cached = {
        row.object_id: row
        for row in ListingEmbedding.objects.filter(
            kind=kind, model=model, object_id__in=list(texts_by_id)
        )
    }
    out: dict[int, list[float]] = {}
    missing: list[tuple[int, str, str]] = []
    for pk, text in texts_by_id.items():
        digest = _hash(text)
        row = cached.get(pk)
        if row is not None and row.text_hash == digest:
            out[pk] = row.vector
        else:
            missing.append((pk, text, digest))
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        vectors = request_embeddings([text for _pk, text, _digest in batch])
        for (pk, _text, digest), vector in zip(batch, vectors, strict=True):
            ListingEmbedding.objects.update_or_create(
                kind=kind,
                object_id=pk,
                model=model,
                defaults={"text_hash": digest, "vector": vector},
            )
            out[pk] = vector
    return out


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def similarities(
    *, need_ids: Sequence[int], offering_ids: Sequence[int]
) -> dict[tuple[int, int], float] | None:
    """Cosine similarity of each (need, offering) pair, or None when off or failing."""
    if not enabled() or not need_ids or not offering_ids:
        return None
    needs = {n.pk: need_text(n) for n in Need.objects.filter(pk__in=list(need_ids))}
    offerings = {o.pk: offering_text(o) for o in Offering.objects.filter(pk__in=list(offering_ids))}
    try:
        need_vectors = vectors_for("need", needs)
        offering_vectors = vectors_for("offering", offerings)
    except EmbeddingError as exc:
        logger.warning("embeddings endpoint failed, ranking without it: %s", exc)
        return None
    return {
        (n, o): cosine(need_vectors[n], offering_vectors[o])
        for n in need_vectors
        for o in offering_vectors
    }


def blend_score(score: float, similarity: float) -> float:
    """Engine score (0–100) mixed with the similarity (clipped to 0–1) by the configured weight."""
    weight = min(1.0, max(0.0, settings.MATCHING_EMBEDDINGS_WEIGHT))
    return round((1 - weight) * score + weight * 100.0 * max(0.0, min(1.0, similarity)), 1)
