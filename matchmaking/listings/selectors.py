"""Reads for needs and offerings: list pages, details, moderation queue, comparison.

Every read starts from the models' ``visible_to(user)`` scope (models.py); this module only
narrows, orders and counts.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.extensions import ExtensionPoint
from matchmaking.core.memo import BoundedMemo
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.listings import revisions, scoping
from matchmaking.listings.caching import cached
from matchmaking.listings.choices import (
    NeedStatus,
    OfferingStatus,
    RevisionStatus,
)
from matchmaking.listings.fields import TERM_FIELDS
from matchmaking.listings.models import ListingRevision, Need, Offering, OfferingScreenshot
from matchmaking.taxonomy.selectors import active_terms

QUEUE_LIMIT = 200  # oldest first; the rest follow as these are handled
MAX_COMPARE = 4
MIN_COMPARE = 2


# --- who is named -----------------------------------------------------------------------


def may_see_poster(need: Need, user) -> bool:
    """Whether ``user`` may learn which organization posted ``need`` (``scoping.poster_naming``)."""
    return scoping.poster_naming(user).holds(need)


def need_poster_name(need: Need, user) -> str:
    """The poster's name as ``user`` may see it — the only place that decides it.

    Anonymous needs show "Anonymous enterprise" to everyone but the poster's members and admins.
    """
    if may_see_poster(need, user):
        return need.organization.display_name
    return _("Anonymous enterprise")


# --- lists ------------------------------------------------------------------------------


def offering_list_queryset(user) -> QuerySet:
    """Browse: published offerings (a subset of what everyone may see), ready for rows."""
    return (
        Offering.objects.visible_to(user)
        .published()
        .select_related("organization", "kind", "layer")
        .prefetch_related("sectors", "app_types", "deployment_modes")
    )


def need_list_queryset(user) -> QuerySet:
    """Browse: open needs this user may see (public, anonymous, their own, private ones
    shown to their organization)."""
    return (
        Need.objects.visible_to(user)
        .open()
        .select_related("organization")
        .prefetch_related("sectors", "app_types", "deployment_modes")
    )


def _with_revision_state(queryset: QuerySet) -> QuerySet:
    """Annotate ``has_pending_revision`` (changes waiting for review)."""
    pending = ListingRevision.objects.pending()
    field = "offering" if queryset.model is Offering else "need"
    return queryset.annotate(has_pending_revision=Exists(pending.filter(**{field: OuterRef("pk")})))


def my_offerings(user) -> QuerySet:
    return _with_revision_state(
        Offering.objects.editable_by(user)
        .select_related("kind", "layer", "organization")
        .order_by("-updated_at", "-pk")
    )


def my_needs(user) -> QuerySet:
    return _with_revision_state(
        Need.objects.editable_by(user)
        .select_related("organization")
        .prefetch_related("sectors")
        .order_by("-updated_at", "-pk")
    )


# --- revisions --------------------------------------------------------------------------


def revision_state(listing, user) -> dict:
    """What ``user`` may learn about the listing's proposed changes: the pending revision
    with its diff, or the last declined one (with the reason) when nothing is pending.
    Empty for anyone but the listing's members and platform admins."""
    if getattr(listing, "has_revisions", None) is False:  # with_revision_mark: none at all
        return {}
    field = "offering" if isinstance(listing, Offering) else "need"
    scope = ListingRevision.objects.visible_to(user).filter(**{field: listing.pk})
    # A pending revision is always the newest one not withdrawn (one per listing at a time).
    revision = scope.exclude(status=RevisionStatus.WITHDRAWN).order_by("-created_at", "-pk").first()
    if revision is None or revision.status not in (
        RevisionStatus.PENDING,
        RevisionStatus.REJECTED,
    ):
        return {}
    return {"revision": revision, "diff": revision_diff(revision, listing=listing)}


