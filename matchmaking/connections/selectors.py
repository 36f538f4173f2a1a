"""Reads for connections: inbox, names and contacts as a given viewer may see them, the
organizations' response figures, and the disclosure hooks registered with lower floors."""

from __future__ import annotations

from statistics import median

from django.db.models import Count, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from matchmaking.accounts.models import Organization
from matchmaking.connections.choices import (
    DISCLOSED_STATES,
    ConnectionKind,
    ConnectionState,
)
from matchmaking.connections.models import Connection
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings.models import Need, Offering

# --- Sides, names and contacts ------------------------------------------------------------


#: The attribute :func:`need_page_connection_total` gives a need read for its page.
NEED_PAGE_CONNECTION_TOTAL = "connection_total"


def viewer_side(connection: Connection, user) -> str | None:
    """ "initiator", "receiver", or None (admins and anyone else)."""
    org_id = user_organization_id(user)
    if org_id is None:
        return None
    if org_id == connection.initiator_org_id:
        return "initiator"
    if org_id == connection.receiver_org_id:
        return "receiver"
    return None


def counterpart_org(connection: Connection, org_id: int | None) -> Organization:
    if org_id == connection.receiver_org_id:
        return connection.initiator_org
    return connection.receiver_org


def _enterprise_hidden(connection: Connection) -> bool:
    """An anonymous need's enterprise stays unnamed to the vendor until acceptance."""
    need = connection.need
    return need is not None and need.is_anonymous and connection.state not in DISCLOSED_STATES


def party_name(
    connection: Connection,
    organization: Organization,
    viewer_org_id: int | None,
    *,
    admin: bool = False,
) -> str:
    """`organization`'s name as a member of `viewer_org_id` may see it on this connection."""
    if admin or organization.pk == viewer_org_id:
        return organization.display_name
    if (
        connection.need is not None
        and organization.pk == connection.need.organization_id
        and _enterprise_hidden(connection)
    ):
        return _("An anonymous enterprise")
    return organization.display_name


def counterpart_name_for_org(connection: Connection, org_id: int | None) -> str:
    return party_name(connection, counterpart_org(connection, org_id), org_id)


def connection_counterpart_name(connection: Connection, viewer) -> str:
    """The other side's name as `viewer` may see it (admins: the receiver's real name)."""
    org_id = user_organization_id(viewer)
    if is_platform_admin(viewer) and viewer_side(connection, viewer) is None:
        return party_name(connection, connection.receiver_org, org_id, admin=True)
    return counterpart_name_for_org(connection, org_id)


def counterpart_contacts(connection: Connection, viewer) -> Organization | None:
    """The counterpart organization when `viewer` may read its private contacts, else None.

    Goes through the accounts scope (`contacts_visible_to`), which this app feeds with
    `accepted_counterpart_ids`, so every page agrees on who sees what.
    """
    side = viewer_side(connection, viewer)
    if side is None and not is_platform_admin(viewer):
        return None
    org_id = user_organization_id(viewer)
    other = counterpart_org(connection, org_id) if side else connection.receiver_org
    if other is None:
        return None
    if Organization.objects.contacts_visible_to(viewer).filter(pk=other.pk).exists():
        return other
    return None


# --- Disclosure hooks (registered from apps.py) ------------------------------------------


def accepted_counterpart_ids(org_id: int) -> set[int]:
    """Organizations that `org_id` has an accepted (or later) connection with, both ways."""
    disclosed = Connection.objects.filter(state__in=DISCLOSED_STATES)
    started = disclosed.filter(initiator_org_id=org_id).values_list("receiver_org_id", flat=True)
    received = disclosed.filter(receiver_org_id=org_id).values_list("initiator_org_id", flat=True)
    return set(started) | set(received)


def contacted_need_ids(vendor_org_id: int) -> QuerySet:
    """Needs a vendor organization may see because of a connection with their enterprise:
    a request tied to the need sent to one of its offerings, or any connection about it.
    The ids as a lazy QuerySet: the listings' scope makes it a subquery of its SQL."""
    return (
        Connection.objects.filter(need__isnull=False)
        .involving(vendor_org_id)
        .order_by()
        .values_list("need_id", flat=True)
    )


def visible_listings(model_name: str, user):
    """Offerings or needs the user may see (the listings scope, listings/scoping.py)."""

    model = Offering if model_name == "offering" else Need
    return model.objects.visible_to(user)


# --- Lists ------------------------------------------------------------------------------


