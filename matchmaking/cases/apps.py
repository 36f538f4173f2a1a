from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "matchmaking.cases"
    label = "cases"
    verbose_name = _("Case library")

    def ready(self):
        from matchmaking.cases import demo, io, panels, selectors
        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.panels import register_panel
        from matchmaking.core.seeding import register_seeder

        register_nav_link("public", 30, _("Cases"), "cases:case-list")
        register_nav_link("vendor", 30, _("My cases"), "cases:my-cases")
        register_nav_link("admin", 30, _("Case review"), "cases:review-queue")
        register_panel("offering-detail", 30, panels.offering_cases_panel)
        register_panel("organization-detail", 30, panels.organization_cases_panel)
        register_panel("need-detail", 30, panels.need_similar_cases_panel)
        register_home_section(30, panels.featured_cases_section)
        register_seeder(30, demo.seed_cases)
        io.register()
        # The listings `has_cases` / `vendor_cases` offering filters ask us for the published
        # cases: a queryset (SQL path) and their rows kept per cases version (index path).
        from django.db.models.signals import post_delete, post_save

        from matchmaking.cases import caching
        from matchmaking.cases.models import Case
        from matchmaking.core.page_cache import page_versions
        from matchmaking.core.shared_cache import read_along
        from matchmaking.listings.browse.facets import published_case_rows, published_cases

        published_cases.register(selectors.published_cases)
        published_case_rows.register(caching.published_case_rows)
        post_save.connect(caching.bump_cases_version, sender=Case, dispatch_uid="cases-version")
        post_delete.connect(caching.bump_cases_version, sender=Case, dispatch_uid="cases-version-d")
        page_versions.register(caching.cases_version_key)
        read_along(caching.CASES_VERSION_KEY)