def revision_diff(revision: ListingRevision, *, listing=None) -> list[dict]:
    """Field-by-field rows (old → new). A pending revision is compared with the live listing
    as it is now; a decided one with the values it replaced."""
    listing = listing or revision.listing
    previous = revisions.snapshot(listing) if revision.is_pending else revision.previous
    return revisions.diff_rows(listing, revision.changes, previous)


def revision_detail_queryset() -> QuerySet:
    return ListingRevision.objects.select_related(
        "organization", "offering", "need", "proposed_by", "decided_by"
    ).prefetch_related("screenshots")


def pending_revisions_for_review(user) -> list[ListingRevision]:
    """Pending revisions of live listings, oldest first, with their diffs attached."""
    rows = list(
        revision_detail_queryset()
        .moderatable_by(user)
        .pending()
        .filter(Q(offering__status=OfferingStatus.PUBLISHED) | Q(need__status=NeedStatus.OPEN))
        .order_by("updated_at", "pk")[:QUEUE_LIMIT]
    )
    for revision in rows:
        revision.diff = revision_diff(revision)
    return rows


# --- details ----------------------------------------------------------------------------


def with_viewer_can_edit(queryset: QuerySet, user) -> QuerySet:
    """Annotate ``viewer_can_edit``: whether ``user`` may change the row, as the models'
    ``editable_by`` scope decides (``scoping.editing``), answered inside the same query (no
    second round trip) by the rule's condition on the row itself — no subquery to build."""
    rule = scoping.editing(user)
    if not rule.clauses:
        return queryset.annotate(viewer_can_edit=Value(False, output_field=BooleanField()))
    return queryset.annotate(
        viewer_can_edit=ExpressionWrapper(rule.q(), output_field=BooleanField())
    )


def with_revision_mark(queryset: QuerySet) -> QuerySet:
    """Annotate ``has_revisions``: whether any revision was ever proposed for the row, inside
    the same query. When none was, :func:`revision_state` is empty for every viewer and
    skips its own query (a listing's page asks on every view of its members)."""
    field = "offering" if queryset.model is Offering else "need"
    return queryset.annotate(
        has_revisions=Exists(ListingRevision.objects.filter(**{field: OuterRef("pk")}))
    )


def offering_detail_queryset() -> QuerySet:
    """An offering with everything its full display reads (the API, the comparison)."""
    return Offering.objects.select_related("organization", "kind", "layer").prefetch_related(
        *TERM_FIELDS,
        Prefetch("screenshots", queryset=OfferingScreenshot.objects.order_by("order", "pk")),
    )


def offering_page_queryset() -> QuerySet:
    """The offering page's row read: the offering and its vendor, nothing more to build or
    join. ``attach_terms(offering, screenshots=True)`` then gives it its kind and layer (from
    the taxonomy cache), its terms and its screenshots with ONE query."""
    return Offering.objects.select_related("organization")


need_page_annotations = ExtensionPoint(
    "listings.need_page_annotations",
    "f(user) -> {name: expression}: a value a higher floor's panel on a need's page shows, "
    "annotated on the page's one read of the need (no round trip of its own)",
)


def with_page_annotations(queryset: QuerySet, user) -> QuerySet:
    """The need page's read with every registered :data:`need_page_annotations`."""
    extra = {}
    for provider in need_page_annotations.providers():
        extra.update(provider(user))
    return queryset.annotate(**extra) if extra else queryset


def need_detail_queryset(*, with_terms: bool = True) -> QuerySet:
    queryset = Need.objects.select_related("organization")
    return queryset.prefetch_related(*TERM_FIELDS) if with_terms else queryset


