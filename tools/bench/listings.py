"""Benchmark the listings pages on a large synthetic database.

    DJANGO_SQLITE_PATH=var/bench.sqlite3 .venv/bin/python manage.py migrate
    DJANGO_SQLITE_PATH=var/bench.sqlite3 .venv/bin/python -m tools.bench listings \\
        --offerings 100000 --needs 10000 --runs 30

Builds the data once (bulk inserts with random but realistic Chinese titles and descriptions;
reused on later runs when the counts are already there) and prints the median and 95th
percentile of full page renders through the Django test client: a filtered /offerings/ page
(varied filters, cold cache), the same warm, q= searches with two- and four-character queries,
an offering detail page and the /needs/ page. Refuses to run on the development database.
"""

from __future__ import annotations

import random
import statistics
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from matchmaking.accounts.models import Organization
from matchmaking.listings.indexing import (
    need_search_text,
    offering_search_text,
    regions_index,
)
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import ApplicationType, DeploymentMode, Layer, OfferingKind, Sector

DOMAINS = ["政务", "金融", "医疗", "制造", "文旅", "城市", "能源", "零售", "教育", "法律", "物流"]
CAPABILITIES = [
    "智能客服",
    "知识问答",
    "公文写作",
    "营销文案",
    "代码助手",
    "数据分析",
    "报表生成",
    "图像识别",
    "语音转写",
    "合同审查",
    "舆情监测",
    "风险预警",
    "病历质控",
    "导览讲解",
    "工单分派",
    "数据标注",
    "模型微调",
    "算力租赁",
]
NOUNS = ["平台", "大模型", "一体机", "解决方案", "助手", "服务", "系统", "数据集", "引擎", "机器人"]
PHRASES = [
    "支持私有化部署",
    "兼容昇腾与海光芯片",
    "提供标准API接口",
    "可对接现有业务系统",
    "内置行业知识库",
    "支持多轮对话",
    "提供效果评测报告",
    "按调用量计费",
    "提供POC试点",
    "已完成生成式人工智能服务备案",
    "响应时间小于一秒",
    "支持国产操作系统",
    "数据不出域",
    "七乘二十四小时运维",
]
REGIONS = ["北京", "天津", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "全国"]


def _text(rng: random.Random) -> tuple[str, str, str, list[str]]:
    domain, capability, noun = rng.choice(DOMAINS), rng.choice(CAPABILITIES), rng.choice(NOUNS)
    title = f"{domain}{capability}{noun}{rng.randint(1, 999)}"
    summary = f"面向{domain}行业的{capability}{noun}，{rng.choice(PHRASES)}"
    description = "。".join(
        [f"本{noun}聚焦{domain}场景的{rng.choice(CAPABILITIES)}"]
        + rng.sample(PHRASES, 5)
        + [f"典型客户包括{rng.choice(DOMAINS)}领域的多家单位"]
    )
    tags = rng.sample(CAPABILITIES, 2)
    return title, summary, description, tags


