"""Site-wide pages: home, health check and the styled error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from matchmaking.core.home import home_sections


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(home_sections(self.request))
        return context


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


FAVICON = "img/favicon.ico"


def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers ask for whatever the page's <link rel=icon> says: the site's
    icon from the static files (the source folder, or STATIC_ROOT after collectstatic)."""
    found = finders.find(FAVICON)
    try:
        handle = open(found, "rb") if found else staticfiles_storage.open(FAVICON)  # noqa: SIM115
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def bench_plain(request: HttpRequest) -> HttpResponse:
    """The cheapest page there is (a constant text response) — for load-test ratios only."""
    return HttpResponse("ok", content_type="text/plain")


def _is_api(request: HttpRequest) -> bool:
    """Paths of the JSON API get errors in its one body shape, never an HTML page."""
    return request.path.startswith(tuple(settings.JSON_ERROR_PATH_PREFIXES))


def json_error(status: int, code: str, message: str) -> JsonResponse:
    """The API's error body: {"error": {"code", "message", "fields"}} (see api/exceptions.py)."""
    body = {"error": {"code": code, "message": str(message), "fields": {}}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(400, "request_too_large", _("The request body is too large."))
        return json_error(400, "bad_request", _("Bad request."))
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error(403, "permission_denied", _("You may not do this."))
    return _error(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    if _is_api(request):
        return json_error(404, "not_found", _("Not found."))
    return _error(request, 404, "errors/404.html")


def server_error(request):
    if _is_api(request):
        return json_error(500, "server_error", _("Server error."))
    # Rendered without a request context: the failure may lie in a context processor.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
