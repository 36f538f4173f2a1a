from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise (needs)")
    VENDOR = "vendor", _("Vendor (offerings)")


class OrganizationSize(models.TextChoices):
    MICRO = "micro", _("Fewer than 20 people")
    SMALL = "small", _("20–99 people")
    MEDIUM = "medium", _("100–999 people")
    LARGE = "large", _("1,000–9,999 people")
    HUGE = "huge", _("10,000 people or more")


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Verification requested")
    VERIFIED = "verified", _("Verified")
    REFUSED = "refused", _("Verification refused")


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")
