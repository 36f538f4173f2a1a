"""How far can a vendor game the ranking with an offering's *text*? Prints figures.

    python -m tools.bench gaming [FILE …] [--echo-words 12,22,40] [--json OUT]

For each labelled file (default: ours in fixtures/ and the shared ones in ../shared/data), one
gaming offering is added at a time (one engine fit per strategy: text stuffing naming every
sector, an echo of the words needs use most — 40 words, or each size of ``--echo-words`` —, a
copy of the file's most-shown offering, a keyword title, every category claimed, one phrase
repeated), every need is ranked over all offerings, and the gaming offering's place is
recorded: the share of needs whose top 5 holds it ("shown": in the top 5 with a calibrated
score of at least 50, what a buyer sees without asking for weaker matches), the share where it
is first, its median rank, whether it pushed a grade-3 offering out of the top 5, and the
change of nDCG@5. Its other attributes are permissive and the same for every strategy (all
deployment modes, a price any budget fits, nationwide, 信创 and on-premises, a filing), so that
only the text differs; "0_control_bank_qa" is an honest single-domain offering with the same
attributes, the level to compare with. Nothing is asserted; MEASUREMENTS.md has the figures.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
from collections import Counter
from pathlib import Path

import jieba
from django.conf import settings

from matchmaking.matching import calibration
from matchmaking.matching.engine.config import EngineConfig
from matchmaking.matching.engine.engine import MatchingEngine
from matchmaking.matching.engine.evaluate import load_dataset
from matchmaking.matching.engine.features import offering_hype
from matchmaking.matching.engine.lexicon import default_lexicon
from matchmaking.matching.engine.metrics import ndcg_at_k

jieba.setLogLevel(60)

SECTORS = ["government", "finance", "healthcare", "industry", "culture_tourism", "smart_city"]
APP_TYPES = ["content_generation", "qa", "it_support", "data_analysis", "recognition", "hardware"]
GAME_REF = "o-game"
GAME_ORG = "v-game"

EXCLUDED = ("llm-match-example", "llm-match-errors", "demo_", "taxonomy")


def files() -> list[str]:
    """The labelled files: ours in fixtures/, the shared ones in ../shared/data (next to the
    checkout; a missing one is an error, not a skip)."""
    root = Path(settings.BASE_DIR)
    fs = sorted(str(p) for p in (root / "fixtures").glob("matching-*.json"))
    fs = [f for f in fs if not any(x in f for x in EXCLUDED)]
    shared = root.parent / "shared" / "data"
    for name in ("matching-dev.json", "matching-dev-paraphrased.json"):
        if not (shared / name).is_file():
            raise SystemExit(f"missing labelled file: {shared / name}")
        fs.append(str(shared / name))
    return fs


# ------------------------------------------------------------------ texts

STUFF_DESC = (
    "我们为银行、证券和保险机构建设智能客服、坐席辅助、信贷报告生成和反洗钱可疑交易分析系统；"
    "为政府部门提供12345热线工单分派、公文起草、政策问答和政务服务办事指引；"
    "为医院提供病历生成与质控、导诊分诊问答、医学影像辅助识别和医保审核；"
    "为制造企业提供设备故障诊断、维修知识问答、产线视觉缺陷检测、供应链需求预测和生产排程；"
    "为景区和文旅集团提供智能导览讲解、游客咨询问答、文旅营销文案和短视频生成；"
    "为城市管理部门提供视频事件识别、交通流量分析、应急指挥辅助和城市运行监测。"
    "技术上支持知识库问答、多轮对话、营销文案和报告生成、经营数据分析与报表、销量预测、"
    "OCR票据与合同识别、语音识别与质检、代码生成与智能运维，并提供大模型一体机、智能终端和服务机器人等硬件。"
    "可私有化部署，适配国产服务器和操作系统，也可按SaaS订阅。"
)

# A concrete single-domain text (bank credit-card customer service), used by 5, 6 and the control.
BANK_TITLE = "银行信用卡中心智能客服与坐席辅助系统"
BANK_SUMMARY = "面向银行信用卡中心和呼叫中心的智能客服机器人与坐席实时辅助。"
BANK_DESC = (
    "机器人自动回答持卡人关于账单、额度调整、分期手续费、还款和积分的常见问题，支持多轮对话，"
    "答不了的问题转人工坐席。人工接听时，系统根据通话内容实时推荐话术和相关业务规定，"
    "通话结束后自动生成通话小结并填写工单。可对接行内现有呼叫中心、CRM和知识库，"
    "在行内机房私有化部署，客户数据不出行。某城商行信用卡中心上线后，机器人独立解决率约65%，"
    "坐席平均通话时长缩短20%。"
)
BANK_TAGS = ["智能客服", "坐席辅助", "信用卡", "呼叫中心", "知识库问答"]
REPEAT_PHRASE = "银行智能客服知识库问答"

TITLE_STUFF = (
    "智能客服 知识库问答 公文写作 病历生成 视觉质检 缺陷检测 数据分析 销量预测 "
    "热线工单分派 智能导览 OCR票据识别 语音质检 代码助手 大模型一体机"
)

STOP_EXTRA = set(
    [
        "我们",
        "希望",
        "需要",
        "现在",
        "目前",
        "一个",
        "能够",
        "可以",
        "进行",
        "没有",
        "每天",
        "这些",
        "这个",
        "那个",
        "还有",
        "以及",
        "已经",
        "主要",
        "通过",
        "相关",
        "自己",
        "现有",
        "要求",
        "如何",
        "什么",
        "怎么",
        "因为",
        "所以",
        "但是",
        "而且",
        "同时",
        "比如",
        "之类",
        "左右",
        "大约",
        "每年",
        "每月",
        "一些",
        "很多",
        "不能",
        "只能",
        "不要",
        "不少",
        "以后",
        "之后",
        "之前",
        "时候",
        "东西",
        "事情",
        "情况",
        "问题",
        "工作",
        "人员",
        "支持",
        "实现",
        "提供",
        "系统",
        "方案",
        "能力",
        "平台",
        "最好",
        "起来",
        "出来",
        "下来",
        "不是",
        "就是",
        "还是",
        "或者",
        "如果",
        "这样",
        "那样",
        "一下",
        "一份",
        "一套",
        "几个",
        "多少",
        "希望能",
        "能否",
        "是否",
        "觉得",
        "为了",
        "其中",
        "预算",
        "万元",
        "以内",
        "以上",
        "必须",
        "知道",
        "哪个",
        "过来",
        "不到",
        "只有",
        "两个",
        "几台",
        "哪台",
        "一笔",
        "一上午",
        "完成",
        "发现",
        "没人",
        "左右",
        "个人",
        "一年",
        "一天",
        "每个",
        "各个",
        "所有",
        "全部",
        "大量",
        "经常",
        "越来越",
        "特别",
        "尤其",
        "已经",
        "这么",
    ]
)


def need_echo_words(data: dict, k: int = 40) -> list[str]:
    """Most frequent content words (jieba) across all needs' titles and descriptions."""
    stop = set(default_lexicon().stopwords) | STOP_EXTRA
    counts: Counter[str] = Counter()
    for n in data["needs"]:
        for w in jieba.lcut(f"{n.get('title', '')}\n{n.get('description', '')}"):
            w = w.strip()
            if (
                len(w) < 2
                or w in stop
                or any(ch.isdigit() for ch in w)
                or not any("\u4e00" <= ch <= "\u9fff" for ch in w)
            ):
                continue
            counts[w] += 1
    return [w for w, _ in counts.most_common(k)]


