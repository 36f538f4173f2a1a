"""Admin page "Import listings (llm-match/v1)": staff upload a file and get the same
import as ``manage.py import_listings`` (validate everything, then apply atomically).

Wired into the admin by ``register_admin_import(admin.site)`` (called at the end of
listings/admin.py); the page lives at ``/admin/listings/import/``
(``reverse("admin:listings-import")``).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matchmaking.core.navigation import register_nav_link
from matchmaking.core.permissions import is_platform_admin
from matchmaking.listings.io.importer import import_file


class ImportListingsForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A UTF-8 JSON file in the llm-match/v1 format."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file (dry run)"),
        required=False,
        help_text=gettext_lazy("Report what would change without changing anything."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        max_bytes = settings.LISTINGS_IMPORT_MAX_BYTES
        if upload.size > max_bytes:
            raise forms.ValidationError(
                _("The file is too large (at most %(size)d MB).")
                % {"size": max_bytes // (1024 * 1024)},
                code="too_large",
            )
        return upload


def import_listings_view(request, site=None):
    site = site or admin.site
    if not is_platform_admin(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = ImportListingsForm(request.POST, request.FILES)
        if form.is_valid():
            report = import_file(form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            if report.ok and not report.dry_run:
                messages.success(request, _("The file was imported."))
            elif report.ok:
                messages.info(request, _("The file is valid. Nothing was changed (dry run)."))
            else:
                messages.error(
                    request,
                    _("The file has %(count)d error(s); nothing was changed.")
                    % {"count": len(report.errors)},
                )
    else:
        form = ImportListingsForm()
    context = {
        **site.each_context(request),
        "title": _("Import listings (llm-match/v1)"),
        "form": form,
        "report": report,
        "summary": report.summary_lines() if report and report.ok else [],
    }
    return TemplateResponse(request, "admin/listings_import.html", context)


def register_admin_import(site) -> None:
    """Add the import page to `site`'s URLs (idempotent)."""
    if getattr(site, "_listings_import_registered", False):
        return
    original_get_urls = site.get_urls

    def get_urls():
        view = site.admin_view(lambda request: import_listings_view(request, site))
        return [path("listings/import/", view, name="listings-import"), *original_get_urls()]

    site.get_urls = get_urls
    site._listings_import_registered = True

    register_nav_link("admin", 80, gettext_lazy("Import listings"), "admin:listings-import")