def need_page_queryset(user) -> QuerySet:
    """A need's page's one read, for ``user``: the need and its poster, whether the viewer
    may edit it, whether it ever had a revision (for a viewer who may see that), its term
    links (:class:`TermLinks`) and every registered page annotation. :func:`attach_terms`
    then gives it its terms without a query."""
    queryset = with_viewer_can_edit(need_detail_queryset(with_terms=False), user).annotate(
        **{TERM_LINKS: TermLinks(Need)}
    )
    if scoping.editing(user).clauses or is_platform_admin(user):
        # Only a viewer who may edit the need or moderate it is shown its revision state
        # (``revision_state``); for everyone else the subquery would cost its building
        # (0.2 ms of an anonymous page's 0.7 ms read) and never be read.
        queryset = with_revision_mark(queryset)
    return with_page_annotations(queryset, user)


#: The need page's read, scoped to its viewer, built once per viewer class (see
#: :func:`need_page_read`); at most 512 kept (a read is ~24 KB, so at most ~12 MB per
#: process; a process serves far fewer organizations at a time).
_need_page_reads = BoundedMemo(512)


def need_page_read(user) -> QuerySet:
    """:func:`need_page_queryset` restricted to the needs ``user`` may see
    (``Need.objects.visible_to``): a fresh clone on every call of a read built once per
    viewer class in this process.

    Everything the read holds for a viewer follows from their organization and whether they
    are a platform admin (the scoping rules, the page annotations, the revision mark), and
    from the registered providers; those make the key. Building it (the visibility rule, the
    annotations and their subqueries resolved) took about a quarter of a signed-in need
    page's CPU; cloning it takes a few microseconds. Nothing of a viewer's *data* is kept:
    the read is lazy, and the private needs shown to an organization stay a subquery
    answered by the database on each page."""
    key = (
        user_organization_id(user),
        is_platform_admin(user),
        tuple(scoping.private_need_audience.providers()),
        tuple(need_page_annotations.providers()),
    )
    read = _need_page_reads.get_or_compute(key, lambda: need_page_queryset(user).visible_to(user))
    return read.all()


#: The annotation that carries a listing's term links (:class:`TermLinks`).
TERM_LINKS = "term_links"


class TermLinks(Expression):
    """A listing's sector, application-type and deployment-mode links as one string column
    of its own row, ``"0:4,1:12,2:3"`` (index in ``TERM_FIELDS`` : term id), NULL without
    links: a correlated subquery over the three link tables (the branches
    :func:`_read_link_rows` reads), so the links come in the row's round trip.
    ``string_agg`` on PostgreSQL, ``group_concat`` on SQLite; the link tables'
    ``(listing, term)`` unique indexes answer it."""

    output_field = CharField()

    def __init__(self, model):
        super().__init__(output_field=self.output_field)
        self.model = model

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        outer = f"{quote(self.model._meta.db_table)}.{quote(self.model._meta.pk.column)}"
        fields = [self.model._meta.get_field(name) for name in TERM_FIELDS]
        branches = " UNION ALL ".join(
            _link_branch(quote, index, field, owner=outer, link="'{index}:' || {term} AS link")
            for index, field in enumerate(fields)
        )
        aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
        return f"(SELECT {aggregate}(links.link, ',') FROM ({branches}) links)", []


def _parsed_term_links(value: str | None) -> list[tuple[int, int]]:
    if not value:
        return []
    return [tuple(int(part) for part in link.split(":")) for link in value.split(",")]


#: The screenshot fields a page shows; the timestamps stay deferred (read if ever used).
SCREENSHOT_FIELDS = ("id", "offering_id", "image", "thumbnail", "caption", "order")


