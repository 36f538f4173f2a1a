"""Who may see which needs and offerings, and who is named as a need's poster — decided once.

Each decision is a :class:`Rule`: rows matching any of its clauses, a clause being field
lookups that must all hold (``field`` or ``field__in``). The rule is written once, here, and
read three ways:

* ``rule.q()`` — a ``Q`` for the SQL querysets (``Need.objects.visible_to`` …);
* ``rule.mask(columns)`` — a boolean row mask over an in-memory browse index
  (``browse.index.NeedIndex.scope_mask``), whose columns are named like the model's fields;
* ``rule.holds(obj)`` — for one object already read (``may_see_poster``).

Private needs: a higher floor (connections) names, per organization, the private needs its
members may read, by registering into :data:`private_need_audience` from its ``ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

import numpy as np
from django.db.models import Q

from matchmaking.core.extensions import ExtensionPoint
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings.choices import NeedStatus, NeedVisibility, OfferingStatus

private_need_audience = ExtensionPoint(
    "listings.private_need_audience",
    "f(org_id) -> ids of the private needs the members of organization org_id may read "
    "(an iterable of ids; a QuerySet of ids is kept lazy: a subquery in the SQL rule)",
)

SHARED_VISIBILITIES = (NeedVisibility.PUBLIC, NeedVisibility.ANONYMOUS)
NAMED_VISIBILITIES = tuple(v for v in NeedVisibility.values if v != NeedVisibility.ANONYMOUS)


def private_need_audiences(org_id: int) -> list:
    """Each registered provider's ids of the private needs shown to organization ``org_id``,
    as the provider gives them (a QuerySet stays lazy: a subquery in the SQL rule)."""
    return [provider(org_id) for provider in private_need_audience.providers()]


def private_need_ids_for(org_id: int) -> list[int]:
    """The private needs shown to organization ``org_id`` (every registered provider's)."""
    return [pk for audience in private_need_audiences(org_id) for pk in audience]


@dataclass(frozen=True)
class Rule:
    """Rows matching any of ``clauses``; ``everything``: every row (no clause consulted)."""

    clauses: tuple[dict, ...] = ()
    everything: bool = False

    def q(self) -> Q:
        if self.everything:
            return Q()
        if not self.clauses:
            return Q(pk__in=[])
        return reduce(or_, (Q(**clause) for clause in self.clauses))

    def mask(self, column: Callable[[str], np.ndarray], size: int) -> np.ndarray | None:
        """Rows of an index holding the rule (None: all of them); ``column(field)`` is the
        index's column of that model field (one value per row)."""
        if self.everything:
            return None
        result = np.zeros(size, dtype=bool)
        for clause in self.clauses:
            holds = np.ones(size, dtype=bool)
            for lookup, value in clause.items():
                field, wanted = _values(lookup, value)
                holds &= np.isin(column(field), np.asarray(wanted))
            result |= holds
        return result

    def holds(self, obj) -> bool:
        if self.everything:
            return True
        return any(
            all(
                getattr(obj, field) in wanted
                for field, wanted in (_values(lookup, value) for lookup, value in clause.items())
            )
            for clause in self.clauses
        )


def _values(lookup: str, value) -> tuple[str, list]:
    """(field, accepted values) of ``field=value`` or ``field__in=values``."""
    if lookup.endswith("__in"):
        return lookup[: -len("__in")], list(value)
    return lookup, [value]


# --- the decisions ----------------------------------------------------------------------------


def _viewer_rule(user, everyone: dict, also=None) -> Rule:
    """Admins: everything. Others: the rows matching ``everyone``, and, for a member of an
    organization, that organization's own rows and the clauses ``also(org_id)``."""
    if is_platform_admin(user):
        return Rule(everything=True)
    clauses = [everyone]
    org_id = user_organization_id(user)
    if org_id is not None:
        clauses.append({"organization_id": org_id})
        clauses.extend(also(org_id) if also else ())
    return Rule(tuple(clauses))


def need_visibility(user) -> Rule:
    """Needs ``user`` may see:

    * everyone: open needs that are public or anonymous (an anonymous poster is not named,
      see :func:`poster_naming`);
    * members of the posting organization: all of its needs, in every status;
    * members of an organization a private need was shown to (:data:`private_need_audience`):
      that need while it is open;
    * platform admins: everything (they moderate, they do not edit).
    """

    def shown_private_needs(org_id):
        # One clause per provider, its ids as given: a provider's QuerySet stays a subquery
        # of the SQL (no query of its own on a need's page); masks and holds() read it once.
        return [
            {"status": NeedStatus.OPEN, "visibility": NeedVisibility.PRIVATE, "pk__in": audience}
            for audience in private_need_audiences(org_id)
        ]

    everyone = {"status": NeedStatus.OPEN, "visibility__in": SHARED_VISIBILITIES}
    return _viewer_rule(user, everyone, shown_private_needs)


def offering_visibility(user) -> Rule:
    """Offerings ``user`` may see: published ones; all of the viewer's vendor's; admins all."""
    return _viewer_rule(user, {"status": OfferingStatus.PUBLISHED})


def editing(user) -> Rule:
    """Needs, offerings and their proposed changes ``user`` may change: their own
    organization's, for its members (platform admins moderate instead; nobody else edits)."""
    org_id = user_organization_id(user)
    return Rule(({"organization_id": org_id},)) if org_id is not None else Rule()


def poster_naming(user) -> Rule:
    """Needs whose posting organization ``user`` may learn: every need but anonymous ones,
    which are named only to the poster's members and platform admins."""
    return _viewer_rule(user, {"visibility__in": NAMED_VISIBILITIES})
