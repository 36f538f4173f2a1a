"""Daily: warn posters of needs about to expire, then expire needs past their day.

manage.py expire_needs [--days N] [--dry-run]
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import MembershipRole
from matchmaking.listings.selectors import needs_expiring_soon
from matchmaking.listings.services import needs


def _recipients(need) -> list[str]:
    if need.created_by and need.created_by.email:
        return [need.created_by.email]
    return list(
        need.organization.memberships.filter(role=MembershipRole.OWNER).values_list(
            "user__email", flat=True
        )
    )


class Command(BaseCommand):
    help = "Email a warning about needs expiring soon and expire needs past their day."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.NEED_EXPIRY_WARNING_DAYS)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days: int, dry_run: bool, **options):
        warned = 0
        for need in needs_expiring_soon(days):
            recipients = _recipients(need)
            if not recipients:
                continue
            if not dry_run:
                language = getattr(need.created_by, "preferred_language", settings.LANGUAGE_CODE)
                with translation.override(language):
                    url = settings.SITE_URL + reverse("listings:need-detail", args=[need.pk])
                    send_mail(
                        _("Your need “%(title)s” expires on %(day)s")
                        % {
                            "title": need.title,
                            "day": need.expires_on.isoformat(),
                        },
                        _(
                            "Your need “%(title)s” will close on %(day)s. "
                            "To keep it open, renew it with one click: %(url)s"
                        )
                        % {"title": need.title, "day": need.expires_on.isoformat(), "url": url},
                        None,
                        recipients,
                    )
                needs.need_mark_expiry_warned(need=need)
            warned += 1
        expired = 0 if dry_run else needs.need_expire_due()
        self.stdout.write(f"warned={warned} expired={expired}")