def attach_terms(listing: Need | Offering, *, screenshots: bool = False) -> None:
    """Give one need or offering its sectors, application types and deployment modes as
    ``prefetch_related`` would (``listing.sectors.all()`` then reads no more), from ONE query
    over the three link tables instead of three queries joining the term tables — or none,
    when the listing was read with its links (the :class:`TermLinks` annotation: a need's
    page, ``need_page_queryset``).

    The terms come from the per-process taxonomy cache (``taxonomy.selectors.active_terms``);
    a linked term that is no longer active is read from the database. An offering's kind and
    layer, when not read with it, come from the same cache (a retired one is read on first
    use, as Django reads any foreign key). ``screenshots=True`` (offerings): its screenshots
    ride along in the same query (``offering.screenshots.all()``, in their order, reads no
    more). Plain SQL: an ORM UNION of the three costs more to build than the page's whole
    taxonomy.
    """
    model = type(listing)
    fields = [model._meta.get_field(name) for name in TERM_FIELDS]
    if TERM_LINKS in listing.__dict__ and not screenshots:  # read with the row
        rows = _parsed_term_links(listing.__dict__[TERM_LINKS])
    else:
        rows = _read_link_rows(listing, fields, screenshots=screenshots)
    prefetched = listing.__dict__.setdefault("_prefetched_objects_cache", {})
    for index, field in enumerate(fields):
        term_model = field.related_model
        ids = {row[1] for row in rows if row[0] == index}
        terms = [term for term in active_terms(term_model) if term.pk in ids]
        missing = ids - {term.pk for term in terms}
        if missing:
            terms = sorted(
                [*terms, *term_model.objects.filter(pk__in=missing)],
                key=lambda term: (term.order, term.code),
            )
        # Filtered to the linked ids so that a queryset derived from it (values_list,
        # filter, count) reads the listing's terms, not every term; the result cache
        # answers .all() and iteration without a query.
        prefetched[field.name] = _answered(term_model, terms, pk__in=sorted(ids))
    _attach_single_terms(listing)
    if screenshots:
        found = [
            OfferingScreenshot.from_db(
                listing._state.db or DEFAULT_DB_ALIAS, SCREENSHOT_FIELDS, row[1:]
            )
            for row in rows
            if row[0] == len(fields)
        ]
        found.sort(key=lambda shot: (shot.order, shot.pk))  # the model's ordering
        for shot in found:
            OfferingScreenshot.offering.field.set_cached_value(shot, listing)
        prefetched["screenshots"] = _answered(OfferingScreenshot, found, offering_id=listing.pk)


def _link_branch(quote, index: int, field, *, owner: str, link=None, columns: str = "") -> str:
    """One link table's branch of the unions that read a listing's links: ``SELECT index,
    term id … WHERE listing = owner`` (``link``: how the two make one column instead, e.g.
    ``"'{index}:' || {term}"``; ``columns``: more columns after them)."""
    term = quote(field.m2m_reverse_name())
    selected = f"{index}, {term}" if link is None else link.format(index=index, term=term)
    return (
        f"SELECT {selected}{columns} "
        f"FROM {quote(field.remote_field.through._meta.db_table)} "
        f"WHERE {quote(field.m2m_column_name())} = {owner}"
    )


def _read_link_rows(listing: Need | Offering, fields, *, screenshots: bool) -> list[tuple]:
    """The listing's links (and, for an offering, its screenshots) in ONE query: rows of
    ``(field index, term id)``, screenshot rows ``(len(fields), *SCREENSHOT_FIELDS)``."""
    database = connections[listing._state.db or DEFAULT_DB_ALIAS]
    quote = database.ops.quote_name
    shots = OfferingScreenshot._meta
    # Typed NULLs: PostgreSQL types a UNION column from its first branch, and an untyped
    # NULL there is text, which the screenshots' integer columns then cannot match.
    padding = (
        "".join(
            f", CAST(NULL AS {shots.get_field(name).cast_db_type(database)})"
            for name in SCREENSHOT_FIELDS[1:]
        )
        if screenshots
        else ""
    )
    branches = [
        _link_branch(quote, index, field, owner="%s", columns=padding)
        for index, field in enumerate(fields)
    ]
    if screenshots:
        columns = ", ".join(quote(shots.get_field(name).column) for name in SCREENSHOT_FIELDS)
        branches.append(
            f"SELECT {len(fields)}, {columns} FROM {quote(shots.db_table)} "
            f"WHERE {quote(shots.get_field('offering').column)} = %s"
        )
    with database.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), [listing.pk] * len(branches))
        return cursor.fetchall()


