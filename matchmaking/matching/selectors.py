"""Reads of stored suggestions for pages, scoped to what the viewer may see.

Who may read a list: a need's suggested offerings — members of the need's organization and
platform admins; an offering's matching needs (商机) — members of its vendor and admins. Needs
shown to a vendor always pass through ``Need.objects.visible_to(user)`` (the one place that
decides need visibility) and are open and unexpired; an anonymous poster's name is shown as
``need_poster_name`` decides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.urls import get_script_prefix
from django.utils.translation import get_language

from matchmaking.core.page_cache import PAGES_VERSION_KEY, read_page_versions
from matchmaking.core.permissions import is_platform_admin, user_organization_id
from matchmaking.core.shared_cache import read_versions, shared_cache
from matchmaking.listings.caching import VERSION_KEY as LISTINGS_VERSION_KEY
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.selectors import need_poster_name
from matchmaking.matching import adapters
from matchmaking.matching.engine import infer_categories
from matchmaking.matching.models import Direction, Suggestion
from matchmaking.matching.reason_texts import reason_text
from matchmaking.matching.runtime import holder
from matchmaking.matching.services import top_k
from matchmaking.taxonomy.models import ApplicationType, Sector
from matchmaking.taxonomy.selectors import VERSION_KEY as TAXONOMY_VERSION_KEY

#: Needs per page of a vendor's opportunities (商机).
OPPORTUNITIES_PER_PAGE = 25
NEED_PANEL_FIELDS = (
    "need_id",
    "direction",
    "score",
    "rank",
    "reasons",
    "offering__title",
    "offering__status",
    "offering__organization__name",
    "offering__organization__name_en",
)

OPPORTUNITIES_DEFERRED = (
    "components",
    *(
        f"{relation}__{name}"
        for relation in ("need", "offering")
        for name in ("description", "search_text", "reviewed_text", "moderation_reason")
    ),
    "need__organization__description",
    "need__organization__verification_note",
)


@dataclass
class SuggestionRow:
    suggestion: Suggestion
    met: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    poster_name: str = ""
    offerings: list[Offering] = field(default_factory=list)  # opportunities: which of ours

    @property
    def score(self) -> float:
        return self.suggestion.score

    @property
    def need(self) -> Need:
        return self.suggestion.need

    @property
    def offering(self) -> Offering:
        return self.suggestion.offering


def _row(suggestion: Suggestion, user=None, *, with_poster: bool = False) -> SuggestionRow:
    row = SuggestionRow(
        suggestion=suggestion,
        met=[reason_text(r) for r in suggestion.reasons if r.get("met")],
        missing=[reason_text(r) for r in suggestion.reasons if not r.get("met")],
    )
    if with_poster:
        row.poster_name = need_poster_name(suggestion.need, user)
    return row


def may_read_need_suggestions(need: Need, user) -> bool:
    return is_platform_admin(user) or (
        user_organization_id(user) is not None
        and user_organization_id(user) == need.organization_id
    )


def may_read_offering_suggestions(offering: Offering, user) -> bool:
    return is_platform_admin(user) or (
        user_organization_id(user) is not None
        and user_organization_id(user) == offering.organization_id
    )


def visible_open_needs(user) -> QuerySet:
    """Needs this user may see that can still be matched (open, not expired)."""
    return Need.objects.visible_to(user) & adapters.matchable_needs()


def _need_list(need: Need) -> QuerySet:
    """The stored suggestions of ``need``'s list whose offerings are live, best first."""
    # A join on the suggested offerings, not "IN (every published offering)": that made
    # SQLite materialise ~100k ids on every view of the page.
    return (
        Suggestion.objects.for_need(need)
        .filter(adapters.matchable_offerings_q("offering__"))
        .select_related("offering", "offering__organization")
        # What the panel shows (matching/panels/need_suggestions.html) — not the offerings'
        # descriptions and search text, nor the organizations' profiles.
        .only(*NEED_PANEL_FIELDS)
        .order_by("-score", "rank")[: top_k()]
    )


def need_suggestions(need: Need, user) -> list[SuggestionRow] | None:
    """The offerings suggested for ``need`` (None: this user may not read them)."""
    if not may_read_need_suggestions(need, user):
        return None
    return [_row(s) for s in _need_list(need)]


@dataclass(frozen=True)
class PanelRow:
    """One suggested offering as the need's page shows it, in plain values (cacheable)."""

    need_id: int
    offering_id: int
    score: float
    title: str
    url: str
    vendor: str
    met: tuple[str, ...]
    missing: tuple[str, ...]


