"""What the listings services share: the taxonomy fields, taxonomy resolution, small checks, and
the announcement every write of a need or an offering ends with (:func:`need_changed`,
:func:`offering_changed`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.domain_events import send_event
from matchmaking.core.permissions import is_platform_admin
from matchmaking.listings import revisions
from matchmaking.listings.caching import bump_listings_version
from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Sector

MAX_SCREENSHOTS = 6

M2M_FIELDS = {
    "sectors": Sector,
    "app_types": ApplicationType,
    "deployment_modes": DeploymentMode,
}


def _today() -> date:
    return timezone.localdate()


def need_changed(need_id: int, *, created: bool = False) -> None:
    """Every write of a need ends here: bump the listings cache version and emit need_saved."""
    _bump()
    send_event("need_saved", need_id=need_id, created=created)


def offering_changed(offering_id: int, *, created: bool = False) -> None:
    """Every write of an offering ends here: bump the version and emit offering_saved."""
    _bump()
    send_event("offering_saved", offering_id=offering_id, created=created)


def _bump() -> None:
    # Now (this request must not read its own stale counts) and, inside a transaction, again
    # after commit (other requests may have cached the old figures while it was open):
    # ``bump_version`` does both (see core/shared_cache.py).
    bump_listings_version()


def _resolve_terms(field: str, model, values: Iterable | None) -> list:
    """Taxonomy terms from instances, pks or codes; unknown codes → error on `field`."""
    if values is None:
        return []
    values = list(values)
    instances = [value for value in values if isinstance(value, model)]
    codes = [value for value in values if isinstance(value, str)]
    pks = [value for value in values if isinstance(value, int)]
    found = list(model.objects.filter(code__in=codes)) if codes else []
    unknown = sorted(set(codes) - {term.code for term in found})
    if unknown:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)},
                    code="unknown_code",
                )
            }
        )
    if pks:
        by_pk = list(model.objects.filter(pk__in=pks))
        if len(by_pk) != len(set(pks)):
            raise ValidationError({field: ValidationError(_("Unknown value."), code="unknown")})
        found.extend(by_pk)
    return instances + found


def _resolve_term(field: str, model, value):
    if value in (None, ""):
        return None
    terms = _resolve_terms(field, model, [value])
    return terms[0]


def _clean_str_list(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[,，、;；\n]+", values)
    seen: list[str] = []
    for value in values:
        value = str(value).strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _check_range(low, high, *, field: str, message: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValidationError({field: ValidationError(message, code="min_above_max")})


def _raise_if_unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed) - set(M2M_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


def _set_m2m(instance, m2m: dict[str, list]) -> None:
    for name, terms in m2m.items():
        getattr(instance, name).set(terms)


def _pop_m2m(fields: dict) -> dict[str, list]:
    return {
        name: _resolve_terms(name, model, fields.pop(name))
        for name, model in M2M_FIELDS.items()
        if name in fields
    }


def _require_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied


def _text_of(listing) -> dict:
    return {name: getattr(listing, name) or "" for name in revisions.text_fields(listing)}
