"""Template context every page needs: the viewer's role and navigation links."""

from matchmaking.core.navigation import links_for
from matchmaking.core.permissions import is_platform_admin


def navigation(request):
    user = getattr(request, "user", None)
    organization = None
    role = "visitor"
    if user is not None and user.is_authenticated:
        membership = getattr(user, "membership", None)
        organization = membership.organization if membership else None
        role = organization.kind if organization is not None else "member"
    return {
        "nav_role": role,
        "nav_organization": organization,
        "nav_is_admin": is_platform_admin(user),
        "nav_public_links": links_for("public"),
        "nav_enterprise_links": links_for("enterprise"),
        "nav_vendor_links": links_for("vendor"),
        "nav_admin_links": links_for("admin"),
    }