#: Bounds a cached panel's life; its key carries every version that can change it.
NEED_PANEL_CACHE_SECONDS = 600
#: The data versions the rows' texts depend on. Not the insights version: it moves with
#: every suggestion written for any need, and this need's own writes move its revision.
PANEL_VERSION_KEYS = (PAGES_VERSION_KEY, LISTINGS_VERSION_KEY, TAXONOMY_VERSION_KEY)


def need_panel_key(need: Need) -> str:
    """The cache key of ``need``'s suggestions panel rows as stored now.

    What the rows show changes only with: the stored list (``need.suggestions_revision``,
    moved in the same transaction as every write of it by ``matching.services`` — read with
    the need on this request, so it is never older than the rows read after it); the
    offerings' titles and statuses and the vendors' names (tracked by the change feed: every
    commit bumps the pages version; listing services bump the listings version at once, and
    an offering's deletion that cascades its rows is such a commit); the term and reason
    texts (the taxonomy version, the language); the URLs (the script prefix). The versions
    are read in the request's one round trip (``read_page_versions``) before the rows."""
    versions = read_page_versions()  # the request's one round trip, then its memo
    stamp = ",".join(f"{key}={versions[key]}" for key in PANEL_VERSION_KEYS)
    parts = f"{get_language()}|{get_script_prefix()}|{stamp}"
    digest = hashlib.sha1(parts.encode()).hexdigest()  # noqa: S324 - a key, not a secret
    return f"matching:panel:n{need.pk}:r{need.suggestions_revision}:{digest}"


def need_panel_rows(need: Need, user) -> tuple[str, list[PanelRow]] | None:
    """The key (:func:`need_panel_key`) and rows of ``need``'s suggestions panel (None: this
    user may not read them).

    The permission is decided on every request; the rows do not depend on the viewer (the
    list is the need's, the same for each of its readers), so they are kept in the
    process's cache under :func:`need_panel_key`. Each process reads the key's parts from
    the database and the shared cache, so a write in one is seen by all on the next view."""
    if not may_read_need_suggestions(need, user):
        return None
    key = need_panel_key(need)
    rows = cache.get(key)
    if rows is None:
        rows = [
            PanelRow(
                need_id=s.need_id,
                offering_id=s.offering_id,
                score=s.score,
                title=s.offering.title,
                url=s.offering.get_absolute_url(),
                vendor=s.offering.organization.display_name,
                met=tuple(reason_text(r) for r in s.reasons if r.get("met")),
                missing=tuple(reason_text(r) for r in s.reasons if not r.get("met")),
            )
            for s in _need_list(need)
        ]
        cache.set(key, rows, timeout=NEED_PANEL_CACHE_SECONDS)
    return key, rows


def offering_suggestions(offering: Offering, user) -> list[SuggestionRow] | None:
    """The needs suggested for ``offering`` that ``user`` may see (None: not its vendor)."""
    if not may_read_offering_suggestions(offering, user):
        return None
    stored = Suggestion.objects.for_offering(offering)
    # The viewer's scope, narrowed to this list's needs first (primary-key lookups instead of
    # materialising every need the viewer may see).
    visible = visible_open_needs(user).filter(pk__in=stored.values("need_id"))
    queryset = (
        stored.filter(need__in=visible.values("pk"))
        .select_related("need", "need__organization")
        .order_by("-score", "rank")[: top_k()]
    )
    return [_row(s, user, with_poster=True) for s in queryset]


def vendor_suggestions(user) -> QuerySet:
    """The stored suggestions of open needs ``user`` may see for the published offerings of
    ``user``'s vendor (none for a viewer without an organization): what 商机 pages read."""
    org_id = user_organization_id(user)
    if org_id is None:
        return Suggestion.objects.none()
    return _vendor_lists(org_id, user)


def _vendor_lists(org_id: int, user) -> QuerySet:
    """The stored lists of the vendor's live offerings, for the open needs ``user`` may see.

    Every step starts from the vendor's own live offerings (a few ids): their suggested
    needs, narrowed to the visible open ones by primary key. "IN (every published offering)"
    and "IN (every visible open need)" made SQLite list ~100k and ~10k ids for each of the
    page's reads (118 ms a page at 100k), and with the need's rules as join conditions
    SQLite without table statistics started from every open need (4.4 s)."""
    live = Offering.objects.filter(adapters.matchable_offerings_q(), organization_id=org_id)
    lists = Suggestion.objects.filter(
        direction=Direction.FOR_OFFERING, offering_id__in=live.values("pk")
    )
    needs = visible_open_needs(user).filter(pk__in=lists.values("need_id"))
    return lists.filter(need_id__in=needs.values("pk"))


