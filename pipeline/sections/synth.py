"""Synthetic section examples: headings and opening words written by us for every label.

They add volume for labels the real documents rarely show (名词解释, 结果应用, 签字 …).
They are only ever trained on: evaluation figures come from real documents alone, and the
generator's settings (seed, count) enter the training-data hash.
"""

from __future__ import annotations

import random

from pipeline.sections.features import SectionFeatures

# heading topics per label (without numbering), invented from the vocabulary of the field
TOPICS: dict[str, list[str]] = {
    "unit_overview": [
        "部门基本情况", "单位概况", "部门职责", "主要职能", "机构设置", "人员编制情况", "内设机构", "部门（单位）概况",
        "人员构成情况", "决算单位构成", "职能职责", "单位基本情况", "基本概况", "部门主要职责及机构设置",
    ],
    "budget_execution": [
        "收入支出决算总体情况说明", "收入决算情况说明", "支出决算情况说明", "部门收支预决算情况", "预算执行情况",
        "财政拨款收入支出决算总体情况说明", "一般公共预算财政拨款支出决算情况说明", "“三公”经费支出决算情况说明",
        "机关运行经费支出情况", "政府采购支出情况", "国有资产占有使用情况", "资金使用情况", "资金投入情况分析",
        "项目资金到位情况", "部门收支总体情况", "预算安排情况", "结转结余情况", "基本支出决算情况说明",
    ],
    "performance_targets": [
        "部门整体支出绩效目标", "年度绩效目标", "总体绩效目标", "分项绩效目标", "绩效指标设定情况", "项目绩效目标",
        "项目立项情况", "立项依据", "设立背景及基本情况", "绩效目标分解下达情况", "项目基本情况", "项目概况",
        "年度部门总目标及主要任务", "项目绩效指标", "实施目的及支持方向",
    ],
    "evaluation_process": [
        "自评工作开展情况", "自评的组织工作", "自评的方法和过程", "绩效评价工作开展情况", "评价目的", "评价方法",
        "评价组织", "评价对象和范围", "评价依据", "评价指标体系", "绩效自评工作组织情况", "评价实施", "评价原则",
    ],
    "target_achievement": [
        "绩效目标实现情况", "总体绩效目标完成情况", "绩效指标完成情况分析", "产出指标完成情况", "效益指标完成情况",
        "满意度指标完成情况", "项目实施成效", "目标完成情况分析", "部门预算绩效分析", "分项绩效目标实现情况及指标分析",
        "绩效分析", "履职效能", "社会效益", "指标完成情况",
    ],
    "conclusion": [
        "评价结论", "自评结论", "评价结论和评价等级", "综合评价结论", "自评得分", "绩效自评结论", "评价得分及等级",
        "自评结果", "总体评价",
    ],
    "problems": [
        "存在的问题", "存在的主要问题", "发现的主要问题", "存在问题及原因分析", "偏离绩效目标的原因", "未完成原因分析",
        "主要问题", "存在的不足",
    ],
    "improvements": [
        "改进措施", "改进建议", "下一步改进措施", "针对问题提出的改进措施", "整改措施", "下一步工作打算", "有关建议",
        "工作保障措施", "意见和建议",
    ],
    "results_use": [
        "评价结果应用", "绩效自评结果应用情况", "结果应用及公开情况", "绩效信息公开情况", "自评结果拟应用和公开情况",
        "评价结果应用及整改", "结果公开",
    ],
    "glossary": ["名词解释", "专业名词解释", "相关名词解释", "术语解释"],
    "appendix_table": [
        "收入支出决算总表", "财政拨款收入支出决算总表", "项目支出绩效目标表", "部门整体支出绩效自评表",
        "项目支出绩效自评表", "绩效自评打分表", "部门决算报表", "附表", "附件", "一般公共预算财政拨款基本支出决算表",
    ],
    "signatures": [
        "评价工作组人员名单", "评价工作组人员名单及签字", "自评工作组成员", "评价人员签字", "填报人及联系方式",
    ],
    "other": ["其他需要说明的问题", "其他事项", "目录", "附：说明", "其他"],
}

# opening words of the content per label
OPENINGS: dict[str, list[str]] = {
    "unit_overview": ["本单位主要职责是", "内设科室5个，编制人数20人，实有人数18人", "下属二级预算单位2个"],
    "budget_execution": ["本年度收入合计120.50万元，支出合计118.20万元", "年初预算数为80万元，全年执行数为78.6万元，预算执行率98.25%", "“三公”经费支出0.85万元"],
    "performance_targets": ["年度绩效目标为：完成培训200人次", "绩效指标：数量指标≥10次，满意度≥90%", "项目设立依据为"],
    "evaluation_process": ["成立自评工作小组，按照通知要求开展自评", "采用比较法和因素分析法进行评价", "本次评价的对象为"],
    "target_achievement": ["全年完成培训220人次，完成率110%", "各项指标均已完成，服务对象满意度达到95%", "产出指标完成情况良好"],
    "conclusion": ["经自评，本项目得分95分，评价等级为优", "综合得分88分，等级为良", "自评得分100分"],
    "problems": ["一是预算编制不够精细", "绩效目标设置不够明确，部分指标难以量化", "资金支出进度较慢"],
    "improvements": ["一是加强预算编制管理", "下一步将细化绩效指标，提高可衡量性", "建议加快资金拨付进度"],
    "results_use": ["自评结果将在门户网站公开", "评价结果作为下年度预算安排的重要依据", "针对问题及时整改"],
    "glossary": ["1.财政拨款收入：指", "基本支出：指为保障机构正常运转", "机关运行经费：指"],
    "appendix_table": ["", "单位：万元", "一级指标 二级指标 三级指标 指标值"],
    "signatures": ["姓名 工作单位 职务 签字", "组长： 成员：", "填报人： 联系电话："],
    "other": ["无。", "没有其他需要说明的情况。", ""],
}

NUMBERINGS: list[tuple[str, str, int]] = [
    ("{cn}、", "cn", 1), ("（{cn}）", "cn_paren", 2), ("{n}.", "arabic", 3), ("{n}、", "arabic", 3),
    ("第{cn}部分 ", "part", 1), ("", "none", 1),
]
_CN = "一二三四五六七八九十"


def generate_examples(*, per_label: int = 30, seed: int = 0) -> tuple[list[SectionFeatures], list[str]]:
    """`per_label` synthetic sections for every label, deterministic for a seed."""
    rng = random.Random(f"jixiao-sections-synth/{seed}")
    X: list[SectionFeatures] = []
    y: list[str] = []
    labels = sorted(TOPICS)
    for label in labels:
        for _ in range(per_label):
            topic = rng.choice(TOPICS[label])
            pattern, style, level = rng.choice(NUMBERINGS)
            if label == "appendix_table" and rng.random() < 0.5:
                style, level = "table_title", 2
            parent_label = label if rng.random() < 0.5 else rng.choice(labels)
            parent = rng.choice(TOPICS[parent_label]) if level > 1 else ""
            content = rng.choice(OPENINGS[label])
            length = len(content) + rng.randint(0, 600) if content else rng.randint(0, 40)
            X.append(
                SectionFeatures(
                    title=topic,
                    parent_title=parent,
                    content=content,
                    doc_head=rng.choice(["", "部门整体支出绩效自评报告", "部门决算", "项目支出绩效自评报告", "绩效目标表"]),
                    style=style,
                    level=level,
                    position=rng.random(),
                    length=length,
                    children=rng.choice([0, 0, 0, 2]),
                )
            )
            y.append(label)
    return X, y
