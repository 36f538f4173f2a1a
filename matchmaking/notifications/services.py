"""Writes for notifications: creating them (in-site and by email), reading, preferences,
saved searches, and the digests.

Public API for other apps (connections, matching, cases)::

    from matchmaking.notifications.services import notify
    notify(recipients=users, kind=NotificationKind.NEW_SUGGESTION, url=need_url,
           context={"need": need, "offering": offering, "score": 87})

The title and email are rendered from ``templates/notifications/email/<kind>_subject.txt`` and
``<kind>_body.txt`` in each recipient's preferred language, with ``context`` plus
``recipient``, ``url`` (absolute) and ``site_url``. Each recipient's preference for the kind
decides what happens: instant (in-site + email now), daily/weekly (in-site now, email in the
next digest) or off (nothing). Emails are sent after the surrounding transaction commits.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matchmaking.accounts.models import User
from matchmaking.listings import filtersets
from matchmaking.listings.models import Need, Offering
from matchmaking.matching.adapters import matchable_offerings
from matchmaking.matching.models import Suggestion
from matchmaking.notifications.choices import (
    DEFAULT_FREQUENCY,
    Frequency,
    NotificationKind,
    SavedSearchTarget,
)
from matchmaking.notifications.models import (
    NeedBroadcast,
    Notification,
    NotificationPreference,
    SavedSearch,
)

logger = logging.getLogger(__name__)


# --- Preferences ------------------------------------------------------------------------


def preferences_for(user) -> dict[str, str]:
    """Every kind → the user's frequency (their choice or the default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in NotificationKind.values}


@transaction.atomic
def preferences_update(*, user, frequencies: dict[str, str]) -> None:
    for kind, frequency in frequencies.items():
        if kind not in NotificationKind.values or frequency not in Frequency.values:
            raise ValidationError(_("Unknown notification kind or frequency."), code="invalid")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"frequency": frequency}
        )


