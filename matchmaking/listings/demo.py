"""The listings part of `seed_demo`.

* Demo world: the believable offerings and needs in ``fixtures/demo_listings.json``
  (llm-match/v1), loaded through the same importer as ``import_listings``, for the demo
  organizations created by the accounts seeder (looked up by `ref`).
* Volume: ``seed_demo --offerings N --needs M`` adds synthetic vendors, enterprises and
  listings (refs ``syn-…``) built from phrase banks, bulk-inserted through the importer.

Idempotent: records whose `ref` already exists are left untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from matchmaking.accounts.models import Organization
from matchmaking.listings.io.importer import FORMAT, import_data
from matchmaking.listings.models import Need, Offering

DEMO_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_listings.json"


def _existing(model, refs) -> set[str]:
    refs = sorted(set(refs))
    found: set[str] = set()
    for start in range(0, len(refs), 2000):
        found.update(
            model.objects.filter(ref__in=refs[start : start + 2000]).values_list("ref", flat=True)
        )
    return found


def seed_demo_listings(*, path: Path = DEMO_FIXTURE) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    org_refs = {record["org"] for section in ("offerings", "needs") for record in data[section]}
    present = _existing(Organization, org_refs)
    if present != org_refs:
        missing = ", ".join(sorted(org_refs - present))
        return [f"Listings: demo organizations missing ({missing}); no demo listings created."]
    done_offerings = _existing(Offering, (r["ref"] for r in data["offerings"]))
    done_needs = _existing(Need, (r["ref"] for r in data["needs"]))
    today = timezone.localdate()
    needs = []
    for record in data["needs"]:
        if record["ref"] in done_needs:
            continue
        deadline = record.get("deadline")
        if deadline and dt.date.fromisoformat(deadline) <= today:
            # Keep the demo alive whenever it is seeded: past deadlines move 6 months ahead.
            record = {**record, "deadline": (today + dt.timedelta(days=182)).isoformat()}
        needs.append(record)
    # Stagger publication times (the first record of each section is the newest), so lists
    # look lived-in and their order is deterministic.
    now = timezone.now()

    def staggered(records: list[dict]) -> list[dict]:
        return [
            record
            if record.get("status", "published") not in ("published", "open")
            else {"published_at": (now - dt.timedelta(hours=5 * index + 1)).isoformat(), **record}
            for index, record in enumerate(records)
        ]

    payload = {
        "format": FORMAT,
        "offerings": [r for r in staggered(data["offerings"]) if r["ref"] not in done_offerings],
        "needs": staggered(needs),
    }
    if not payload["offerings"] and not payload["needs"]:
        return []
    report = import_data(payload)
    if not report.ok:
        raise ValueError("Demo listings fixture is invalid:\n" + "\n".join(report.errors))
    return [
        f"Listings: {_counted(payload['offerings'], 'offerings', 'published')} and "
        f"{_counted(payload['needs'], 'needs', 'open')} added."
    ]


def _counted(records: list[dict], noun: str, live: str) -> str:
    """'24 demo offerings (23 published, 1 draft)': what the pages will show, and what not."""
    statuses = Counter(record.get("status", live) for record in records)
    if set(statuses) <= {live}:
        return f"{len(records)} demo {noun} ({len(records)} {live})"
    parts = [f"{statuses.pop(live, 0)} {live}"]
    parts += [f"{n} {status}" for status, n in sorted(statuses.items())]
    return f"{len(records)} demo {noun} ({', '.join(parts)})"


# --- synthetic volume ----------------------------------------------------------------

SECTORS = {
    "government": (
        "政务",
        ["政务服务", "政策咨询", "公文办理", "审批", "热线"],
        ["区政务服务中心", "市行政审批局", "街道办事处", "人社局", "税务所"],
    ),
    "finance": (
        "金融",
        ["信贷", "理财", "保险理赔", "反洗钱", "投研"],
        ["城商行", "农商行", "保险公司", "证券公司", "消费金融公司"],
    ),
    "healthcare": (
        "医疗",
        ["门诊", "病历", "影像", "药事", "随访"],
        ["三甲医院", "社区卫生服务中心", "专科医院", "体检中心", "医药企业"],
    ),
    "industry": (
        "制造",
        ["产线", "设备", "质检", "供应链", "排产"],
        ["汽车零部件厂", "食品企业", "化工企业", "电子制造厂", "钢铁企业"],
    ),
    "culture_tourism": (
        "文旅",
        ["景区", "博物馆", "演艺", "酒店", "研学"],
        ["景区管理公司", "博物馆", "文旅集团", "酒店集团", "旅行社"],
    ),
    "smart_city": (
        "城市治理",
        ["城市运行", "交通", "网格", "应急", "环保"],
        ["城市运行管理中心", "交通管理局", "应急管理局", "生态环境局", "城管委"],
    ),
}
APP_TYPES = {
    "content_generation": (
        "内容生成",
        ["报告起草", "文案生成", "摘要", "多语种翻译", "讲解词生成"],
    ),
    "qa": ("智能问答", ["知识库问答", "智能客服", "政策问答", "坐席辅助", "导诊问答"]),
    "it_support": ("IT支持", ["运维告警分析", "代码助手", "工单分派", "故障定位", "日志分析"]),
    "data_analysis": ("数据分析", ["经营分析", "风险预警", "趋势洞察", "需求预测", "报表自动化"]),
    "recognition": (
        "智能识别",
        ["视频事件识别", "缺陷检测", "票据识别", "人员行为识别", "文档OCR"],
    ),
    "hardware": ("智能硬件", ["一体机", "边缘盒子", "巡检机器人", "智能终端", "交互大屏"]),
}
CAPABILITIES = {
    "content_generation": [
        "可按单位模板生成报告、通知和宣传材料初稿，并支持改写、扩写和多语种输出。",
        "生成内容附带引用来源，审核人员可在线修订后一键发布。",
    ],
    "qa": [
        "基于检索增强生成技术，回答时引用原文条款，并能识别无法回答的问题转交人工。",
        "支持多轮对话、口语化提问和方言语音输入，答案口径由管理员统一维护。",
    ],
    "it_support": [
        "自动汇总告警和日志，给出可能的根因和处置步骤，并能生成修复脚本供工程师确认。",
        "可接入工单系统，按问题类型自动分派，并沉淀常见问题的处理经验。",
    ],
    "data_analysis": [
        "用自然语言即可查询业务数据，自动生成图表和分析结论，减少手工制作报表。",
        "能从大量文本和表格中发现异常与趋势，按周或按月推送分析报告。",
    ],
    "recognition": [
        "复用现有摄像头或扫描设备，对图像和视频中的目标、事件和文字进行实时识别。",
        "小样本即可训练新的识别类别，识别结果可推送到业务平台并留存证据图片。",
    ],
    "hardware": [
        "设备出厂预装模型和应用，通电联网即可使用，支持断网情况下在本地运行。",
        "提供统一的设备管理平台，可远程升级模型、查看运行状态和识别记录。",
    ],
}
KINDS = ["product"] * 6 + ["service"] * 2 + ["compute", "data"]
LAYERS = ["foundation", "industry", "application", "application", None]
DEPLOYMENTS = ["public_api", "private", "appliance", "saas"]
REGIONS = ["北京", "天津", "河北", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "全国"]
VENDOR_WORDS = [
    "星",
    "云",
    "智",
    "数",
    "图",
    "言",
    "远",
    "川",
    "岳",
    "衡",
    "明",
    "驰",
    "新",
    "创",
    "睿",
    "鸿",
]
PRICE_UNITS = ["project"] * 5 + ["year", "month", "user_year", "unit", "million_tokens"]
OPENINGS = [
    "面向{sector_word}领域的{app_word}解决方案，",
    "我们为{client}提供{topic}场景的{app_word}能力，",
    "基于自研行业模型的{topic}{app_word}产品，",
    "聚焦{sector_word}行业{topic}环节，",
]
MIDDLES = [
    "支持与企业现有业务系统对接，提供标准接口和管理后台。",
    "可在客户机房私有化部署，数据不出内网，满足安全合规要求。",
    "内置行业知识库和常用模板，开箱即可使用，也支持按客户数据精调。",
    "已在多家{client}落地，平均上线周期四到六周。",
    "提供可解释的结果和原文出处，便于业务人员核对。",
    "支持国产芯片与操作系统适配，可按需扩展算力。",
    "按效果分阶段交付，先做小范围试点，再逐步推广。",
    "配套驻场实施、培训和七乘二十四小时运维服务。",
]
CLOSINGS = [
    "适合希望提升{topic}效率、降低人工成本的{client}。",
    "帮助客户在{topic}环节缩短处理时间、减少差错。",
    "欢迎有{topic}需求的单位联系试用。",
]
NEED_OPENINGS = [
    "我们是一家{client}，目前{topic}工作主要靠人工，效率低、差错多。",
    "单位{topic}业务量逐年增长，现有人员已经难以应付。",
    "近年来{topic}相关的数据越来越多，但缺少有效的分析手段。",
]
NEED_MIDDLES = [
    "希望引入大模型{app_word}能力，先在一个部门试点。",
    "要求系统能和现有业务平台对接，数据必须留在本单位。",
    "希望供应商有同类项目经验，能提供驻场实施。",
    "预算有限，倾向按年订阅或分期付款的方式。",
    "对回答的准确性要求高，需要能追溯依据。",
]
NEED_GOALS = {
    "content_generation": ["希望能自动起草{topic}相关的报告和材料，人工只做修改和审核。"],
    "qa": ["希望有一个能准确回答{topic}问题的助手，回答要有依据，答不了的转人工。"],
    "it_support": ["希望系统能自动分析{topic}系统的告警和故障，给出处理建议。"],
    "data_analysis": ["希望从{topic}数据中自动发现问题和趋势，定期生成分析报告。"],
    "recognition": ["希望利用现有摄像头或扫描件，自动识别{topic}中的异常情况并及时提醒。"],
    "hardware": ["希望部署能在现场独立运行的智能设备，辅助{topic}工作。"],
}


def _vendor_name(rng: random.Random, number: int) -> str:
    return f"{rng.choice(VENDOR_WORDS)}{rng.choice(VENDOR_WORDS)}智能科技（合成{number}）"


def _fill(template: str, values: dict) -> str:
    return template.format(**values)


def _offering_text(rng: random.Random, sector: str | None, app_type: str | None) -> tuple:
    sector_word, topics, clients = SECTORS[sector] if sector else ("多行业", ["业务"], ["企业"])
    app_word, app_topics = APP_TYPES[app_type] if app_type else ("大模型", ["智能化"])
    values = {
        "sector_word": sector_word,
        "topic": rng.choice(topics),
        "client": rng.choice(clients),
        "app_word": app_word,
    }
    title = f"{values['topic']}{rng.choice(app_topics)}{rng.choice(['平台', '系统', '助手', '解决方案', '服务'])}"
    summary = _fill(rng.choice(OPENINGS), values).rstrip("，") + "。"
    parts = [_fill(rng.choice(OPENINGS), values)]
    if app_type:
        parts += rng.sample(CAPABILITIES[app_type], rng.randint(1, 2))
    parts += [_fill(m, values) for m in rng.sample(MIDDLES, rng.randint(3, 5))]
    parts.append(_fill(rng.choice(CLOSINGS), values))
    return title, summary, "".join(parts), [values["topic"], rng.choice(app_topics), sector_word]


def _need_text(rng: random.Random, sector: str, app_type: str) -> tuple[str, str]:
    sector_word, topics, clients = SECTORS[sector]
    app_word, app_topics = APP_TYPES[app_type]
    values = {"topic": rng.choice(topics), "client": rng.choice(clients), "app_word": app_word}
    title = f"寻求{values['topic']}{rng.choice(app_topics)}方案"
    parts = [_fill(rng.choice(NEED_OPENINGS), values)]
    parts.append(rng.choice(NEED_GOALS[app_type]).format(**values))
    parts += [_fill(m, values) for m in rng.sample(NEED_MIDDLES, rng.randint(3, 5))]
    return title, "".join(parts)


def _price(rng: random.Random) -> tuple[int | None, int | None]:
    if rng.random() < 0.15:
        return None, None
    low = rng.choice([5, 10, 20, 50, 100, 200, 500]) * 10_000
    return low, low * rng.choice([2, 3, 5, 10])


def synthetic_world(*, offerings: int, needs: int, seed: int = 20231201) -> dict:
    """An llm-match/v1 document with synthetic organizations, offerings and needs."""
    rng = random.Random(seed)
    vendor_count = max(1, min(2000, offerings // 50 or 1))
    enterprise_count = max(1, min(1000, needs // 10 or 1))
    sectors, app_types = list(SECTORS), list(APP_TYPES)
    organizations = [
        {
            "ref": f"syn-v-{number:05d}",
            "kind": "vendor",
            "name": _vendor_name(rng, number),
            "name_en": f"Synthetic vendor {number}",
            "region": rng.choice(REGIONS[:-1]),
            "description": "合成数据：用于性能测试的厂商。",
        }
        for number in range(1, vendor_count + 1)
    ] + [
        {
            "ref": f"syn-e-{number:05d}",
            "kind": "enterprise",
            "name": f"{SECTORS[sectors[number % 6]][2][number % 5]}（合成{number}）",
            "name_en": f"Synthetic enterprise {number}",
            "region": rng.choice(REGIONS[:-1]),
            "description": "合成数据：用于性能测试的企业。",
        }
        for number in range(1, enterprise_count + 1)
    ]
    offering_rows = []
    for number in range(1, offerings + 1):
        chosen_sectors = rng.sample(sectors, rng.choice([0, 1, 1, 1, 2, 2, 3]))
        chosen_types = rng.sample(app_types, rng.choice([1, 1, 1, 2, 2]))
        title, summary, description, tags = _offering_text(
            rng, chosen_sectors[0] if chosen_sectors else None, chosen_types[0]
        )
        low, high = _price(rng)
        offering_rows.append(
            {
                "ref": f"syn-o-{number:06d}",
                "org": f"syn-v-{rng.randint(1, vendor_count):05d}",
                "title": title,
                "summary": summary,
                "description": description,
                "kind": rng.choice(KINDS),
                "layer": rng.choice(LAYERS),
                "sectors": chosen_sectors,
                "app_types": chosen_types,
                "deployment": rng.sample(DEPLOYMENTS, rng.randint(1, 3)),
                "price_min": low,
                "price_max": high,
                "price_unit": rng.choice(PRICE_UNITS),
                "regions": rng.sample(REGIONS, rng.randint(1, 3)),
                "tags": tags,
            }
        )
    today = dt.date.today()
    need_rows = []
    for number in range(1, needs + 1):
        sector, app_type = rng.choice(sectors), rng.choice(app_types)
        title, description = _need_text(rng, sector, app_type)
        low, high = _price(rng)
        need_rows.append(
            {
                "ref": f"syn-n-{number:06d}",
                "org": f"syn-e-{rng.randint(1, enterprise_count):05d}",
                "title": title,
                "description": description,
                # As real posters do, some needs are not categorised.
                "sectors": [sector] if rng.random() < 0.8 else [],
                "app_types": [app_type] if rng.random() < 0.7 else [],
                "deployment": rng.sample(DEPLOYMENTS, rng.randint(0, 2)),
                "budget_min": low,
                "budget_max": high,
                "region": rng.choice(REGIONS),
                "deadline": (today + dt.timedelta(days=rng.randint(30, 365))).isoformat(),
                "visibility": rng.choice(["public"] * 8 + ["anonymous"] * 2),
            }
        )
    return {
        "format": FORMAT,
        "organizations": organizations,
        "offerings": offering_rows,
        "needs": need_rows,
    }


#: Records of one section written per transaction by the synthetic world.
SEED_BATCH = 5000


def seed_volume(*, offerings: int, needs: int, seed: int = 20231201, stdout=None) -> list[str]:
    started = time.monotonic()
    data = synthetic_world(offerings=offerings, needs=needs, seed=seed)
    for section, model in (
        ("organizations", Organization),
        ("offerings", Offering),
        ("needs", Need),
    ):
        done = _existing(model, (r["ref"] for r in data[section]))
        data[section] = [r for r in data[section] if r["ref"] not in done]
    if not any(data[section] for section in ("organizations", "offerings", "needs")):
        return ["Listings: the synthetic world already exists; nothing added."]

    def progress(section: str, done: int, total: int) -> None:
        if stdout is not None and total >= 5000:
            stdout.write(f"  {section}: {done}/{total} ({time.monotonic() - started:.0f} s)")

    # One import (one transaction) per batch of records: the organizations first, then the
    # offerings and the needs, which name them by ref. An interrupted seed leaves whole batches;
    # running it again adds the rest (records whose ref exists are skipped above).
    for section in ("organizations", "offerings", "needs"):
        rows = data[section]
        for start in range(0, len(rows), SEED_BATCH):
            chunk = {"format": data["format"], section: rows[start : start + SEED_BATCH]}
            report = import_data(chunk, progress=progress)
            if not report.ok:
                raise ValueError("Synthetic data is invalid:\n" + "\n".join(report.errors[:20]))
    return [
        f"Listings: synthetic {len(data['organizations'])} organizations, "
        f"{len(data['offerings'])} offerings, {len(data['needs'])} needs added in "
        f"{time.monotonic() - started:.1f} s."
    ]


def seed_listings(options: dict, stdout) -> list[str]:
    lines = seed_demo_listings()
    offerings, needs = options.get("offerings") or 0, options.get("needs") or 0
    if offerings or needs:
        lines += seed_volume(
            offerings=offerings,
            needs=needs,
            seed=options.get("seed") or 20231201,
            stdout=stdout,
        )
    return lines