def _answered(model, rows: list, **lookups) -> QuerySet:
    """``model.objects.filter(**lookups)`` holding ``rows`` as its result, as a prefetch
    leaves it. The filter is built only when a query is derived from it (the way Django's
    related managers defer theirs): most pages only iterate."""
    queryset = model._default_manager.all()
    queryset._defer_next_filter = True
    queryset = queryset.filter(**lookups)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


def _attach_single_terms(listing) -> None:
    """An offering's kind and layer from the taxonomy cache, unless already read; one no
    longer active is left to Django (read on first use)."""
    if not isinstance(listing, Offering):
        return
    for name in ("kind", "layer"):
        field = Offering._meta.get_field(name)
        term_id = getattr(listing, field.attname)
        if term_id is None or field.is_cached(listing):
            continue
        term = next((t for t in active_terms(field.related_model) if t.pk == term_id), None)
        if term is not None:
            field.set_cached_value(listing, term)


def offerings_to_compare(user, ids: list[int]) -> list[Offering]:
    """Up to MAX_COMPARE visible offerings, in the order asked for."""
    wanted = list(dict.fromkeys(ids))[:MAX_COMPARE]
    visible = Offering.objects.visible_to(user).filter(pk__in=wanted).values("pk")
    rows = {offering.pk: offering for offering in offering_detail_queryset().filter(pk__in=visible)}
    return [rows[pk] for pk in wanted if pk in rows]


# --- lifecycle and moderation ------------------------------------------------------------


def needs_expiring_soon(days: int, *, today=None) -> QuerySet:
    """Open needs that expire within ``days`` and whose poster has not been warned yet."""
    today = today or timezone.localdate()
    return (
        Need.objects.open()
        .filter(
            expires_on__isnull=False,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
            expiry_warned_at__isnull=True,
        )
        .select_related("organization", "created_by")
    )


def moderation_queue(user) -> dict:
    """Pending offerings, open needs not yet reviewed, flagged near-duplicates, and offerings
    the hype detector flagged (superlatives, buzzword piles, tag stuffing)."""
    offerings = (
        Offering.objects.moderatable_by(user)
        .awaiting_review()
        .select_related("organization", "kind", "near_duplicate_of")
        .order_by("updated_at", "pk")
    )
    needs = (
        Need.objects.moderatable_by(user)
        .awaiting_review()
        .select_related("organization")
        .order_by("published_at", "pk")
    )
    duplicates = (
        Offering.objects.moderatable_by(user)
        .filter(near_duplicate_of__isnull=False)
        .exclude(status__in=[OfferingStatus.ARCHIVED, OfferingStatus.HIDDEN])
        .select_related("organization", "near_duplicate_of")
        .order_by("-updated_at", "-pk")
    )
    hype = (
        Offering.objects.moderatable_by(user)
        .exclude(hype_flags=[])
        .exclude(status__in=[OfferingStatus.ARCHIVED, OfferingStatus.HIDDEN])
        .select_related("organization")
        .order_by("-updated_at", "-pk")
    )
    return {
        "offerings": offerings[:QUEUE_LIMIT],
        "needs": needs[:QUEUE_LIMIT],
        "duplicates": duplicates[:QUEUE_LIMIT],
        "hype": hype[:QUEUE_LIMIT],
        "revisions": pending_revisions_for_review(user),
    }


def home_figures() -> dict:
    return cached(
        "home",
        {},
        lambda: {
            "offerings": Offering.objects.published().count(),
            "needs": Need.objects.public().count(),
        },
    )


def latest_offerings(limit: int = 6) -> list[Offering]:
    return list(
        Offering.objects.published()
        .select_related("organization", "kind")
        .order_by("-published_at", "-pk")[:limit]
    )
