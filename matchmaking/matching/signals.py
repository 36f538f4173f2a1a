"""Listen to the listings (a lower floor, which cannot call us) and enqueue refreshes.

The listings services save every change through one function per action, inside a transaction;
these receivers only *enqueue* work for after the commit (``tasks.enqueue_refresh``), so no
ranking ever runs inside the request's transaction. Bulk imports write with ``bulk_create`` and
send no signals: the engine catches up with them by itself (``index.EngineHolder.sync``) and
``manage.py rebuild_suggestions`` (run after an import) stores the new lists.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from matchmaking.listings.models import Need, Offering
from matchmaking.matching.models import LexiconTerm, SynonymGroup
from matchmaking.matching.tasks import enqueue_refresh

_M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}


def _need_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        enqueue_refresh("need", instance.pk)


def _offering_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        enqueue_refresh("offering", instance.pk)


def _need_m2m(sender, instance, action, reverse=False, pk_set=None, **kwargs) -> None:
    if action not in _M2M_ACTIONS:
        return
    if reverse:  # a taxonomy term's needs changed
        for pk in pk_set or ():
            enqueue_refresh("need", pk)
    else:
        enqueue_refresh("need", instance.pk)


def _offering_m2m(sender, instance, action, reverse=False, pk_set=None, **kwargs) -> None:
    if action not in _M2M_ACTIONS:
        return
    if reverse:
        for pk in pk_set or ():
            enqueue_refresh("offering", pk)
    else:
        enqueue_refresh("offering", instance.pk)


def _lexicon_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        enqueue_refresh("rebuild")


def connect() -> None:
    uid = "matching"
    post_save.connect(_need_saved, sender=Need, dispatch_uid=f"{uid}-need-saved")
    post_save.connect(_offering_saved, sender=Offering, dispatch_uid=f"{uid}-offering-saved")
    # Deleted rows leave the lists by the foreign keys' cascade; the index notices the count.
    for name in ("sectors", "app_types", "deployment_modes"):
        m2m_changed.connect(
            _need_m2m,
            sender=getattr(Need, name).through,
            dispatch_uid=f"{uid}-need-{name}",
        )
        m2m_changed.connect(
            _offering_m2m,
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