def echo_desc(words: list[str]) -> str:
    lines = []
    for i in range(0, len(words), 5):
        lines.append(f"{len(lines) + 1}. 支持" + "、".join(words[i : i + 5]) + "。")
    return "我们的能力包括：\n" + "\n".join(lines) + "\n提供私有化部署和定制开发服务。"


def base_offering(**kw) -> dict:
    o = {
        "ref": GAME_REF,
        "org": GAME_ORG,
        "kind": "product",
        "layer": "application",
        "sectors": [],
        "app_types": [],
        "deployment": ["public_api", "private", "appliance", "saas"],
        "price_min": 20000,
        "price_max": 800000,
        "price_unit": "project",
        "regions": ["全国"],
        "tags": [],
        "domestic_platforms": ["昇腾", "麒麟"],
        "on_premises_data": True,
        "status": "published",
    }
    o.update(kw)
    return o


def game_org(filing: bool = True) -> dict:
    org = {
        "ref": GAME_ORG,
        "kind": "vendor",
        "name": "启衡智能科技有限公司",
        "name_en": "Qiheng AI",
        "region": "北京市朝阳区",
        "description": "大模型应用开发与集成服务商。",
    }
    if filing:
        org["filing_number"] = "Beijing-Qiheng-202405200031"
    return org


