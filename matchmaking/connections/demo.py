"""Demo connections for `seed_demo` (order 50): the demo bank asks 智云 about an offering
(accepted, with a message each way) and a second vendor proposes for one of the bank's needs
(awaiting an answer). Idempotent: nothing is added once the demo bank has connections."""

from __future__ import annotations

from django.conf import settings
from django.test.utils import override_settings

from matchmaking.accounts.models import Organization, User
from matchmaking.connections import services
from matchmaking.connections.models import Connection
from matchmaking.listings.models import Need, Offering


def seed_connections(options: dict, stdout) -> list[str]:
    bank = Organization.objects.filter(ref="demo-e-bank").first()
    zhiyun = Organization.objects.filter(ref="demo-v-zhiyun").first()
    enterprise_user = User.objects.filter(email="enterprise@example.com").first()
    vendor_user = User.objects.filter(email="vendor@example.com").first()
    if not all([bank, zhiyun, enterprise_user, vendor_user]):
        return ["connections: demo organizations missing; skipped"]
    if Connection.objects.involving(bank.pk).exists():
        return []
    offering = Offering.objects.filter(organization=zhiyun, status="published").first()
    need = Need.objects.filter(organization=bank, status="open").first()
    lines = []
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CONNECTION_DAILY_LIMIT_PER_ORG=max(settings.CONNECTION_DAILY_LIMIT_PER_ORG, 100),
    ):
        if offering is not None:
            connection, _created = services.connection_request(
                user=enterprise_user,
                offering=offering,
                need=need,
                message="我们希望在信用卡中心试点智能客服，能否先安排一次演示？",
                pilot_requested=True,
            )
            services.connection_accept(connection=connection, user=vendor_user)
            services.message_post(
                connection=connection,
                user=vendor_user,
                body="您好，可以安排下周二线上演示，资料见 https://example.com/demo",
            )
            services.message_post(
                connection=connection, user=enterprise_user, body="好的，下周二下午可以。"
            )
            lines.append(f"connections: demo request {connection.pk} (accepted, 2 messages)")
        other_vendor = User.objects.filter(membership__organization__ref="demo-v-huiting").first()
        if need is not None and other_vendor is not None:
            proposal, _created = services.connection_propose(
                user=other_vendor,
                need=need,
                message="我们在银行客服场景有落地经验，期待交流。",
                approach="基于知识库问答的智能客服，先用三个月历史工单做冷启动。",
                indicative_price=300_000,
                timeline="8 周",
            )
            lines.append(f"connections: demo proposal {proposal.pk} (awaiting an answer)")
    return lines
