from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from matchmaking.api import views, web

app_name = "api"

router = DefaultRouter(trailing_slash=True)
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
