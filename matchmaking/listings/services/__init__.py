"""Writes for needs and offerings: one function per action.

Each function is keyword-only, validates (``full_clean()`` plus the rules in each module) and
saves inside a transaction, keeps the denormalised search fields (``listings/indexing.py``),
bumps the listings cache version and emits a domain event on commit (``need_saved``,
``offering_saved``, ``revision_decided``; see ``core/domain_events.py``). Higher floors
(matching, notifications) subscribe to those events, so every change of a listing goes through
exactly one of these functions.

* ``needs`` — create, edit, publish, close, renew, expire needs;
* ``offerings`` — create, edit, submit, archive offerings, screenshots, views;
* ``moderation`` — administrators approve or hide listings and decide proposed revisions;
* ``proposals`` — edits of live listings recorded as pending revisions (docs/revisions.md);
* ``bulk`` — the import's bulk saves (no per-row events; see its docstring);
* ``common`` — taxonomy resolution, small checks, the commit announcement.

Near-duplicate detection lives in ``listings/near_duplicates.py``. Taxonomy values (sectors,
app_types, deployment_modes, kind, layer) may be given as model instances, primary keys or
codes; an unknown code is a ValidationError on that field.
"""

from matchmaking.listings.fields import NEED_FIELDS, OFFERING_FIELDS
from matchmaking.listings.near_duplicates import NEAR_DUPLICATE_THRESHOLD, jaccard, shingles
from matchmaking.listings.services.common import M2M_FIELDS, MAX_SCREENSHOTS
from matchmaking.listings.services.moderation import (
    need_approve,
    need_hide,
    offering_approve,
    offering_hide,
    revision_approve,
    revision_reject,
    revision_withdraw,
)
from matchmaking.listings.services.needs import (
    need_close,
    need_create,
    need_expire_due,
    need_mark_expiry_warned,
    need_publish,
    need_renew,
    need_update,
)
from matchmaking.listings.services.offerings import (
    offering_add_screenshots,
    offering_archive,
    offering_create,
    offering_record_view,
    offering_remove_screenshot,
    offering_submit,
    offering_update,
)
from matchmaking.listings.services.proposals import pending_revision

__all__ = [
    "M2M_FIELDS",
    "MAX_SCREENSHOTS",
    "NEAR_DUPLICATE_THRESHOLD",
    "NEED_FIELDS",
    "OFFERING_FIELDS",
    "jaccard",
    "need_approve",
    "need_close",
    "need_create",
    "need_expire_due",
    "need_hide",
    "need_mark_expiry_warned",
    "need_publish",
    "need_renew",
    "need_update",
    "offering_add_screenshots",
    "offering_approve",
    "offering_archive",
    "offering_create",
    "offering_hide",
    "offering_record_view",
    "offering_remove_screenshot",
    "offering_submit",
    "offering_update",
    "pending_revision",
    "revision_approve",
    "revision_reject",
    "revision_withdraw",
    "shingles",
]
