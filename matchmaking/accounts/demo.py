"""The accounts part of the demo world: organizations, their owners and the demo sign-ins.

Idempotent: organizations are found by `ref`, users by email; anything that already exists
is left as it is. Every contact detail is fictional (example.com addresses, 010-0000xxxx
numbers). The two real companies (衔远科技, 360) and their client (北京一轻科技集团) are
described only with what the 2023 Beijing white paper says about their cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from matchmaking.accounts import services
from matchmaking.accounts.choices import MembershipRole, OrganizationSize, VerificationStatus
from matchmaking.accounts.models import Membership, Organization, User
from matchmaking.accounts.validators import uscc_check_character

DEMO_PASSWORD = "demo-pass-2023"
ADMIN_EMAIL = "admin@example.com"
ENTERPRISE_EMAIL = "enterprise@example.com"
VENDOR_EMAIL = "vendor@example.com"
MEMBER_EMAIL = "member@example.com"

S = OrganizationSize
V = VerificationStatus


def demo_uscc(region_code: str, number: int) -> str:
    """A well-formed but fictional code: 9 (market regulator) 1 (enterprise), the region,
    an organization code marked DEM, then the GB 32100-2015 check character."""
    first17 = f"91{region_code}MA01DEM{number:02d}"
    return first17 + uscc_check_character(first17)


@dataclass(frozen=True)
class DemoOrganization:
    ref: str
    kind: str
    name: str
    name_en: str
    region: str
    region_code: str
    size: str
    description: str
    website: str
    owner_email: str
    status: str = V.UNVERIFIED
    filing_number: str = ""


DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    # --- vendors ---
    DemoOrganization(
        ref="demo-v-xianyuan",
        kind="vendor",
        name="衔远科技",
        name_en="Xianyuan Technology",
        region="北京市",
        region_code="110000",
        size="",
        description=(
            "品商大模型面向消费品行业的产品研发与营销。白皮书案例：为北京一轻科技集团"
            "提供反向定制、预测式生产、排产与营销支持。"
        ),
        website="",
        owner_email="owner.xianyuan@example.com",
        status=V.VERIFIED,
    ),
    DemoOrganization(
        ref="demo-v-360",
        kind="vendor",
        name="三六零数字安全科技集团",
        name_en="360 Digital Security Technology Group",
        region="北京市",
        region_code="110000",
        size="",
        description=(
            "面向金融行业的大模型应用。白皮书案例：为一家银行处理办公文档，文档处理时间缩短约 40%。"
        ),
        website="",
        owner_email="owner.360@example.com",
        status=V.VERIFIED,
    ),
    DemoOrganization(
        ref="demo-v-zhiyun",
        kind="vendor",
        name="智云语言智能（示例）",
        name_en="Zhiyun Language Intelligence (demo)",
        region="北京市海淀区",
        region_code="110108",
        size=S.MEDIUM,
        description=(
            "虚构的示例厂商：提供通用基础大模型 API 与面向政务、金融的行业模型，"
            "支持私有化部署与国产化适配，可承接微调与知识库问答项目。"
        ),
        website="https://zhiyun.example.com",
        owner_email=VENDOR_EMAIL,
        status=V.VERIFIED,
        filing_number="DEMO-Beijing-ZhiYun-20231201S0001（虚构，仅供演示）",
    ),
    DemoOrganization(
        ref="demo-v-beichen",
        kind="vendor",
        name="北辰算力（示例）",
        name_en="Beichen Compute (demo)",
        region="北京市朝阳区",
        region_code="110105",
        size=S.SMALL,
        description=(
            "虚构的示例厂商：提供大模型训练与推理算力租赁，支持按月包租 GPU 集群，"
            "也可交付国产算力一体机。"
        ),
        website="https://beichen.example.com",
        owner_email="owner.beichen@example.com",
        status=V.PENDING,
    ),
    DemoOrganization(
        ref="demo-v-shuzhi",
        kind="vendor",
        name="数治数据服务（示例）",
        name_en="Shuzhi Data Services (demo)",
        region="北京市丰台区",
        region_code="110106",
        size=S.SMALL,
        description=(
            "虚构的示例厂商：提供行业数据集、数据清洗与标注服务，帮助企业把业务文档"
            "整理为可用于微调和评测的高质量数据。"
        ),
        website="https://shuzhi.example.com",
        owner_email="owner.shuzhi@example.com",
    ),
    DemoOrganization(
        ref="demo-v-huiting",
        kind="vendor",
        name="慧听智能（示例）",
        name_en="Huiting AI (demo)",
        region="北京市海淀区",
        region_code="110108",
        size=S.MICRO,
        description=(
            "虚构的示例厂商：语音识别与智能问答，适用于政务热线、医院导诊和银行客服，"
            "可部署在客户机房。"
        ),
        website="https://huiting.example.com",
        owner_email="owner.huiting@example.com",
        status=V.PENDING,
    ),
    DemoOrganization(
        ref="demo-v-jingshi",
        kind="vendor",
        name="京视视觉（示例）",
        name_en="Jingshi Vision (demo)",
        region="北京市大兴区",
        region_code="110115",
        size=S.SMALL,
        description=(
            "虚构的示例厂商：基于多模态大模型的图像与视频识别，用于工业质检、"
            "城市事件发现和文旅客流分析。"
        ),
        website="https://jingshi.example.com",
        owner_email="owner.jingshi@example.com",
    ),
    # --- enterprises ---
    DemoOrganization(
        ref="demo-e-yiqing",
        kind="enterprise",
        name="北京一轻科技集团",
        name_en="Beijing Yiqing Technology Group",
        region="北京市",
        region_code="110000",
        size="",
        description=(
            "消费品企业集团。白皮书案例：应用衔远科技的品商大模型，开展反向定制、"
            "预测式生产、排产与营销。"
        ),
        website="",
        owner_email="owner.yiqing@example.com",
        status=V.VERIFIED,
    ),
    DemoOrganization(
        ref="demo-e-bank",
        kind="enterprise",
        name="京华银行（示例）",
        name_en="Jinghua Bank (demo)",
        region="北京市西城区",
        region_code="110102",
        size=S.LARGE,
        description=(
            "虚构的示例银行：希望用大模型处理公文与合同、辅助客服问答，"
            "要求数据不出行内、支持私有化部署。"
        ),
        website="https://bank.example.com",
        owner_email=ENTERPRISE_EMAIL,
        status=V.VERIFIED,
    ),
    DemoOrganization(
        ref="demo-e-hospital",
        kind="enterprise",
        name="示例第一医院",
        name_en="Demo First Hospital",
        region="北京市东城区",
        region_code="110101",
        size=S.LARGE,
        description="虚构的示例医院：关注病历文书生成、智能导诊与医学影像辅助识别。",
        website="https://hospital.example.com",
        owner_email="owner.hospital@example.com",
        status=V.PENDING,
    ),
    DemoOrganization(
        ref="demo-e-govservice",
        kind="enterprise",
        name="示例区政务服务中心",
        name_en="Demo District Government Service Centre",
        region="北京市海淀区",
        region_code="110108",
        size=S.MEDIUM,
        description="虚构的示例单位：希望为办事群众提供政策问答与材料预审，减轻窗口压力。",
        website="",
        owner_email="owner.govservice@example.com",
    ),
    DemoOrganization(
        ref="demo-e-tourism",
        kind="enterprise",
        name="京韵文旅集团（示例）",
        name_en="Jingyun Culture & Tourism Group (demo)",
        region="北京市东城区",
        region_code="110101",
        size=S.MEDIUM,
        description="虚构的示例企业：希望生成多语种导览内容，并为游客提供行程问答。",
        website="https://tourism.example.com",
        owner_email="owner.tourism@example.com",
    ),
    DemoOrganization(
        ref="demo-e-cityops",
        kind="enterprise",
        name="示例区城市运行管理中心",
        name_en="Demo District City Operations Centre",
        region="北京市朝阳区",
        region_code="110105",
        size=S.MEDIUM,
        description="虚构的示例单位：希望从视频与工单中自动发现城市事件并辅助派单。",
        website="",
        owner_email="owner.cityops@example.com",
    ),
    DemoOrganization(
        ref="demo-e-factory",
        kind="enterprise",
        name="示例精密制造有限公司",
        name_en="Demo Precision Manufacturing Co.",
        region="北京市大兴区",
        region_code="110115",
        size=S.SMALL,
        description="虚构的示例企业：希望用视觉大模型做零件表面缺陷检测，并整理设备维修知识库。",
        website="https://factory.example.com",
        owner_email="owner.factory@example.com",
    ),
)


def _user(email: str, *, full_name: str, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_create(email=email, password=DEMO_PASSWORD, full_name=full_name)
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def _organization(spec: DemoOrganization, number: int, admin: User) -> Organization:
    organization = Organization.objects.filter(ref=spec.ref).first()
    if organization is not None:
        return organization
    owner = _user(spec.owner_email, full_name=f"{spec.name}管理员（示例）")
    organization = services.organization_create(
        owner=owner,
        kind=spec.kind,
        name=spec.name,
        name_en=spec.name_en,
        uscc=demo_uscc(spec.region_code, number),
        region=spec.region,
        size=spec.size,
        website=spec.website,
        description=spec.description,
        contact_person=f"示例联系人{number:02d}",
        contact_phone=f"010-0000{number:04d}",
        contact_email=f"contact.{spec.ref.removeprefix('demo-')}@example.com",
        filing_number=spec.filing_number,
    )
    organization.ref = spec.ref
    organization.save(update_fields=["ref", "updated_at"])
    if spec.status in (V.PENDING, V.VERIFIED, V.REFUSED):
        services.verification_request(
            organization=organization, requested_by=owner, note="演示数据（示例）"
        )
    if spec.status == V.VERIFIED:
        services.verification_decide(organization=organization, admin=admin, grant=True)
    elif spec.status == V.REFUSED:
        services.verification_decide(
            organization=organization, admin=admin, grant=False, reason="演示：营业执照信息不一致"
        )
    return organization


def seed_accounts(options: dict, stdout) -> list[str]:
    """Create the demo organizations and sign-ins; return the lines that print the sign-ins."""
    admin = _user(ADMIN_EMAIL, full_name="平台运营（示例）", staff=True)
    organizations = {
        spec.ref: _organization(spec, number, admin)
        for number, spec in enumerate(DEMO_ORGANIZATIONS, start=1)
    }
    bank = organizations["demo-e-bank"]
    member = _user(MEMBER_EMAIL, full_name="京华银行业务员（示例）")
    if not Membership.objects.filter(user=member).exists():
        Membership.objects.create(user=member, organization=bank, role=MembershipRole.MEMBER)
    zhiyun = organizations["demo-v-zhiyun"]
    return [
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}):",
        f"  {ADMIN_EMAIL:<24} platform operator (staff, superuser)",
        f"  {ENTERPRISE_EMAIL:<24} enterprise owner — {bank.name}",
        f"  {VENDOR_EMAIL:<24} vendor owner — {zhiyun.name}",
        f"  {MEMBER_EMAIL:<24} enterprise member — {bank.name}",
        f"  Other demo organizations' owners: owner.<name>@example.com "
        f"({len(organizations)} organizations in all).",
    ]