# --- Creating notifications -------------------------------------------------------------


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def _render_email(kind: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"notifications/email/{kind}_subject.txt", context)
    body = render_to_string(f"notifications/email/{kind}_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def _language(user) -> str:
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE


def notify(
    *,
    recipients: Iterable,
    kind: str,
    url: str = "",
    context: dict | None = None,
    title: str = "",
    body: str = "",
) -> list[Notification]:
    """Notify each recipient (once, inactive users skipped) according to their preference.

    ``title``/``body`` override the rendered subject/text for the in-site item only.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    created: list[Notification] = []
    seen: set[int] = set()
    # The email backend is chosen now, though mail goes out on commit (so a caller's
    # override_settings(EMAIL_BACKEND=…) — e.g. the demo seeder's — holds).
    mail_connection = None
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        frequency = preferences_for(user)[kind]
        if frequency == Frequency.OFF:
            continue
        email_context = {
            **(context or {}),
            "recipient": user,
            "url": absolute_url(url),
            "site_url": settings.SITE_URL,
        }
        with translation.override(_language(user)):
            subject, text = _render_email(kind, email_context)
            item_title = str(title) if title else subject
            item_body = str(body) if body else ""
        notification = Notification.objects.create(
            recipient=user,
            kind=kind,
            title=item_title[:250],
            body=item_body,
            url=url,
            delivery=frequency,
        )
        created.append(notification)
        if frequency == Frequency.INSTANT:
            mail_connection = mail_connection or get_connection()
            transaction.on_commit(
                lambda n=notification, s=subject, t=text, c=mail_connection: _send_instant(
                    n, s, t, c
                )
            )
    return created


def _send_instant(notification: Notification, subject: str, text: str, connection=None) -> None:
    recipient = notification.recipient
    try:
        send_mail(subject, text, None, [recipient.email], connection=connection)
    except Exception:  # noqa: BLE001 - a mail failure must not break the user's action
        logger.exception("Could not email notification %s to %s", notification.pk, recipient.pk)
        return
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


# --- Reading ----------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user) -> None:
    if notification.recipient_id != user.pk:
        raise ValidationError(_("This is not your notification."), code="not_yours")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    revise_unread([user.pk])  # an update(): no signal
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


# --- The unread count of the navigation ---------------------------------------------------

#: Bounds a kept count's life; its key carries the user's notifications revision.
UNREAD_CACHE_SECONDS = 600
# Users whose notifications this thread wrote during the current request: their request's
# user object still holds the revision it was loaded with.
_revised = threading.local()


def revise_unread(user_ids) -> None:
    """Move the ``notifications_revision`` of ``user_ids`` (in the writing transaction):
    the unread count kept under the old one is never read again, in any process."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return
    User.objects.filter(pk__in=ids).update(notifications_revision=F("notifications_revision") + 1)
    _revised.ids = getattr(_revised, "ids", set()) | ids


def notification_written(sender, instance, raw=False, **kwargs) -> None:
    """post_save / post_delete of a notification (services, admin, cascades)."""
    if not raw:
        revise_unread([instance.recipient_id])


def forget_revised(**_kwargs) -> None:
    """At the start of each request (request_started)."""
    _revised.ids = set()


def unread_count(user) -> int:
    """``user``'s unread notifications, counted once per notifications revision per process.
    The revision is the one read with ``user`` on this request (before the count), so a
    count kept under it is never older than the notifications it names."""
    if user.pk in getattr(_revised, "ids", ()):
        return Notification.objects.visible_to(user).unread().count()
    key = f"notifications:unread:u{user.pk}:r{user.notifications_revision}"
    count = cache.get(key)
    if count is None:
        count = Notification.objects.visible_to(user).unread().count()
        cache.set(key, count, timeout=UNREAD_CACHE_SECONDS)
    return count


# --- Saved searches ---------------------------------------------------------------------


def _filterset_class(target: str):
    """The listings FilterSet for a target, or None while listings has none."""
    name = "OfferingFilterSet" if target == SavedSearchTarget.OFFERINGS else "NeedFilterSet"
    return getattr(filtersets, name, None)


def clean_query(target: str, query: str) -> str:
    """Normalise a browse page's query string: drop paging/sorting noise and blank values,
    and keep only parameters the listings FilterSet knows (when it exists)."""
    params = QueryDict(query or "", mutable=True)
    for noise in ("page", "csrfmiddlewaretoken", "target", "name", "frequency"):
        params.pop(noise, None)
    filterset_class = _filterset_class(target)
    allowed = None
    if filterset_class is not None:
        allowed = set(filterset_class.base_filters)
        filterset = filterset_class(data=params, queryset=_base_queryset(target, None).none())
        if not filterset.is_valid():
            messages = [
                f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()
            ]
            raise ValidationError(
                _("These filters are not valid: %(errors)s") % {"errors": "; ".join(messages)},
                code="invalid_filters",
            )
    pairs = [
        (key, value)
        for key in sorted(params)
        for value in params.getlist(key)
        if value != "" and (allowed is None or key in allowed)
    ]
    return urlencode(pairs)


@transaction.atomic
def saved_search_create(
    *, user, name: str, target: str, query: str, frequency: str = Frequency.DAILY
) -> SavedSearch:
    search = SavedSearch(
        user=user,
        name=name.strip(),
        target=target,
        query=clean_query(target, query) if target in SavedSearchTarget.values else query,
        frequency=frequency,
        last_checked_at=timezone.now(),
    )
    search.full_clean()
    search.save()
    return search


@transaction.atomic
def saved_search_delete(*, search: SavedSearch, user) -> None:
    if search.user_id != user.pk:
        raise ValidationError(_("This is not your saved search."), code="not_yours")
    search.delete()


def _base_queryset(target: str, user):
    model = Offering if target == SavedSearchTarget.OFFERINGS else Need
    return model.objects.visible_to(user)  # no user: what anyone may see


def saved_search_new_matches(search: SavedSearch, *, since: datetime | None, until: datetime):
    """Listings matching the saved filters, visible to its owner, published in (since, until]."""
    queryset = _base_queryset(search.target, search.user)
    filterset_class = _filterset_class(search.target)
    if filterset_class is not None:
        filterset = filterset_class(data=QueryDict(search.query), queryset=queryset)
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    queryset = queryset.filter(published_at__lte=until)
    if since is not None:
        queryset = queryset.filter(published_at__gt=since)
    return queryset.order_by("-published_at")


# --- Digests ----------------------------------------------------------------------------


def _saved_search_notifications(frequency: str, now: datetime) -> int:
    """Turn new matches of each saved search into one in-site item in the coming digest."""
    made = 0
    searches = SavedSearch.objects.filter(frequency=frequency, user__is_active=True).select_related(
        "user"
    )
    for search in searches:
        matches = list(
            saved_search_new_matches(search, since=search.last_checked_at, until=now)[:20]
        )
        total = len(matches)
        if total:
            with translation.override(_language(search.user)):
                title = _("%(count)s new listings for your saved search “%(name)s”") % {
                    "count": total,
                    "name": search.name,
                }
                body = "\n".join(f"- {item.title}" for item in matches)
            Notification.objects.create(
                recipient=search.user,
                kind=NotificationKind.SAVED_SEARCH_MATCH,
                title=title[:250],
                body=body,
                url=search.browse_path,
                delivery=frequency,
            )
            made += 1
        search.last_checked_at = now
        search.save(update_fields=["last_checked_at"])
    return made


def send_digests(*, frequency: str, now: datetime | None = None) -> int:
    """Email each user one digest of their unsent `frequency` notifications, grouped by kind.

    Returns the number of emails sent. Safe to run again: sent items are marked.
    """
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError("frequency must be daily or weekly")
    now = now or timezone.now()
    with transaction.atomic():
        _saved_search_notifications(frequency, now)
    limit = settings.NOTIFICATION_DIGEST_MAX_ITEMS_PER_KIND
    pending = (
        Notification.objects.awaiting_digest(frequency)
        .filter(recipient__is_active=True)
        .select_related("recipient")
        .order_by("recipient_id", "kind", "created_at")
    )
    by_user: OrderedDict[int, list[Notification]] = OrderedDict()
    for item in pending:
        by_user.setdefault(item.recipient_id, []).append(item)
    sent = 0
    for items in by_user.values():
        recipient = items[0].recipient
        groups: OrderedDict[str, list[Notification]] = OrderedDict()
        for item in items:
            groups.setdefault(item.kind, []).append(item)
        with translation.override(_language(recipient)):
            sections = [
                {
                    "kind": kind,
                    "label": NotificationKind(kind).label,
                    "items": group[:limit],
                    "more": max(0, len(group) - limit),
                }
                for kind, group in groups.items()
            ]
            context = {
                "recipient": recipient,
                "frequency": frequency,
                "sections": sections,
                "total": len(items),
                "site_url": settings.SITE_URL,
                "centre_url": absolute_url(reverse("notifications:centre")),
            }
            subject, text = _render_email("digest", context)
        try:
            send_mail(subject, text, None, [recipient.email])
        except Exception:  # noqa: BLE001 - one bad address must not stop everyone's digest
            logger.exception("Could not send the %s digest to user %s", frequency, recipient.pk)
            continue
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(digest_sent_at=now)
        sent += 1
    return sent


# --- A need with no strong match: tell close vendors, or wait for a fitting offering ---------

NEED_BROADCAST_COOLDOWN_DAYS = 7
NEED_BROADCAST_MAX_VENDORS = 20


def need_broadcast_recent(need):
    """The last time the need's vendors were told within the cooldown, or None."""

    since = timezone.now() - timezone.timedelta(days=NEED_BROADCAST_COOLDOWN_DAYS)
    return NeedBroadcast.objects.filter(need=need, created_at__gte=since).first()


def _close_offerings(need) -> list:
    """The offerings closest to the need: its suggested offerings, or (none yet) published
    offerings sharing a sector or application type with it."""

    suggested = list(
        Suggestion.objects.for_need(need)
        .filter(offering__in=matchable_offerings())
        .order_by("-score", "rank")
        .values_list("offering_id", flat=True)[:NEED_BROADCAST_MAX_VENDORS]
    )
    queryset = Offering.objects.select_related("organization")
    if suggested:
        return list(queryset.filter(pk__in=suggested))
    sector_ids = [term.pk for term in need.sectors.all()]
    app_ids = [term.pk for term in need.app_types.all()]
    if not sector_ids and not app_ids:
        return []
    return list(
        queryset.filter(pk__in=matchable_offerings().values("pk"))
        .filter(Q(sectors__in=sector_ids) | Q(app_types__in=app_ids))
        .exclude(organization_id=need.organization_id)
        .distinct()
        .order_by("-published_at", "pk")[:NEED_BROADCAST_MAX_VENDORS]
    )


@transaction.atomic
def need_broadcast(*, need, user):
    """Tell the members of the vendors whose offerings are closest to ``need`` about it.

    Only the need's own members may do it, while it is open, once per cooldown. A vendor is
    told only when it may see the need (``Need.visible_to``: a private need reaches only its
    audience), and the message names the need, never its organization (anonymity holds).
    """

    if not Need.objects.editable_by(user).filter(pk=need.pk).exists():
        raise PermissionDenied
    if not need.is_open:
        raise ValidationError(_("Only an open need can be sent to vendors."), code="not_open")
    if need_broadcast_recent(need) is not None:
        raise ValidationError(
            _("The vendors were told about this need less than %(days)s days ago.")
            % {"days": NEED_BROADCAST_COOLDOWN_DAYS},
            code="too_soon",
        )
    by_vendor: dict[int, list] = OrderedDict()
    for offering in _close_offerings(need):
        if offering.organization_id != need.organization_id:
            by_vendor.setdefault(offering.organization_id, []).append(offering)
    told = 0
    for org_id, offerings in by_vendor.items():
        members = list(User.objects.filter(membership__organization_id=org_id, is_active=True))
        if not members or not Need.objects.visible_to(members[0]).filter(pk=need.pk).exists():
            continue
        notify(
            recipients=members,
            kind=NotificationKind.NEED_SHARED,
            url=need.get_absolute_url(),
            context={"need": need.title, "offering": offerings[0].title},
        )
        told += 1
    return NeedBroadcast.objects.create(need=need, sent_by=user, vendors=told)


def need_alert_query(need) -> str:
    """The offerings filters a fitting offering meets: the need's categories and deployment."""
    pairs = [("sector", term.code) for term in need.sectors.all()]
    pairs += [("app_type", term.code) for term in need.app_types.all()]
    pairs += [("deployment", term.code) for term in need.deployment_modes.all()]
    return urlencode(sorted(pairs))


def need_alert_name(need) -> str:
    return (_("Offerings for my need: %(title)s") % {"title": need.title})[:80]


def need_alert_find(*, need, user):
    return SavedSearch.objects.filter(
        user=user, target=SavedSearchTarget.OFFERINGS, name=need_alert_name(need)
    ).first()


def need_actions_state(*, need, user) -> dict:
    """For the need's page, in one query: the last broadcast within the cooldown
    (``recent_broadcast``: its ``created_at`` and ``vendors``, or None) and whether the user
    already has the need's alert (``alert``)."""

    since = timezone.now() - timezone.timedelta(days=NEED_BROADCAST_COOLDOWN_DAYS)
    broadcasts = NeedBroadcast.objects.filter(need=OuterRef("pk"), created_at__gte=since).order_by(
        "-created_at", "-pk"
    )
    alerts = SavedSearch.objects.filter(
        user=user, target=SavedSearchTarget.OFFERINGS, name=need_alert_name(need)
    )
    row = (
        Need.objects.filter(pk=need.pk)
        .annotate(
            broadcast_at=Subquery(broadcasts.values("created_at")[:1]),
            broadcast_vendors=Subquery(broadcasts.values("vendors")[:1]),
            alert_id=Subquery(alerts.values("pk")[:1]),
        )
        .values("broadcast_at", "broadcast_vendors", "alert_id")
        .first()
    ) or {}
    recent = None
    if row.get("broadcast_at") is not None:
        recent = NeedBroadcast(need=need, vendors=row["broadcast_vendors"])
        recent.created_at = row["broadcast_at"]
    return {"recent_broadcast": recent, "alert": row.get("alert_id") is not None}


def need_alert_create(*, need, user) -> SavedSearch:
    """A saved search (daily alerts) for offerings that fit ``need``; the same one if it exists."""

    if not Need.objects.editable_by(user).filter(pk=need.pk).exists():
        raise PermissionDenied
    existing = need_alert_find(need=need, user=user)
    if existing is not None:
        return existing
    return saved_search_create(
        user=user,
        name=need_alert_name(need),
        target=SavedSearchTarget.OFFERINGS,
        query=need_alert_query(need),
        frequency=Frequency.DAILY,
    )
