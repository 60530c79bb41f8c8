"""Comparing a target with an actual: units made comparable, `achieved` computed or null."""

from __future__ import annotations

from pipeline.schema import Value

# Qualitative actuals that meet any qualitative target of the same family.
MEETS = {"达标", "完成", "已完成", "全部完成", "按时完成", "按期完成", "如期完成", "满意", "非常满意", "很满意",
         "优", "优秀", "优良", "良好", "合格", "有效", "显著", "合规", "规范", "健全", "相关", "合理", "真实",
         "完整", "科学", "达到预期", "符合", "符合要求", "符合标准", "及时", "按时", "按期", "准时"}  # fmt: skip
# Indicators whose bare target is a ceiling (受害率 0.9 means at most 0.9).
CEILING_WORDS = (
    "受害率",
    "成灾率",
    "发生率",
    "事故",
    "成本",
    "费用",
    "调整率",
    "结余率",
    "投诉",
    "差错",
    "违规",
    "不合格",
    "超支",
)
FAILS = {"未完成", "未达标", "不合格", "不满意", "较差", "差", "否", "没有"}


def _unit(v: Value) -> str | None:
    return v.unit.replace("*", "·").replace("、", "·") if v.unit else None


def comparable(target: Value, actual: Value) -> bool:
    if target.value is None or actual.value is None:
        return False
    tu, au = _unit(target), _unit(actual)
    return tu == au or au is None or tu is None and au == "%" and target.value <= 100


def achieved(target: Value | None, actual: Value | None, *, name: str = "") -> bool | None:
    """Whether `actual` meets `target`; None where they cannot be compared.

    A bare numeric target (no operator) is a floor, or a ceiling for indicators named
    like 受害率, 成本 (`CEILING_WORDS`).
    """
    if target is None or actual is None:
        return None
    if target.qualitative and target.value is None:
        a = (actual.qualitative or actual.text or "").strip()
        t = target.qualitative.strip()
        if not a:
            return None
        if a == t or a in MEETS and t in MEETS:
            return True
        if a in FAILS:
            return False
        return None
    if not comparable(target, actual):
        return None
    x, t = actual.value, target.value
    op = target.op or ("<=" if any(w in name for w in CEILING_WORDS) else ">=")
    if op == ">=":
        return x >= t
    if op == "<=":
        return x <= t
    if op == ">":
        return x > t
    if op == "<":
        return x < t
    if op == "range":
        return target.upper is not None and t <= x <= target.upper
    return abs(x - t) <= 1e-9 * max(1.0, abs(t))
