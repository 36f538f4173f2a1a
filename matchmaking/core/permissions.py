"""Who may see what: the one scoping mechanism every app uses.

Each model that has owners exposes two queryset methods on its manager/queryset:

* ``visible_to(user)`` — the rows this user may see (detail pages, lists, API, exports);
* ``editable_by(user)`` — the rows this user may change.

Views, API endpoints, exports and the matcher all read through these, never through
ad-hoc ``if`` checks, so one test matrix (actors × objects) covers every surface.

The helpers below turn the two scopes into HTTP answers: an object the user may not see
is a 404 (its existence is not disclosed); one they may see but not change is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404


def is_platform_admin(user) -> bool:
    """Platform operators (平台运营) are Django staff users."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def user_organization_id(user) -> int | None:
    """The id of the organization the user belongs to, or None (visitors, unaffiliated)."""
    if not user or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.organization_id if membership is not None else None


def get_visible_or_404(queryset: QuerySet, user, **lookup):
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


def get_editable_or_403(queryset: QuerySet, user, **lookup):
    """The object if the user may change it; 404 if they may not even see it; else 403."""
    obj = get_visible_or_404(queryset, user, **lookup)
    if not queryset.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


class ScopedObjectMixin:
    """For class-based views: `get_object` goes through the model's scopes.

    Set ``scope = "editable"`` on views that change the object.
    """

    scope = "visible"

    def get_queryset(self):
        return super().get_queryset()

    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        lookup = (
            {self.slug_field: self.kwargs[self.slug_url_kwarg]}
            if self.slug_url_kwarg in self.kwargs
            else {"pk": self.kwargs[self.pk_url_kwarg]}
        )
        if self.scope == "editable":
            return get_editable_or_403(queryset, self.request.user, **lookup)
        return get_visible_or_404(queryset, self.request.user, **lookup)
