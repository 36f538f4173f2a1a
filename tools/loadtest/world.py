"""What the load generator varies: taxonomy codes, price bounds, keywords, ids and users.

``from_db`` reads the pools from the database in settings (which must be the server's) and
creates — or finds, on a second run — the load users: ``loadtest-e<N>@example.com``
(password ``LOAD_PASSWORD``), each the owner of its own enterprise organization
"压测企业 N" (ref-free, fictional) with one published need whose suggestions the matching
engine computes as for any new need. Models are looked up through the app registry and the
writes go through the services (``writes.py``) imported when called, so this module loads before
``django.setup()``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

LOAD_PASSWORD = "loadtest-pass-2026"  # noqa: S105 - fictional accounts on a benchmark copy
LOAD_EMAIL = "loadtest-e{n}@example.com"
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass
class LoadUser:
    email: str
    need_ids: list[int] = field(default_factory=list)


@dataclass
class Pools:
    sectors: list[str]
    app_types: list[str]
    kinds: list[str]
    layers: list[str]
    deployments: list[str]
    keywords: list[str]
    offering_ids: list[int]
    need_ids: list[int]
    users: list[LoadUser]
    password: str = LOAD_PASSWORD
    regions: list[str] = field(default_factory=lambda: ["北京", "上海", "广东", "浙江", "四川"])


def keyword_pool(texts: list[str], *, size: int = 400, seed: int = 7) -> list[str]:
    """2–4-character Chinese substrings of real titles, the frequent ones first (realistic
    queries hit many rows; rare ones few)."""
    counter: Counter[str] = Counter()
    for text in texts:
        seen = set()
        for run in CJK_RUN.findall(text):
            for length in (2, 3, 4):
                for start in range(0, len(run) - length + 1):
                    seen.add(run[start : start + length])
        counter.update(seen)
    frequent = [word for word, count in counter.most_common(size) if count >= 2]
    rng = random.Random(seed)
    rare = [word for word, count in counter.items() if count == 1]
    rng.shuffle(rare)
    return frequent + rare[: size // 4]


def from_db(*, users: int = 20, sample: int = 3000, seed: int = 7) -> Pools:
    from django.apps import apps
    from django.db import transaction

    Offering = apps.get_model("listings", "Offering")
    Need = apps.get_model("listings", "Need")
    rng = random.Random(seed)

    def codes(app_label, model):
        return list(apps.get_model(app_label, model).objects.values_list("code", flat=True))

    offering_ids = list(Offering.objects.published().values_list("pk", flat=True))
    need_ids = list(Need.objects.public().values_list("pk", flat=True))
    picked = rng.sample(offering_ids, min(sample, len(offering_ids)))
    titles = list(Offering.objects.filter(pk__in=picked).values_list("title", flat=True))
    titles += list(Need.objects.filter(pk__in=need_ids[:sample]).values_list("title", flat=True))
    sector_codes = codes("taxonomy", "Sector")
    app_type_codes = codes("taxonomy", "ApplicationType")
    deployment_codes = codes("taxonomy", "DeploymentMode")
    with transaction.atomic():
        load_users = [_load_user(n, rng, sector_codes, app_type_codes) for n in range(1, users + 1)]
    return Pools(
        sectors=sector_codes,
        app_types=app_type_codes,
        kinds=codes("taxonomy", "OfferingKind"),
        layers=codes("taxonomy", "Layer"),
        deployments=deployment_codes,
        keywords=keyword_pool(titles, seed=seed),
        offering_ids=offering_ids,
        need_ids=need_ids,
        users=load_users,
    )


def _load_user(n: int, rng, sector_codes, app_type_codes) -> LoadUser:
    from django.apps import apps

    from tools.loadtest import writes

    User = apps.get_model("accounts", "User")
    Need = apps.get_model("listings", "Need")
    email = LOAD_EMAIL.format(n=n)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = writes.create_enterprise_user(email=email, password=LOAD_PASSWORD, number=n)
    org_id = user.membership.organization_id
    need_ids = list(Need.objects.filter(organization_id=org_id).values_list("pk", flat=True))
    if not need_ids:
        need_ids = [
            writes.create_need(
                user=user,
                title=f"智能客服与知识库问答系统建设（压测{n}）",
                sectors=rng.sample(sector_codes, 1),
                app_types=rng.sample(app_type_codes, 2),
            )
        ]
    return LoadUser(email=email, need_ids=need_ids)
