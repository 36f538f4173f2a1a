from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from matchmaking.api import views, web

app_name = "api"


class NumericIdRouter(DefaultRouter):
    """Every detail route (and its actions: matches, messages, read, ...) takes a decimal id.

    Anything else (``abc``, ``1e3``, ``%00``, ``1;drop``) matches no route, so no view ever
    looks up a non-numeric primary key; the 404 handler answers API paths in the API's JSON
    error shape. At most 18 digits, so the id always fits a 64-bit integer."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", ID_REGEX)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


ID_REGEX = "[0-9]{1,18}"

router = NumericIdRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("offerings", views.OfferingViewSet, basename="offering")
router.register("needs", views.NeedViewSet, basename="need")
router.register("cases", views.CaseViewSet, basename="case")
router.register("connections", views.ConnectionViewSet, basename="connection")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = [
    path("v1/taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/create/", web.TokenCreateView.as_view(), name="token-create"),
    path("tokens/<int:pk>/revoke/", web.TokenRevokeView.as_view(), name="token-revoke"),
]
