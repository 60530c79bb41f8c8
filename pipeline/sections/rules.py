"""Keyword rules that propose a section label from a heading: the annotators' starting point
and the baseline the classifier is compared with. The first rule that matches wins."""

from __future__ import annotations

import re

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("signatures", re.compile(r"人员名单|签字|签章|工作组成员|评价人员|填报人|联系人")),
    ("glossary", re.compile(r"名词解释|术语")),
    ("results_use", re.compile(r"结果.{0,4}应用|应用.{0,4}公开|信息公开|公开情况")),
    ("improvements", re.compile(r"改进|建议|整改|下一步|拟.{0,4}措施|工作打算|意见")),
    ("problems", re.compile(r"问题|偏差|偏离|未完成|不足|原因")),
    ("conclusion", re.compile(r"结论|得分|等级|评分|总体评价|综合评价|自评结果")),
    ("appendix_table", re.compile(r"表$|表[（(]|附表|附件|报表|目\s*录")),
    ("evaluation_process", re.compile(r"自评.{0,6}(工作|组织|方法|过程|开展|目的|依据)|评价.{0,4}(方法|过程|实施|组织|目的|原则|依据|对象|范围|重点|选点|体系)|工作开展|组织实施|开展情况")),
    ("target_achievement", re.compile(r"实现情况|完成情况|指标分析|绩效分析|实施成效|成效|效益|产出|执行情况|实施情况|目标完成|绩效情况")),
    ("performance_targets", re.compile(r"绩效目标|绩效指标|目标设[定置]|年度目标|总体目标|分项|立项|设立背景|实施目的|支持方向|理由|过程$")),
    ("budget_execution", re.compile(r"收支|收入|支出|决算|预算|资金|经费|拨款|采购|资产|运行经费|三公")),
    ("unit_overview", re.compile(r"概况|基本情况|职责|职能|机构|人员|编制|单位构成")),
]


def propose_label(title: str) -> str:
    """A label for a heading by keyword, or `other`."""
    for label, pattern in _RULES:
        if pattern.search(title):
            return label
    return "other"
