"""Test data built through the same services the site uses."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from matchmaking.accounts import services as account_services
from matchmaking.accounts.models import Membership, Organization, User

DEFAULT_PASSWORD = "Correct-Horse-Battery-42"
_sequence = itertools.count(1)

# Valid unified social credit codes (check character computed per GB 32100-2015).
VALID_USCC = "91350100M000100Y43"


def make_user(*, email: str | None = None, password: str = DEFAULT_PASSWORD, **fields) -> User:
    number = next(_sequence)
    email = email or f"user{number}@example.com"
    is_staff = fields.pop("is_staff", False)
    is_superuser = fields.pop("is_superuser", False)
    user = account_services.user_create(email=email, password=password, **fields)
    if is_staff or is_superuser:
        user.is_staff = is_staff
        user.is_superuser = is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def make_organization(
    *, kind: str = "enterprise", owner: User | None = None, **fields
) -> Organization:
    number = next(_sequence)
    owner = owner or make_user()
    fields.setdefault("name", f"测试{'企业' if kind == 'enterprise' else '厂商'}{number}")
    fields.setdefault("name_en", f"Test {kind} {number}")
    fields.setdefault("region", "北京市")
    fields.setdefault("contact_person", f"联系人{number}")
    fields.setdefault("contact_phone", f"010-5555{number:04d}")
    fields.setdefault("contact_email", f"contact{number}@{kind}.example.com")
    return account_services.organization_create(owner=owner, kind=kind, **fields)


def make_member(organization: Organization, **user_fields) -> User:
    user = make_user(**user_fields)
    Membership.objects.create(user=user, organization=organization, role="member")
    return user


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()
