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


# --- Listings ---------------------------------------------------------------------------
# Built with the ORM plus the shared indexing helpers, so tests of any app can make
# listings in a given state without going through the listings workflow.


def _terms(model, codes):
    return list(model.objects.filter(code__in=list(codes or ())))


def make_offering(
    *,
    organization: Organization | None = None,
    status: str = "published",
    kind: str = "product",
    layer: str | None = "application",
    sectors=("finance",),
    app_types=("qa",),
    deployment=("private",),
    **fields,
):
    from django.utils import timezone

    from matchmaking.listings.indexing import apply_offering_index
    from matchmaking.listings.models import Offering
    from matchmaking.taxonomy.models import (
        ApplicationType,
        DeploymentMode,
        Layer,
        OfferingKind,
        Sector,
    )

    number = next(_sequence)
    organization = organization or make_organization(kind="vendor")
    fields.setdefault("title", f"智能客服大模型{number}")
    fields.setdefault("summary", "面向金融行业的智能客服与坐席辅助")
    fields.setdefault(
        "description", "基于大模型的智能客服机器人，支持知识库问答、坐席辅助和通话小结。"
    )
    fields.setdefault("price_min", 100_000)
    fields.setdefault("price_max", 500_000)
    fields.setdefault("regions", ["全国"])
    fields.setdefault("tags", ["智能客服", "知识库"])
    offering = Offering(
        organization=organization,
        status=status,
        kind=OfferingKind.objects.get(code=kind),
        layer=Layer.objects.get(code=layer) if layer else None,
        **{"published_at": timezone.now() if status == "published" else None, **fields},
    )
    apply_offering_index(offering, organization_name=organization.name)
    offering.save()
    offering.sectors.set(_terms(Sector, sectors))
    offering.app_types.set(_terms(ApplicationType, app_types))
    offering.deployment_modes.set(_terms(DeploymentMode, deployment))
    return offering


def make_need(
    *,
    organization: Organization | None = None,
    status: str = "open",
    visibility: str = "public",
    sectors=("finance",),
    app_types=("qa",),
    deployment=(),
    **fields,
):
    from django.utils import timezone

    from matchmaking.listings.indexing import apply_need_index
    from matchmaking.listings.models import Need
    from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Sector

    number = next(_sequence)
    organization = organization or make_organization(kind="enterprise")
    fields.setdefault("title", f"信用卡中心客服热线分流{number}")
    fields.setdefault("description", "账单日来电排队严重，希望用智能客服机器人回答常见问题。")
    fields.setdefault("budget_min", 200_000)
    fields.setdefault("budget_max", 1_000_000)
    fields.setdefault("region", "北京")
    need = Need(
        organization=organization,
        status=status,
        visibility=visibility,
        published_at=timezone.now() if status == "open" else None,
        **fields,
    )
    apply_need_index(need)
    need.save()
    need.sectors.set(_terms(Sector, sectors))
    need.app_types.set(_terms(ApplicationType, app_types))
    need.deployment_modes.set(_terms(DeploymentMode, deployment))
    return need


#: A distinctive offering text a copier takes (tests of the copy rule and its moderation).
COPIED_TITLE = "港口集装箱堆场智能调度大模型"
COPIED_SUMMARY = "岸桥、场桥与集卡协同作业计划自动生成"
COPIED_TEXT = (
    "面向港口码头的集装箱堆场智能调度系统，基于大模型理解船期、堆存计划与作业指令，"
    "自动生成岸桥、场桥和集卡的协同作业计划，缩短船舶在港时间，降低翻箱率。"
)


def make_copy_market(copier_name: str = "抄袭科技"):
    """(original, placeholder): an honest vendor's live offering with the copied text, a
    copier's live placeholder with other text, and two unrelated live offerings."""
    original = make_offering(
        title=COPIED_TITLE,
        summary=COPIED_SUMMARY,
        description=COPIED_TEXT,
        sectors=("industry",),
    )
    placeholder = make_offering(
        organization=make_organization(kind="vendor", name=copier_name),
        title="数字化转型咨询",
        summary="信息化规划咨询",
        description="企业数字化转型咨询服务，提供信息化规划、流程梳理与系统选型建议。",
    )
    make_offering(title="银行智能客服")
    make_offering(title="医院病历质控助手", description="病历书写质量自动检查。")
    return original, placeholder