def echo_offering(data: dict, words: int) -> dict:
    """The need echo: the ``words`` words needs use most, listed in a short text."""
    echo = need_echo_words(data, k=words)
    return base_offering(
        title="大模型业务场景应用解决方案",
        summary="围绕客户业务场景提供大模型应用。",
        description=echo_desc(echo),
        tags=echo[:6],
    )


def strategies(
    data: dict, top1_ref: str | None, echo_words: tuple[int, ...] = (40,)
) -> dict[str, tuple[dict, dict]]:
    out: dict[str, tuple[dict, dict]] = {}
    out["0_control_bank_qa"] = (
        base_offering(
            title=BANK_TITLE,
            summary=BANK_SUMMARY,
            description=BANK_DESC,
            sectors=["finance"],
            app_types=["qa"],
            tags=BANK_TAGS,
        ),
        game_org(),
    )
    out["1_text_stuffing"] = (
        base_offering(
            title="企业级大模型应用定制与交付",
            summary="面向多个行业提供大模型应用的定制开发与交付。",
            description=STUFF_DESC,
            tags=["智能客服", "知识库问答", "报告生成", "数据分析", "视觉识别", "一体机"],
        ),
        game_org(),
    )
    for words in echo_words:  # "2_need_echo" is the 40-word echo, others are named by size
        name = "2_need_echo" if words == 40 else f"2_need_echo_{words}"
        out[name] = (echo_offering(data, words), game_org())
    if top1_ref:
        orig = next(o for o in data["offerings"] if o["ref"] == top1_ref)
        o = copy.deepcopy(orig)
        o["ref"], o["org"] = GAME_REF, GAME_ORG
        t = o.get("title", "")
        o["title"] = t[:-2] + "系统" if t.endswith("平台") else t + "（专业版）"
        orig_org = next((g for g in data["organizations"] if g["ref"] == orig["org"]), {})
        out["3_competitor_copy"] = (
            o,
            game_org(filing=bool(str(orig_org.get("filing_number") or "").strip())),
        )
    out["4_title_stuffing"] = (
        base_offering(
            title=TITLE_STUFF,
            summary="大模型应用定制开发。",
            description="提供大模型应用定制开发，支持私有化部署和SaaS。",
        ),
        game_org(),
    )
    out["5_broad_claim_all_codes"] = (
        base_offering(
            title=BANK_TITLE,
            summary=BANK_SUMMARY,
            description=BANK_DESC,
            sectors=list(SECTORS),
            app_types=list(APP_TYPES),
            tags=BANK_TAGS,
        ),
        game_org(),
    )
    out["6_repetition_x20"] = (
        base_offering(
            title=BANK_TITLE,
            summary=BANK_SUMMARY,
            description=BANK_DESC + "".join(f"{REPEAT_PHRASE}，" for _ in range(20)),
            sectors=["finance"],
            app_types=["qa"],
            tags=BANK_TAGS,
        ),
        game_org(),
    )
    return out


# ------------------------------------------------------------------ running


def cat_entropy(eng, doc) -> float:
    """Entropy (bits) of the engine's inferred sector + app-type distribution of a text."""
    import math

    text = "\n".join([doc.title, doc.summary or "", doc.description or "", " ".join(doc.tags)])
    cs = eng.infer_categories(text)
    h = 0.0
    for fam in ("sectors", "app_types"):
        tot = sum(p for _, p in cs[fam]) or 1.0
        h += -sum((p / tot) * math.log2(p / tot) for _, p in cs[fam] if p > 0)
    return round(h, 3)


