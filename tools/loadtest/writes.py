"""The only writes the load generator makes itself (its users); through the services layer,
imported when called so this module loads before ``django.setup()``."""

from __future__ import annotations


def create_enterprise_user(*, email: str, password: str, number: int):
    from matchmaking.accounts import services as account_services

    user = account_services.user_create(email=email, password=password, full_name=f"压测{number}")
    account_services.organization_create(
        owner=user,
        kind="enterprise",
        name=f"压测企业{number}",
        name_en=f"Load test enterprise {number}",
        region="北京市",
        contact_person=f"压测联系人{number}",
        contact_phone=f"010-0000{number:04d}",
        contact_email=f"loadtest-contact{number}@example.com",
    )
    return user


def create_need(*, user, title: str, sectors: list[str], app_types: list[str]) -> int:
    from matchmaking.listings import services as listing_services

    need = listing_services.need_create(
        organization=user.membership.organization,
        created_by=user,
        publish=True,
        title=title,
        description=(
            "我们希望建设面向客户的智能客服与知识库问答系统，支持多轮对话、工单流转和"
            "私有化部署，数据需留在本地机房。"
        ),
        sectors=sectors,
        app_types=app_types,
        budget_min=200000,
        budget_max=800000,
        region="北京",
    )
    return need.pk
