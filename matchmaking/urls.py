"""URL configuration: one namespaced include per app, kebab-case names."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

admin.site.site_header = _("LLM Supply–Demand Platform administration")
admin.site.site_title = _("LLM Supply–Demand Platform")
admin.site.index_title = _("Operations")

urlpatterns = [
    path("", include("matchmaking.core.urls")),
    path("accounts/", include("matchmaking.accounts.urls")),
    path("", include("matchmaking.listings.urls")),
    path("cases/", include("matchmaking.cases.urls")),
    path("connections/", include("matchmaking.connections.urls")),
    path("notifications/", include("matchmaking.notifications.urls")),
    path("events/", include("matchmaking.events.urls")),
    path("insights/", include("matchmaking.insights.urls")),
    path("api/", include("matchmaking.api.urls")),
    path("matching/", include("matchmaking.matching.urls")),
    # Changing the language needs no CSRF token (it only sets the language cookie and
    # redirects within the site), so the switcher in every page's header carries none and
    # anonymous pages stay shareable (core/page_cache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "matchmaking.core.views.bad_request"
handler403 = "matchmaking.core.views.permission_denied"
handler404 = "matchmaking.core.views.page_not_found"
handler500 = "matchmaking.core.views.server_error"