def run(data: dict) -> tuple[dict[str, list[str]], dict[str, dict[str, float]], object]:
    ds = load_dataset(data)
    eng = MatchingEngine(EngineConfig(workers=1)).fit(ds.offerings, ds.needs, ds.cases)
    k = len(ds.offerings) + 5
    ranked, scores = {}, {}
    for need in ds.needs:
        sugg = eng.rank_offerings(need, top_k=k)
        ranked[need.ref] = [s.target_ref for s in sugg]
        scores[need.ref] = {s.target_ref: s.score for s in sugg}
    return ranked, scores, ds, eng


def probe_file(path: str, echo_words: tuple[int, ...] = (40,)) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    base_ranked, base_scores, ds, beng = run(data)
    reach = Counter(x for r in base_ranked.values() for x in r[:5])
    real_reach = sorted((c / len(base_ranked) for c in reach.values()), reverse=True)
    real_ent = sorted(cat_entropy(beng, o) for o in ds.offerings)
    labels = ds.labels
    n_off = len(ds.offerings)
    firsts = Counter(r[0] for r in base_ranked.values() if r)
    top1_ref = firsts.most_common(1)[0][0] if firsts else None
    base_ndcg = {n: ndcg_at_k(r, labels.get(n, {}), 5) for n, r in base_ranked.items()}
    res = {
        "real_max_top5": real_reach[0],
        "real_p90_top5": real_reach[max(0, len(ds.offerings) // 10 - 1)],
        "real_max_entropy": real_ent[-1],
        "real_median_entropy": real_ent[len(real_ent) // 2],
        "file": os.path.basename(path),
        "n_needs": len(base_ranked),
        "n_offerings": n_off,
        "top1_ref": top1_ref,
        "top1_count": firsts[top1_ref] if top1_ref else 0,
        "strategies": {},
    }
    for name, (off, org) in strategies(data, top1_ref, echo_words).items():
        d = copy.deepcopy(data)
        d["organizations"].append(org)
        d["offerings"].append(off)
        ranked, scores, gds, geng = run(d)
        gdoc = next(o for o in gds.offerings if o.ref == GAME_REF)
        sev, flagged = offering_hype(gdoc)
        ranks, in5, is1, pushed, eligible, dn = [], 0, 0, 0, 0, []
        shown5 = 0  # in the top 5 with a calibrated score a buyer sees by default (≥ 50)
        beats_orig = ties_orig = both = 0
        diffs = []
        ent = cat_entropy(geng, gdoc)
        for nref, r in ranked.items():
            rank = r.index(GAME_REF) + 1 if GAME_REF in r else None
            eligible += rank is not None
            ranks.append(rank if rank is not None else n_off + 2)
            in5 += rank is not None and rank <= 5
            shown5 += (
                rank is not None
                and rank <= 5
                and calibration.calibrate(scores[nref][GAME_REF]) >= calibration.POSSIBLE_MATCH
            )
            is1 += rank == 1
            g = labels.get(nref, {})
            g3_before = {x for x in base_ranked[nref][:5] if g.get(x, 0) == 3}
            if g3_before - set(r[:5]):
                pushed += 1
            dn.append(ndcg_at_k(r, g, 5) - base_ndcg[nref])
            if name.startswith("3_") and GAME_REF in r and top1_ref in r:
                both += 1
                sg, so = scores[nref][GAME_REF], scores[nref][top1_ref]
                beats_orig += r.index(GAME_REF) < r.index(top1_ref)
                ties_orig += abs(sg - so) < 0.05
                diffs.append(sg - so)
        m = len(ranked)
        st = {
            "top5": in5 / m,
            "shown5": shown5 / m,
            "top1": is1 / m,
            "median_rank": statistics.median(ranks),
            "eligible": eligible / m,
            "pushed_g3": pushed / m,
            "d_ndcg5": sum(dn) / m,
            "ranks": ranks,
            "hype_severity": round(float(sev), 2),
            "hype_flagged": bool(flagged),
            "cat_entropy": ent,
        }
        if name.startswith("3_"):
            st.update(
                {
                    "copy_of": top1_ref,
                    "copy_outranks_orig": beats_orig / max(1, both),
                    "copy_ties_orig": ties_orig / max(1, both),
                    "copy_minus_orig_mean": sum(diffs) / max(1, len(diffs)),
                    "copy_minus_orig_absmax": max(map(abs, diffs), default=0),
                    "both_ranked": both,
                    "orig_has_cases": any(c.offering_ref == top1_ref for c in ds.cases),
                }
            )
        if name.startswith("2_"):
            st["echo_words"] = need_echo_words(data)[:15]
        res["strategies"][name] = st
        print(
            f"  {res['file']:42s} {name:26s} top5 {st['top5']:.2f} shown {st['shown5']:.2f} "
            f"top1 {st['top1']:.2f} "
            f"med {st['median_rank']:>5} elig {st['eligible']:.2f} pushG3 {st['pushed_g3']:.2f} "
            f"ent {ent:.2f} dnDCG {st['d_ndcg5']:+.3f} hype {st['hype_severity']}/{st['hype_flagged']}",
            flush=True,
        )
    return res


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench gaming", description=__doc__.splitlines()[0]
    )
    parser.add_argument("files", nargs="*", help="labelled llm-match/v1 files (default: all)")
    parser.add_argument("--json", default="", help="also write the per-file results here")
    parser.add_argument(
        "--echo-words",
        default="40",
        help="sizes of the need echo, comma-separated (default 40; e.g. 12,22,40)",
    )
    args = parser.parse_args(argv)
    echo_words = tuple(int(x) for x in args.echo_words.split(",") if x.strip())
    results = []
    for f in args.files or files():
        print(f, flush=True)
        results.append(probe_file(f, echo_words))
    if args.json:
        Path(args.json).write_text(
            json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    # aggregate: pooled over needs (each need counts once), plus worst file by top-5 share
    names = list(results[0]["strategies"])
    print("\nAGGREGATE (pooled over all needs of all files)")
    print(
        f"{'strategy':26s} {'top5':>5} {'shown':>5} {'#1':>5} {'medRk':>6} {'pushG3':>6} {'dnDCG':>7} {'hype':>5} | worst file (top5/#1/med)"
    )
    for name in names:
        rows = [(r, r["strategies"][name]) for r in results if name in r["strategies"]]
        N = sum(r["n_needs"] for r, _ in rows)

        def agg(key: str, rows=rows, N=N) -> float:
            return sum(s[key] * r["n_needs"] for r, s in rows) / N

        med = statistics.median([x for _, s in rows for x in s["ranks"]])
        wr, ws = max(rows, key=lambda x: (x[1]["top5"], x[1]["top1"]))
        severities = {s["hype_severity"] for _, s in rows}
        print(
            f"{name:26s} {agg('top5'):5.2f} {agg('shown5'):5.2f} {agg('top1'):5.2f} {med:6.1f} "
            f"{agg('pushed_g3'):6.2f} "
            f"{agg('d_ndcg5'):+7.3f} {'/'.join(map(str, sorted(severities))):>5} | {wr['file']} "
            f"({ws['top5']:.2f}/{ws['top1']:.2f}/{ws['median_rank']})"
        )
    print("\ncompetitor copy:")
    for r in results:
        s = r["strategies"].get("3_competitor_copy")
        if s:
            print(
                f"  {r['file']:42s} orig {s['copy_of']} (#1 for {r['top1_count']}/{r['n_needs']}) "
                f"copy outranks {s['copy_outranks_orig']:.2f} ties {s['copy_ties_orig']:.2f} "
                f"orig_has_cases {s['orig_has_cases']} mean diff {s['copy_minus_orig_mean']:+.2f} max|diff| {s['copy_minus_orig_absmax']:.2f}"
            )
    print("\nreal offerings: max / p90 top-5 share, median / max inferred-category entropy")
    for r in results:
        print(
            f"  {r['file']:42s} {r['real_max_top5']:.2f} / {r['real_p90_top5']:.2f}   {r['real_median_entropy']:.2f} / {r['real_max_entropy']:.2f}"
        )
