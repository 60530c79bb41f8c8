"""Gold examples and shared features of the trained extractors (NER, relations).

`load_gold` reads the real documents with their `entities` annotations and projects the
raw-text spans into each `Document`'s cleaned text; `money_context` and friends describe a
mention by the words around it, for the relation and attribute classifiers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.annotate.format import ANNOTATIONS_DIR, load_all, project
from pipeline.schema import Document, Mention, Relation

logger = logging.getLogger(__name__)

NER_LABELS = ("INDICATOR", "TARGET", "ACTUAL", "MONEY", "SCORE", "WEIGHT", "UNIT_NAME", "YEAR", "RATE", "GRADE")
VALUE_LABELS = ("TARGET", "ACTUAL", "WEIGHT", "SCORE")
CUE_WORDS = (
    "目标", "指标值", "实际", "完成", "达到", "预算", "决算", "执行", "年初", "调整", "全年", "收入", "支出",
    "基本", "项目", "人员", "公用", "三公", "合计", "总计", "总额", "增加", "减少", "比", "上年", "分值", "得分",
    "权重", "到位", "安排", "下达", "拨付", "其中",
)  # fmt: skip


@dataclass
class GoldDoc:
    """A real document with its gold mentions and relations in cleaned-text offsets."""

    name: str
    doc: Document
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def training_settings(
    config: Path | None, output: Path | None, *, default_config: str, default_output: str
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """(the whole config, its [model] settings, the output folder) of a `jixiao train …` command."""
    import tomllib

    from pipeline.core import resolve_path

    cfg_path = Path(config) if config else resolve_path(default_config)
    with cfg_path.open("rb") as fh:
        cfg = tomllib.load(fh)
    settings = dict(cfg.get("model", {}))
    if "labels" in settings:
        settings["labels"] = tuple(settings["labels"])
    out = Path(output) if output else resolve_path(cfg.get("output", default_output))
    return cfg, settings, out


def load_gold(*, root: Path = ANNOTATIONS_DIR, shared: Path | None = None) -> list[GoldDoc]:
    """Every real document that has an `entities` annotation, seeds first."""
    from pipeline.annotate.corpus import real_documents
    from pipeline.ingest import read_document

    anns = load_all(root, layer="entities")
    out = []
    for real in real_documents(shared):
        files = [a for a in anns.get(real.sha256, []) if a.layer == "entities"]
        if not files:
            continue
        ann = files[0]
        doc = read_document(real.path)
        ids: dict[str, int] = {}
        mentions: list[Mention] = []
        for span in ann.entities:
            s, e = project(doc, span.start, span.end)
            if s >= e:
                continue
            attrs = dict(span.attrs)
            value = attrs.get("value")
            if isinstance(value, dict):
                value = dict(value)
                value["text"] = doc.text[s:e]
                if value.get("qualitative") == "*":
                    value["qualitative"] = doc.text[s:e]
                attrs["value"] = value
            ids[span.id] = len(mentions)
            mentions.append(Mention(label=span.label, start=s, end=e, text=doc.text[s:e], source="gold", attrs=attrs))
        relations = [
            Relation(head=ids[r.head], tail=ids[r.tail], label=r.label, source="gold")
            for r in ann.relations
            if r.head in ids and r.tail in ids
        ]
        out.append(GoldDoc(real.name, doc, mentions, relations, dict(ann.doc_facts)))
    return out


# --- context features ---------------------------------------------------------------------

_CLAUSE = re.compile(r"[。；;！？\n]")


def clause_before(text: str, start: int, *, limit: int = 60) -> str:
    """The text from the last clause end (or `limit` characters) up to `start`."""
    lo = max(0, start - limit)
    window = text[lo:start]
    cut = max((m.end() for m in _CLAUSE.finditer(window)), default=0)
    return window[cut:]


def cue_features(prefix: str, context: str, *, near: int = 12) -> dict[str, float]:
    """Cue words present in `context` and in its last `near` characters."""
    feats: dict[str, float] = {}
    tail = context[-near:]
    for cue in CUE_WORDS:
        if cue in context:
            feats[f"{prefix}cue={cue}"] = 1.0
            feats[f"{prefix}last={cue}"] = float(context.rfind(cue) / max(1, len(context)))
        if cue in tail:
            feats[f"{prefix}near={cue}"] = 1.0
    return feats


def ngram_features(prefix: str, text: str, *, n: tuple[int, ...] = (1, 2)) -> dict[str, float]:
    feats: dict[str, float] = {}
    for k in n:
        for i in range(len(text) - k + 1):
            feats[f"{prefix}{text[i : i + k]}"] = 1.0
    return feats


# Cue words of each attribute value; the nearest one before an amount is a strong hint.
STAGE_CUES = {
    "budget_adjusted": ("调整后预算", "调整预算", "全年预算", "（调整）预算", "(调整)预算"),
    "actual": ("决算", "实际", "执行数", "执行", "到位", "支出了", "完成", "使用", "拨付", "支付", "发放", "收到"),
    "budget_initial": ("年初预算", "预算数", "预算安排", "预算为", "预算总", "安排", "预算", "下达", "申请", "批复"),
    "delta": ("增加", "减少", "增长", "下降", "节约", "相比", "比上年", "同比", "较上年"),
}
ITEM_CUES = {
    "three_public": ("三公", "因公出国", "公务用车", "公务接待"),
    "personnel": ("人员经费", "工资福利", "对个人和家庭"),
    "public": ("公用经费", "商品和服务"),
    "basic": ("基本支出",),
    "project": ("项目支出", "项目资金", "专项资金", "专项经费"),
    "total": ("合计", "总计", "总收入", "总支出", "总额", "资金总额", "收支总", "共计"),
}
FLOW_CUES = {"income": ("收入", "下达", "拨款", "收到", "资金来源"), "expenditure": ("支出", "经费", "使用", "发放"), "both": ("收入、支出", "收支")}
FUND_KINDS = ("一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算", "预算单位", "预算绩效", "预算管理", "预算编制")


def nearest_cue_features(prefix: str, context: str, cues: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """Which attribute value has the cue nearest to the end of `context`, and how near each is."""
    for kind in FUND_KINDS:
        context = context.replace(kind, "#" * len(kind))
    best, best_pos = None, -1
    feats: dict[str, float] = {}
    for value, words in cues.items():
        pos = max((context.rfind(w) + len(w) for w in words if w in context), default=-1)
        if pos >= 0:
            feats[f"{prefix}dist={value}"] = 1.0 - min(len(context) - pos, 60) / 60
            if pos > best_pos:
                best, best_pos = value, pos
    if best is not None:
        feats[f"{prefix}nearest={best}"] = 1.0
    return feats


def money_features(text: str, mention: Mention) -> dict[str, float]:
    """Features of a MONEY mention for its stage, flow and item classifiers."""
    before = clause_before(text, mention.start)
    line_start = text.rfind("\n", 0, mention.start) + 1
    line = text[line_start : text.find("\n", mention.end) if "\n" in text[mention.end :] else len(text)]
    feats = cue_features("b:", before)
    feats.update(ngram_features("n:", before[-10:]))
    sentence = clause_before(text, mention.start, limit=120)
    for prefix, cues in (("stage:", STAGE_CUES), ("item:", ITEM_CUES), ("flow:", FLOW_CUES)):
        feats.update(nearest_cue_features(prefix, before, cues))
        feats.update(nearest_cue_features("s" + prefix, sentence, cues))
    header = text[max(0, mention.start - 300) : line_start]
    feats.update(nearest_cue_features("h:stage:", header, STAGE_CUES))
    feats.update(cue_features("l:", line, near=40))
    head = text[max(0, mention.start - 600) : mention.start]
    j, k = head.rfind("决算"), head.rfind("预算")
    feats["sec:决算"] = float(j > k)
    feats["table"] = float("|" in line or line.startswith("\t"))
    feats["bare"] = float(not re.search(r"元", mention.text))
    after = text[mention.end : mention.end + 8]
    feats.update(cue_features("a:", after, near=8))
    # whose money: the whole of a project's (a project report's first amount of a sentence) or a
    # part listed after 其中/分别为/包括
    feats["first_in_sentence"] = float(not _MONEY_BEFORE.search(sentence))
    feats["listed_part"] = float(bool(_LIST_WORDS.search(sentence)))
    feats["project_report"] = float(bool(_PROJECT_REPORT.search(text[:400])))
    return feats


_MONEY_BEFORE = re.compile(r"[0-9][0-9,.]*\s*(?:万元|亿元|元|万)")
_LIST_WORDS = re.compile(r"其中|分别为|包括|具体为")
_PROJECT_REPORT = re.compile(r"项目(?:支出)?绩效(?:自评|评价)|专项资金绩效|转移支付|资金绩效")
