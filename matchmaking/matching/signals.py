"""What makes the matcher refresh stored suggestions: enqueue the work, never run it here.

* ``need_saved`` / ``offering_saved`` — domain events the listings services emit after every
  committed write of a listing (core/domain_events.py): refresh that listing's suggestions;
* a taxonomy term's listings changed from the term's side (the admin): refresh those listings;
* a synonym group or lexicon term changed (this app's own models): rebuild everything.

Every handler only *enqueues* a refresh (``tasks.enqueue_refresh``), so no ranking ever runs
inside the request's transaction. Bulk imports send no events: the engine catches up with them
by itself (``index.EngineHolder.sync``) and ``manage.py rebuild_suggestions`` (run after an
import) stores the new lists.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from matchmaking.core.domain_events import subscribe
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import LexiconTerm, SynonymGroup
from matchmaking.matching.tasks import enqueue_refresh

_M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}


def need_saved(*, need_id: int, created: bool) -> None:
    enqueue_refresh("need", need_id)


def offering_saved(*, offering_id: int, created: bool) -> None:
    enqueue_refresh("offering", offering_id)


def _term_listings_changed(kind: str):
    def receiver(sender, instance, action, reverse=False, pk_set=None, **kwargs) -> None:
        # A listing's own terms change through the listings services (their event covers
        # them); here a taxonomy term's listings were changed from the term's side.
        if reverse and action in _M2M_ACTIONS:
            for pk in pk_set or ():
                enqueue_refresh(kind, pk)

    return receiver


_need_terms_changed = _term_listings_changed("need")
_offering_terms_changed = _term_listings_changed("offering")


def _lexicon_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        enqueue_refresh("rebuild")


def connect() -> None:
    uid = "matching"
    subscribe("need_saved", need_saved)
    subscribe("offering_saved", offering_saved)
    # Deleted rows leave the lists by the foreign keys' cascade; the index notices the count.
    for name in ("sectors", "app_types", "deployment_modes"):
        m2m_changed.connect(
            _need_terms_changed,
            sender=getattr(Need, name).through,
            dispatch_uid=f"{uid}-need-{name}",
        )
        m2m_changed.connect(
            _offering_terms_changed,
            sender=getattr(Offering, name).through,
            dispatch_uid=f"{uid}-offering-{name}",
        )
    for model in (SynonymGroup, LexiconTerm):
        post_save.connect(
            _lexicon_changed, sender=model, dispatch_uid=f"{uid}-{model.__name__}-saved"
        )
        post_delete.connect(
            _lexicon_changed, sender=model, dispatch_uid=f"{uid}-{model.__name__}-deleted"
        )
