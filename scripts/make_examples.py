"""Regenerate the example documents in examples/ (txt, docx, pdf, xlsx, html) deterministically.

    .venv/bin/python scripts/make_examples.py

Everything here is invented: the units (青石县文化馆, 云岭县总工会), projects, numbers and
indicators. The .txt example imitates a converter's output: `[bookmark: _Toc…]` markers,
LaTeX from a formula converter, lines hard-wrapped at a fixed width and a table flattened
to one cell per line. The builders live in `tests/ingest/fixtures.py`, shared with the
tests and benchmarks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "examples"
sys.path.insert(0, str(REPO / "tests"))

from ingest.fixtures import write_docx, write_pdf, write_xlsx  # noqa: E402

INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]

DOCX_ITEMS = [
    ("heading", "云岭县总工会2025年度项目支出绩效自评表", 1),
    ("paragraph", "项目名称：职工职业技能提升培训项目"),
    ("paragraph", "主管部门：云岭县总工会　　实施单位：云岭县总工会职工服务中心"),
    ("heading", "一、项目资金情况", 2),
    (
        "table",
        [
            ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            ["年度资金总额", "60.00", "64.50", "61.28", "10", "95.01%", "9.5"],
            ["其中：当年财政拨款", "60.00", "64.50", "61.28", "—", "95.01%", "—"],
            ["上年结转资金", "0", "0", "0", "—", "—", "—"],
        ],
    ),
    ("heading", "二、年度绩效目标完成情况", 2),
    (
        "paragraph",
        "年初设定目标：全年开展职工技能培训不少于1200人次，举办培训班不少于24期，培训考核合格率不低于90%。"
        "实际完成情况：全年举办培训班26期，培训职工1286人次，考核合格率93.4%，318名职工取得高一级职业技能等级证书。",
    ),
    ("heading", "三、绩效指标", 2),
    (
        "table",
        [
            INDICATOR_HEADER,
            ["产出指标", "数量指标", "培训职工人数", "≥1200人次", "1286人次", "15", "15"],
            ["", "", "举办培训班期数", "≥24期", "26期", "10", "10"],
            ["", "质量指标", "培训考核合格率", "≥90%", "93.4%", "10", "10"],
            ["", "时效指标", "培训任务完成时间", "2025年11月底前", "2025年11月20日", "5", "5"],
            ["", "成本指标", "人均培训成本", "≤500元", "476.5元", "10", "10"],
            ["效益指标", "社会效益指标", "职工技能等级提升人数", "≥300人", "318人", "20", "18"],
            ["", "可持续影响指标", "培训长效机制建立情况", "持续有效", "持续有效", "10", "9"],
            ["满意度指标", "服务对象满意度指标", "参训职工满意度", "≥90%", "96.2%", "10", "10"],
            ["总分", "", "", "", "", "100", "96.5"],
        ],
        {(1, 0): (5, 1), (1, 1): (2, 1), (6, 0): (2, 1), (9, 0): (1, 5)},
    ),
    ("heading", "四、偏差原因分析及改进措施", 2),
    (
        "paragraph",
        "职工技能等级提升人数指标已完成，但部分乡镇参训职工集中在一季度，培训资源使用不均衡，"
        "社会效益指标扣2分。下一步将按季度制定培训计划，提高培训资源的使用效率。",
    ),
    ("list", "加强培训需求调查，按产业分布确定培训工种。"),
    ("list", "建立参训职工跟踪回访制度，评估培训后的就业和增收情况。"),
    ("heading", "五、自评结论", 2),
    ("paragraph", "经综合评价，本项目自评得分96.5分，评价等级为优。"),
]

PDF_HEADER = "青石县文化馆2025年度部门决算"
PDF_FOOTER = "青石县文化馆编制"
PDF_PAGES = [
    [
        ("heading", "青石县文化馆2025年度部门决算说明", 1),
        ("heading", "一、收入支出决算总体情况说明", 2),
        (
            "paragraph",
            "2025年度收入、支出总计均为312.46万元。与上年相比，收入、支出总计各增加18.32万元，增长6.23%，"
            "主要原因是新增乡村文化振兴项目，相应增加了财政拨款。",
        ),
        ("heading", "二、收入决算情况说明", 2),
        (
            "paragraph",
            "本年收入合计298.75万元，其中：财政拨款收入286.40万元，占95.87%；其他收入12.35万元，占4.13%。"
            "年初结转和结余13.71万元。",
        ),
        ("heading", "三、支出决算情况说明", 2),
        (
            "paragraph",
            "本年支出合计291.02万元，其中：基本支出178.66万元，占61.39%，主要用于人员工资、社会保障缴费"
            "和日常办公；项目支出112.36万元，占38.61%，主要用于公共文化服务免费开放和乡村文化振兴。"
            "年末结转和结余21.44万元。",
        ),
        (
            "table",
            [
                ["支出类别", "年初预算（万元）", "决算数（万元）", "完成率"],
                ["基本支出", "180.20", "178.66", "99.15%"],
                ["项目支出", "118.55", "112.36", "94.78%"],
                ["合计", "298.75", "291.02", "97.41%"],
            ],
        ),
    ],
    [
        ("heading", "四、“三公”经费支出决算情况说明", 2),
        (
            "paragraph",
            "2025年度“三公”经费支出决算3.86万元，比年初预算减少0.54万元，下降12.27%。其中：公务接待费"
            "1.12万元，公务用车运行维护费2.74万元，因公出国（境）费0万元。",
        ),
        ("heading", "五、机关运行经费支出情况说明", 2),
        (
            "paragraph",
            "本年度机关运行经费支出24.18万元，比上年减少1.06万元，下降4.20%，主要原因是压减会议费、"
            "培训费等一般性支出。",
        ),
        ("heading", "六、预算绩效管理工作开展情况", 2),
        (
            "paragraph",
            "本单位对2025年度全部项目开展了绩效自评，涉及资金112.36万元。公共文化服务免费开放项目"
            "自评得分94分，评价等级为优；乡村文化振兴项目自评得分88分，评价等级为良。",
        ),
    ],
]

XLSX_SHEETS = {
    "绩效目标表": (
        [
            ["云岭县总工会2026年度项目支出绩效目标表", None, None, None, None],
            ["项目名称", "职工疗休养项目", None, None, None],
            ["主管部门", "云岭县总工会", None, "实施单位", "云岭县总工会"],
            ["项目资金（万元）", "年度资金总额", 45, None, None],
            [None, "其中：财政拨款", 42.5, None, None],
            [None, "其他资金", 2.5, None, None],
            ["年度绩效目标", "组织一线职工和劳动模范分批开展疗休养，全年安排疗休养职工不少于600人。", None, None, None],
            ["一级指标", "二级指标", "三级指标", "指标值", "备注"],
            ["产出指标", "数量指标", "疗休养职工人数", "≥600人", None],
            [None, "质量指标", "疗休养活动安全事故发生率", "0", None],
            [None, "成本指标", "人均疗休养费用", "≤750元", None],
            ["效益指标", "社会效益指标", "职工获得感提升情况", "明显提升", None],
            ["满意度指标", "服务对象满意度指标", "参加职工满意度", "≥95%", None],
        ],
        {(0, 0): (1, 5), (1, 1): (1, 4), (2, 1): (1, 2), (3, 0): (3, 1), (6, 1): (1, 4), (8, 0): (3, 1)},
    ),
    "资金明细": (
        [
            ["支出项目", "金额（元）", "占比"],
            ["交通费", 128000, (0.3012, "0.00%")],
            ["住宿费", 186500, (0.4388, "0.00%")],
            ["餐费", (110500.5, "#,##0.00"), (0.26, "0.00%")],
            ["合计", (425000.5, "#,##0.00"), (1, "0.00%")],
        ],
        {},
    ),
}

TXT_WRAP = 78  # display columns (a Chinese character takes two)
TXT_TABLE = [
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
    ["产出指标", "数量指标", "群众文化活动场次", "≥60场", "65场"],
    ["产出指标", "数量指标", "公益培训班期数", "≥40期", "48期"],
    ["产出指标", "质量指标", "非遗项目档案完整率", "100%", "100%"],
    ["效益指标", "社会效益指标", "服务群众人次", "≥4万人次", "4.2万人次"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "$\\geq 90\\%$", "97.1%"],
]
TXT_PARTS = [
    ("title", "青石县文化馆2025年度部门整体支出绩效自评报告"),
    ("heading", "一、部门基本情况"),
    (
        "paragraph",
        "青石县文化馆是县文化和旅游局所属公益一类事业单位，核定编制18名，实有在编人员16名。主要职责是组织开展"
        "群众文化活动、公共文化服务免费开放、非物质文化遗产保护和基层文化队伍培训。",
    ),
    ("heading", "二、部门整体支出情况"),
    (
        "paragraph",
        "（一）预算安排情况。2025年年初预算安排298.75万元，全年预算调整为312.46万元，其中基本支出180.20万元，"
        "项目支出132.26万元。",
    ),
    (
        "paragraph",
        "（二）预算执行情况。全年实际支出291.02万元，预算执行率93.14%。其中：人员经费156.32万元，公用经费"
        "22.34万元，项目支出112.36万元。",
    ),
    ("paragraph", "（三）“三公”经费情况。“三公”经费支出3.86万元，较年初预算4.40万元减少0.54万元。"),
    ("heading", "三、部门整体支出绩效目标完成情况"),
    (
        "paragraph",
        "全年组织群众文化活动65场，举办公益培训班48期，服务群众4.2万人次，群众满意度达到$\\geq 90\\%$的目标，"
        "实际为97.1\\%。部门整体绩效目标完成情况见下表。",
    ),
    ("table", TXT_TABLE),
    ("heading", "四、存在的问题及改进措施"),
    (
        "paragraph",
        "一是项目支出进度前慢后快，四季度支出占全年项目支出的41.3%；二是部分绩效指标设置偏重数量，质量和效益"
        "指标不够细化。下一步将按月调度项目支出进度，细化效益指标，加强绩效运行监控。",
    ),
    ("heading", "五、自评结论"),
    ("paragraph", "经综合评价，青石县文化馆2025年度部门整体支出绩效自评得分为92.5分，评价等级为优。"),
]


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _hard_wrap(text: str, width: int) -> list[str]:
    """Break at `width` columns as Word does: never inside a run of Latin letters or digits."""
    lines, line = [], ""
    for ch in text:
        if _display_width(line + ch) > width:
            run = re.search(r"[A-Za-z0-9.%]+$", line) if _is_word_char(ch) else None
            carried = run.group() if run and run.start() > 0 else ""
            lines.append(line[: len(line) - len(carried)])
            line = carried
        line += ch
    return [*lines, line]


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ".%")


def txt_example() -> str:
    """The converter-style text (see the module docstring), CRLF-free, UTF-8."""
    out: list[str] = []
    toc = 0
    for kind, content in TXT_PARTS:
        if kind in ("title", "heading"):
            toc += 1
            out += ["", f"[bookmark: _Toc2015000{toc:02d}]{content}", ""]
        elif kind == "paragraph":
            out += _hard_wrap(content, TXT_WRAP)
        else:
            for row in content:
                for cell in row:
                    out += [cell, ""]
    return "\n".join(out).strip() + "\n"


HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>青石县文化馆2025年度公共文化服务免费开放项目绩效自评报告_青石县人民政府</title>
<style>body {{ font-family: SimSun; }} .nav li {{ display: inline; }}</style>
<script type="text/javascript">var _hmt = _hmt || []; function setFont(size) {{ return size; }}</script>
</head>
<body>
<div class="header"><div class="logo">青石县人民政府</div>
<div class="search"><form action="/search"><input name="q" value="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjqs/">走进青石</a></li>
</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/czzj/">财政资金</a> &gt; 绩效评价</div>
<div class="main">
<div class="left-menu"><ul><li><a href="/zwgk/czzj/ys/">部门预算</a></li><li><a href="/zwgk/czzj/js/">部门决算</a></li>
<li><a href="/zwgk/czzj/jx/">绩效评价</a></li></ul></div>
<div class="article">
<h1 class="title">青石县文化馆2025年度公共文化服务免费开放项目绩效自评报告</h1>
<div class="info">发布时间：2026-03-18　来源：青石县文化馆　浏览次数：<span id="count">128</span>　【字体：<a href="javascript:setFont(16)">大</a> <a href="javascript:setFont(14)">中</a> <a href="javascript:setFont(12)">小</a>】</div>
<div class="TRS_Editor">
<p>　　一、项目基本情况</p>
<p>　　公共文化服务免费开放项目是我馆常设项目，主要用于展厅、排练厅、培训教室免费开放及群众文化活动。2025年年初预算安排资金38.00万元，全年预算调整为40.60万元，实际支出39.12万元，预算执行率96.35%。</p>
<p>　　二、绩效目标完成情况</p>
<p>　　全年免费开放场馆<span>312</span>天，举办公益培训班48期，开展群众文化活动65场，服务群众4.2万人次。<br>　　群众满意度调查回收有效问卷860份，综合满意度为97.1%。</p>
<table border="1" cellspacing="0" cellpadding="4">
<tbody>
<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>年度指标值</td><td>实际完成值</td><td>分值</td><td>得分</td></tr>
<tr><td rowspan="3">产出指标</td><td rowspan="2">数量指标</td><td>免费开放天数</td><td>≥300天</td><td>312天</td><td>20</td><td>20</td></tr>
<tr><td>举办公益培训班期数</td><td>≥40期</td><td>48期</td><td>15</td><td>15</td></tr>
<tr><td>时效指标</td><td>资金支付及时率</td><td>100%</td><td>96.35%</td><td>10</td><td>9</td></tr>
<tr><td>效益指标</td><td>社会效益指标</td><td>服务群众人次</td><td>≥4万人次</td><td>4.2万人次</td><td>25</td><td>25</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>群众满意度</td><td>≥95%</td><td>97.1%</td><td>20</td><td>20</td></tr>
<tr><td colspan="5">合计</td><td>90</td><td>89</td></tr>
</tbody>
</table>
<p>　　三、存在的问题及改进措施</p>
<p>　　部分乡镇分馆开放时间与群众闲暇时间不匹配。下一步将推行错时开放，延长周末开放时间。</p>
<p>　　四、自评结论</p>
<p>　　本项目自评得分为{score}分（预算执行率10分，得分9.6分），评价等级为优。</p>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="print"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
</div>
<div class="footer">
<p>版权所有：青石县人民政府办公室　主办单位：青石县人民政府办公室</p>
<p>地址：青石县文昌路1号　联系电话：0000-1234567</p>
<p>网站标识码：0000000000　某ICP备00000000号</p>
</div>
</body>
</html>
"""


def main() -> None:
    write_docx(HERE / "云岭县总工会_2025_项目支出绩效自评表.docx", DOCX_ITEMS)
    write_pdf(
        HERE / "青石县文化馆_2025_部门决算说明.pdf",
        PDF_PAGES,
        header=PDF_HEADER,
        footer=PDF_FOOTER,
        page_number="- {n} -",
    )
    write_xlsx(HERE / "云岭县总工会_2026_绩效目标表.xlsx", XLSX_SHEETS)
    (HERE / "青石县文化馆_2025_部门整体支出绩效自评报告.txt").write_text(txt_example(), encoding="utf-8")
    html = HTML_PAGE.format(score="98.6")
    (HERE / "青石县文化馆_2025_免费开放项目绩效自评.html").write_bytes(html.encode("gb18030"))


if __name__ == "__main__":
    main()
