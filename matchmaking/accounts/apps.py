from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "matchmaking.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self):
        from matchmaking.accounts.demo import seed_accounts
        from matchmaking.accounts.home import organizations_home_section
        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.seeding import register_seeder

        register_nav_link("public", 90, _("Organizations"), "accounts:organization-list")
        register_nav_link("admin", 10, _("Verification queue"), "accounts:verification-queue")
        register_home_section(10, organizations_home_section)
        register_seeder(10, seed_accounts)