def _timed(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    return elapsed


class Command(BaseCommand):
    help = "Build (or reuse) a large listings database and time the list, search and detail pages."

    def add_arguments(self, parser):
        parser.add_argument("--offerings", type=int, default=100_000)
        parser.add_argument("--needs", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--allow-default-database",
            action="store_true",
            help="Run even on var/db.sqlite3 (it adds many rows).",
        )

    def handle(self, *args, **options):
        name = str(settings.DATABASES["default"]["NAME"])
        if name.endswith("var/db.sqlite3") and not options["allow_default_database"]:
            raise CommandError(
                "Point DJANGO_SQLITE_PATH (or DATABASE_URL) at a separate database, e.g. "
                "DJANGO_SQLITE_PATH=var/bench.sqlite3 (run migrate on it first)."
            )
        rng = random.Random(options["seed"])
        self._build(rng, options["offerings"], options["needs"])
        # Planner statistics: without them SQLite picks the wrong index for the list ordering
        # (1.2 s instead of <1 ms at 100k). Production databases need the same, periodically.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._measure(rng, options["runs"])

    # -- data ------------------------------------------------------------------------------

    def _build(self, rng: random.Random, n_offerings: int, n_needs: int) -> None:
        have_o = Offering.objects.filter(ref__startswith="bench-").count()
        have_n = Need.objects.filter(ref__startswith="bench-").count()
        if have_o >= n_offerings and have_n >= n_needs:
            self.stdout.write(f"Reusing {have_o} offerings and {have_n} needs.")
            return
        start = time.perf_counter()
        Offering.objects.filter(ref__startswith="bench-").delete()
        Need.objects.filter(ref__startswith="bench-").delete()
        Organization.objects.filter(ref__startswith="bench-").delete()
        vendors = Organization.objects.bulk_create(
            Organization(
                kind="vendor",
                name=f"{rng.choice(DOMAINS)}智能科技{i}号公司",
                ref=f"bench-v-{i}",
                verification_status="verified" if i % 3 == 0 else "unverified",
            )
            for i in range(max(50, n_offerings // 100))
        )
        enterprises = Organization.objects.bulk_create(
            Organization(
                kind="enterprise", name=f"{rng.choice(DOMAINS)}集团{i}", ref=f"bench-e-{i}"
            )
            for i in range(max(20, n_needs // 20))
        )
        sectors = list(Sector.objects.all())
        app_types = list(ApplicationType.objects.all())
        modes = list(DeploymentMode.objects.all())
        kinds = list(OfferingKind.objects.all())
        layers = list(Layer.objects.all())
        now = timezone.now()
        statuses = ["published"] * 17 + ["draft", "pending", "archived"]
        batch = 5000
        for offset in range(0, n_offerings, batch):
            rows = []
            for i in range(offset, min(offset + batch, n_offerings)):
                vendor = rng.choice(vendors)
                title, summary, description, tags = _text(rng)
                regions = rng.sample(REGIONS, rng.randint(1, 3))
                low = rng.choice([None, 10_000, 50_000, 100_000, 300_000, 1_000_000])
                status = rng.choice(statuses)
                kind = rng.choice(kinds)
                rows.append(
                    Offering(
                        organization=vendor,
                        ref=f"bench-o-{i}",
                        title=title,
                        summary=summary,
                        description=description,
                        kind=kind,
                        layer=rng.choice(layers) if kind.code == "product" else None,
                        price_min=low,
                        price_max=low * rng.choice([1, 2, 5]) if low else None,
                        regions=regions,
                        tags=tags,
                        status=status,
                        published_at=now - timezone.timedelta(minutes=i)
                        if status == "published"
                        else None,
                        search_text=offering_search_text(
                            title=title,
                            summary=summary,
                            description=description,
                            tags=tags,
                            organization_name=vendor.name,
                        ),
                        regions_index=regions_index(regions),
                    )
                )
            with transaction.atomic():
                created = Offering.objects.bulk_create(rows)
                self._m2m(rng, Offering, created, "offering", sectors, app_types, modes)
            self.stdout.write(f"  offerings {offset + len(rows)}/{n_offerings}")
        need_statuses = ["open"] * 8 + ["draft", "closed"]
        visibilities = ["public", "public", "anonymous", "private"]
        for offset in range(0, n_needs, batch):
            rows = []
            for i in range(offset, min(offset + batch, n_needs)):
                title, _summary, description, _tags = _text(rng)
                title = f"寻求{title}"
                status = rng.choice(need_statuses)
                low = rng.choice([None, 50_000, 200_000, 1_000_000])
                rows.append(
                    Need(
                        organization=rng.choice(enterprises),
                        ref=f"bench-n-{i}",
                        title=title,
                        description=description,
                        budget_min=low,
                        budget_max=low * 3 if low else None,
                        region=rng.choice(REGIONS),
                        status=status,
                        visibility=rng.choice(visibilities),
                        published_at=now - timezone.timedelta(minutes=i)
                        if status == "open"
                        else None,
                        expires_on=(now + timezone.timedelta(days=60)).date(),
                        search_text=need_search_text(title=title, description=description),
                    )
                )
            with transaction.atomic():
                created = Need.objects.bulk_create(rows)
                self._m2m(rng, Need, created, "need", sectors, app_types, modes)
        self.stdout.write(f"Built in {time.perf_counter() - start:.0f}s.")

    @staticmethod
    def _m2m(rng, model, objects, owner, sectors, app_types, modes) -> None:
        for field, terms, column, most in (
            ("sectors", sectors, "sector_id", 2),
            ("app_types", app_types, "applicationtype_id", 2),
            ("deployment_modes", modes, "deploymentmode_id", 3),
        ):
            through = getattr(model, field).through
            links = []
            for obj in objects:
                for term in rng.sample(terms, rng.randint(0 if field == "sectors" else 1, most)):
                    links.append(through(**{f"{owner}_id": obj.pk, column: term.pk}))
            through.objects.bulk_create(links)

    # -- timing ----------------------------------------------------------------------------

    def _measure(self, rng: random.Random, runs: int) -> None:
        sectors = list(Sector.objects.values_list("code", flat=True))
        app_types = list(ApplicationType.objects.values_list("code", flat=True))
        modes = list(DeploymentMode.objects.values_list("code", flat=True))
        kinds = list(OfferingKind.objects.values_list("code", flat=True))

        def filtered() -> str:
            parts = [f"sector={rng.choice(sectors)}"]
            if rng.random() < 0.7:
                parts.append(f"app_type={rng.choice(app_types)}")
            if rng.random() < 0.5:
                parts.append(f"deployment={rng.choice(modes)}")
            if rng.random() < 0.4:
                parts.append(f"kind={rng.choice(kinds)}")
            if rng.random() < 0.3:
                parts.append(f"region={rng.choice(REGIONS[:-1])}")
            if rng.random() < 0.3:
                parts.append("verified=1")
            if rng.random() < 0.3:
                parts.append(f"price_max={rng.choice([50_000, 300_000, 1_000_000])}")
            if rng.random() < 0.3:
                parts.append(f"page={rng.randint(2, 5)}")
            return "/offerings/?" + "&".join(parts)

        two = ["客服", "政务", "医疗", "算力", "标注", "文旅", "合同", "运维"]
        four = ["智能客服", "知识问答", "数据标注", "公文写作", "病历质控", "私有化部署"]
        published = list(
            Offering.objects.published().values_list("pk", flat=True).order_by("-pk")[:2000]
        )
        scenarios = [
            ("/offerings/ unfiltered (cold cache)", lambda: "/offerings/", True),
            ("/offerings/ filtered (cold cache)", filtered, True),
            ("/offerings/ filtered (warm cache)", filtered, False),
            ("/offerings/?q= 2 chars (cold)", lambda: f"/offerings/?q={rng.choice(two)}", True),
            ("/offerings/?q= 4 chars (cold)", lambda: f"/offerings/?q={rng.choice(four)}", True),
            (
                "/offerings/?q= + filters (cold)",
                lambda: f"/offerings/?q={rng.choice(two)}&sector={rng.choice(sectors)}",
                True,
            ),
            ("/offerings/<pk>/ detail", lambda: f"/offerings/{rng.choice(published)}/", False),
            ("/needs/ filtered (cold)", lambda: f"/needs/?sector={rng.choice(sectors)}", True),
            ("/needs/?q= 2 chars (cold)", lambda: f"/needs/?q={rng.choice(two)}", True),
        ]
        total = Offering.objects.count()
        self.stdout.write(
            f"\n{connection.vendor}: {total} offerings "
            f"({Offering.objects.published().count()} published), {Need.objects.count()} needs; "
            f"{runs} runs each, milliseconds per full page render\n"
        )
        self.stdout.write(f"{'page':45} {'median':>8} {'p95':>8}")
        client = Client()
        with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
            client.get("/offerings/")  # warm up imports and templates
            for label, make_url, cold in scenarios:
                timings = []
                urls = [make_url() for _ in range(runs)]
                if not cold:  # warm: fill the cache with these very URLs first
                    for url in urls:
                        client.get(url)
                for url in urls:
                    if cold:
                        cache.clear()
                    timings.append(_timed(client, url))
                timings.sort()
                p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
                self.stdout.write(f"{label:45} {statistics.median(timings):8.0f} {p95:8.0f}")