def _enterprise_lists(org_id: int) -> QuerySet:
    """The stored lists of the organization's live needs, for live offerings: its own needs
    first (a few ids), then their suggested offerings narrowed to the live ones by key — as a
    join condition, SQLite without statistics started from every published offering (294 ms
    on the load test's world)."""
    own = adapters.matchable_needs().filter(organization_id=org_id)
    lists = Suggestion.objects.filter(direction=Direction.FOR_NEED, need_id__in=own.values("pk"))
    live = adapters.matchable_offerings().filter(pk__in=lists.values("offering_id"))
    return lists.filter(offering_id__in=live.values("pk"))


def vendor_opportunities(user, suggestions: QuerySet | None = None, *, page=1) -> Page:
    """One page of 商机: the needs of ``suggestions`` (default: :func:`vendor_suggestions`;
    a filtered subset of it, e.g. one offering's), best first by their best score, each need
    once with the vendor's offerings it was suggested for. The page's ``object_list`` holds
    the rows (:class:`SuggestionRow`). Two reads whatever the page and the page size: the
    needs in order, then the page's suggestions."""
    suggestions = vendor_suggestions(user) if suggestions is None else suggestions
    # Each need's place is that of its best suggestion. A vendor's stored suggestions are at
    # most its offerings × the list length: their need ids, best first, are read in one query
    # and paged here (a GROUP BY for the page and another for the count were two round trips,
    # each repeating the visibility subquery).
    ranked: dict[int, None] = {}
    for need_id in suggestions.order_by("-score", "need_id").values_list("need_id", flat=True):
        ranked.setdefault(need_id)
    page_obj = Paginator(list(ranked), OPPORTUNITIES_PER_PAGE).get_page(page)
    need_ids = list(page_obj.object_list)
    rows: dict[int, SuggestionRow] = {need_id: None for need_id in need_ids}
    queryset = (
        suggestions.filter(need_id__in=need_ids)
        .select_related("need", "need__organization", "offering")
        # The page shows titles, scores and reasons: not the rows' texts.
        .defer(*OPPORTUNITIES_DEFERRED)
        .order_by("-score", "rank", "pk")
    )
    for suggestion in queryset:
        row = rows[suggestion.need_id]
        if row is None:  # its best suggestion: the row's score and reasons
            row = rows[suggestion.need_id] = _row(suggestion, user, with_poster=True)
        row.offerings.append(suggestion.offering)
    page_obj.object_list = [row for row in rows.values() if row is not None]
    return page_obj


def dashboard_counts(organization, user) -> dict[str, int]:
    """Figures for the dashboards: suggestions on the organization's live listings."""
    # Each read starts from the organization's own live listings (see _vendor_lists).
    if organization.is_vendor:
        queryset = _vendor_lists(organization.pk, user)
        return {
            "needs": queryset.values("need_id").distinct().count(),
            "offerings": queryset.values("offering_id").distinct().count(),
        }
    queryset = _enterprise_lists(organization.pk)
    return {
        "needs": queryset.values("need_id").distinct().count(),
        "offerings": queryset.values("offering_id").distinct().count(),
    }


#: Longer texts are cut: the first part says what the need is about, and the cost stays bounded.
SUGGEST_MAX_CHARS = 2000
SUGGEST_MIN_PROBABILITY = 0.15
SUGGEST_MAX_ITEMS = 3


def _category_scores(text: str) -> dict:
    """The scores every worker gives for ``text`` at the current listings and taxonomy versions.

    A worker that has built its engine scores with the engine's classifier (trained on the
    offerings); one that has not uses the lexicon alone, so typing never waits on a build. So
    that the answer does not depend on which worker a keystroke reaches, it is kept in the
    shared cache: every worker returns the stored answer, and a worker with an engine replaces
    a lexicon-only one with its own (the better answer, then given by all)."""
    versions = read_versions(LISTINGS_VERSION_KEY, TAXONOMY_VERSION_KEY)
    digest = hashlib.sha1(text.encode()).hexdigest()
    key = (
        f"matching:hints:L{versions[LISTINGS_VERSION_KEY]}:"
        f"T{versions[TAXONOMY_VERSION_KEY]}:{digest}"
    )
    cache = shared_cache()
    stored = cache.get(key)
    if stored is not None and stored["engine"]:
        return stored["scores"]
    engine = holder.peek()
    if engine is not None and holder.lock.acquire(timeout=0.5):
        try:
            scores = engine.infer_categories(text)
        finally:
            holder.lock.release()
        cache.set(
            key,
            {"engine": True, "scores": scores},
            timeout=settings.MATCHING_HINTS_CACHE_SECONDS,
        )
        return scores
    if stored is not None:
        return stored["scores"]
    scores = infer_categories(text)
    cache.add(
        key, {"engine": False, "scores": scores}, timeout=settings.MATCHING_HINTS_CACHE_SECONDS
    )
    return (cache.get(key) or {"scores": scores})["scores"]