def connection_list(*, user, box: str = "received", state: str = "", kind: str = ""):
    org_id = user_organization_id(user)
    queryset = Connection.objects.visible_to(user).select_related(
        "offering", "need", "initiator_org", "receiver_org", "initiated_by"
    )
    if org_id is not None:
        if box == "sent":
            queryset = queryset.filter(initiator_org_id=org_id)
        else:
            queryset = queryset.filter(receiver_org_id=org_id)
    if state in ConnectionState.values:
        queryset = queryset.filter(state=state)
    if kind in ConnectionKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


def existing_open_connection(*, kind: str, offering=None, need=None, org_id: int | None):
    if org_id is None:
        return None
    queryset = Connection.objects.open().filter(kind=kind, initiator_org_id=org_id)
    if kind == ConnectionKind.REQUEST:
        queryset = queryset.filter(offering=offering)
    else:
        queryset = queryset.filter(need=need)
    # Shown on every offering/need page an enterprise/vendor opens, and usually there is none:
    # an existence check is the cheapest way to learn that. There is at most one (the
    # one-open-request/proposal constraints), so no ordering is needed to pick it.
    if not queryset.exists():
        return None
    return next(iter(queryset.order_by()[:1]), None)


def pending_received_count(user) -> int:
    org_id = user_organization_id(user)
    if org_id is None:
        return 0
    return Connection.objects.filter(receiver_org_id=org_id, state=ConnectionState.PENDING).count()


# --- Figures ----------------------------------------------------------------------------


def organization_response_stats(organization: Organization) -> dict:
    """Median time to first response and acceptance rate, over what it received.

    The acceptance rate counts answered or expired requests (withdrawn and pending ones say
    nothing about the receiver).
    """
    received = Connection.objects.filter(receiver_org=organization)
    durations = [
        (answered - created).total_seconds()
        for created, answered in received.filter(first_response_at__isnull=False).values_list(
            "created_at", "first_response_at"
        )
    ]
    decided = received.exclude(state__in=[ConnectionState.PENDING, ConnectionState.WITHDRAWN])
    counts = decided.aggregate(
        total=Count("pk"), accepted=Count("pk", filter=Q(state__in=DISCLOSED_STATES))
    )
    total = counts["total"] or 0
    return {
        "received": received.count(),
        "answered": len(durations),
        "median_response_seconds": median(durations) if durations else None,
        "acceptance_rate": (counts["accepted"] / total) if total else None,
    }


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 1:
        return _("%(minutes)d min") % {"minutes": max(1, round(seconds / 60))}
    if hours < 48:
        return _("%(hours).1f h") % {"hours": hours}
    return _("%(days).1f days") % {"days": hours / 24}


def need_page_connection_total(user) -> dict:
    """For a need's page (``listings.need_page_annotations``): how many connections are
    about the need, read with the need — for a member of the need's own organization only
    (other viewers' read carries None: another organization's figures are never read).

    Plain SQL over the page's top-level read of the need (its table is not relabelled
    there): the ORM's Case/Subquery of the same took longer to build and compile on every
    visit (~0.45 ms) than the round trip it replaces."""
    org_id = user_organization_id(user)
    if org_id is None:
        return {}
    need, connection = Need._meta, Connection._meta
    about = connection.get_field("need").column
    return {
        NEED_PAGE_CONNECTION_TOTAL: RawSQL(
            f'CASE WHEN "{need.db_table}"."{need.get_field("organization").column}" = %s '
            f'THEN (SELECT COUNT(*) FROM "{connection.db_table}" U0 '
            f'WHERE U0."{about}" = "{need.db_table}"."{need.pk.column}") END',
            (org_id,),
            output_field=IntegerField(),
        )
    }


def state_counts(queryset) -> dict[str, int]:
    return dict(queryset.values_list("state").annotate(n=Count("pk")).order_by())


#: Grades of connection outcomes as training signals for the matcher (see matching/learning.py).
OUTCOME_GRADES = {
    ConnectionState.WON: 3,
    ConnectionState.ACCEPTED: 2,
    ConnectionState.IN_TALKS: 2,
    ConnectionState.LOST: 1,
    ConnectionState.DECLINED: 0,
}


def connection_outcomes():
    """(need id, offering id, grade) of every connection tying a need to an offering whose
    outcome says how good the pair was (pending, withdrawn and expired ones say nothing)."""
    rows = Connection.objects.filter(
        need__isnull=False, offering__isnull=False, state__in=list(OUTCOME_GRADES)
    ).values_list("need_id", "offering_id", "state")
    return [(need_id, offering_id, OUTCOME_GRADES[state]) for need_id, offering_id, state in rows]
