from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "matchmaking.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from matchmaking.accounts import login_limits
        from matchmaking.accounts.demo import seed_accounts
        from matchmaking.accounts.home import organizations_home_section
        from matchmaking.core.home import register_home_section
        from matchmaking.core.navigation import register_nav_link
        from matchmaking.core.seeding import register_seeder

        register_nav_link("public", 90, _("Organizations"), "accounts:organization-list")
        register_nav_link("admin", 10, _("Verification queue"), "accounts:verification-queue")
        register_home_section(10, organizations_home_section)
        register_seeder(10, seed_accounts)
        user_login_failed.connect(login_limits.on_login_failed, dispatch_uid="account-login-delay")
        user_logged_in.connect(login_limits.on_logged_in, dispatch_uid="account-login-delay")