def category_suggestions(text: str) -> dict:
    """Likely sectors and application types of a need's text, for the live form hints:
    ``{"sectors": [{"id", "code", "name", "probability"}], "app_types": [...]}``."""
    text = (text or "").strip()[:SUGGEST_MAX_CHARS]
    result: dict[str, list] = {"sectors": [], "app_types": []}
    if len(text) < 2:
        return result
    scores = _category_scores(text)
    for family, model in (("sectors", Sector), ("app_types", ApplicationType)):
        terms = {term.code: term for term in model.objects.active()}
        for code, probability in scores.get(family, [])[:SUGGEST_MAX_ITEMS]:
            if probability >= SUGGEST_MIN_PROBABILITY and code in terms:
                result[family].append(
                    {
                        "id": terms[code].pk,
                        "code": code,
                        "name": terms[code].name,
                        "probability": round(float(probability), 3),
                    }
                )
    return result


# --- moderation: the offerings suggested to the most needs ----------------------------------

#: How many of the most-suggested offerings the moderation queue lists, and the list places
#: that count (a need's first screen).
HUB_LIMIT = 10
HUB_TOP_RANK = 5


@dataclass(frozen=True)
class SuggestionHub:
    offering: Offering
    needs: int  # open needs whose first HUB_TOP_RANK suggestions hold it
    share: float  # of the open needs with a list

    @property
    def percent(self) -> float:
        return 100 * self.share


def suggestion_hubs(user, *, limit: int = HUB_LIMIT) -> tuple[list[SuggestionHub], int]:
    """For platform admins (nothing for anyone else): the live offerings in the first five
    suggestions of the most open needs, and the number of open needs with a list.

    Whatever text a vendor writes to be found by every need (a list of the words buyers use
    most, every sector's clients named), an offering it works for sits in the top five of far
    more needs than its peers: this list shows it to an admin, however it was done."""
    if not is_platform_admin(user):
        return [], 0
    open_lists = Suggestion.objects.filter(
        direction=Direction.FOR_NEED, need__in=Need.objects.open().values("pk")
    )
    counts = list(
        open_lists.filter(rank__lte=HUB_TOP_RANK, offering__in=adapters.matchable_offerings())
        .values("offering_id")
        .annotate(needs=Count("need_id"))
        .order_by("-needs", "offering_id")[:limit]
    )
    if not counts:
        return [], 0
    total = open_lists.values("need_id").distinct().count()
    by_pk = (
        Offering.objects.moderatable_by(user)
        .select_related("organization")
        .in_bulk([row["offering_id"] for row in counts])
    )
    hubs = [
        SuggestionHub(by_pk[row["offering_id"]], row["needs"], row["needs"] / total)
        for row in counts
        if row["offering_id"] in by_pk
    ]
    return hubs, total


@dataclass(frozen=True)
class DemotedHub:
    offering: Offering
    severity: float  # engine/hubs.py, in (0, 1]
    points: float  # taken off its score for every need


def demoted_hubs(user, *, limit: int = HUB_LIMIT) -> list[DemotedHub]:
    """For platform admins (nothing for anyone else): the live offerings the matcher demotes
    because their text reaches the needs of every sector and type alike (engine/hubs.py),
    most demoted first, with the points each loses. Read from this process's engine (opened
    from the shared snapshot, never fitted here); empty while none is open."""
    if not is_platform_admin(user):
        return []
    engine = holder.peek()
    if engine is None:
        return []
    pk_by_ref = holder.offering_pk_by_ref
    # room for those no longer live, and one query for all
    found = [(pk_by_ref.get(ref), severity) for ref, severity in engine.hub_severities()]
    found = [(pk, severity) for pk, severity in found if pk is not None][: 5 * limit]
    by_pk = (
        Offering.objects.moderatable_by(user)
        .filter(adapters.matchable_offerings_q())  # on the rows read, not IN every live one
        .select_related("organization")
        .in_bulk([pk for pk, _ in found])
    )
    penalty = engine.config.hype_penalty
    return [
        DemotedHub(by_pk[pk], severity, round(penalty * severity, 1))
        for pk, severity in found
        if pk in by_pk
    ][:limit]
