"""The parts of a listing's page that show nothing but the listing (``core.fragments``)."""

from __future__ import annotations

from django.utils.safestring import SafeString

from matchmaking.core.fragments import fingerprint, render_fragment
from matchmaking.core.page_cache import served_whole
from matchmaking.listings.fields import TERM_FIELDS
from matchmaking.listings.models import Need, Offering

NEED_FACTS_TEMPLATE = "listings/includes/need_facts.html"


class _Deferred:
    def __repr__(self) -> str:  # no stored value has this repr (strings repr quoted)
        return "<deferred>"


_DEFERRED = _Deferred()


def content_fingerprint(listing: Need | Offering) -> str:
    """Every stored field of the listing as read, and its terms (id, both names, in their
    order) as ``attach_terms`` gave them: whatever a fragment of its page shows changes it.
    A field left deferred by the read counts as such (and is read if a fragment uses it)."""
    loaded = listing.__dict__
    values: list = [type(listing).__name__]
    values += [
        loaded.get(field.attname, _DEFERRED) for field in type(listing)._meta.concrete_fields
    ]
    for name in TERM_FIELDS:
        terms = getattr(listing, name).all()
        values.append([(term.pk, term.name_zh, term.name_en) for term in terms])
    return fingerprint(values)


def need_facts(need: Need, request) -> SafeString:
    """The need's business problem and facts (sectors, application types, data, budget,
    deployment, compliance, deadline), rendered once per content and language — unless the
    page cache keeps ``request``'s whole page."""
    kept_under = None if served_whole(request) else content_fingerprint(need)
    return render_fragment(NEED_FACTS_TEMPLATE, {"need": need}, kept_under)
