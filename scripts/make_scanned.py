"""Regenerate the two scanned examples from our own invented text.

    .venv/bin/python scripts/make_scanned.py

Writes into `examples/`:
- `scanned_page.png`: a 项目支出绩效自评表 of the invented 云岭县总工会, one A4 page at 150 dpi.
- `scanned_report.pdf`: an image-only PDF (no text layer) of one A4 page of the invented
  self-evaluation report (`tests/ingest/render.py: sample_report`), at 200 dpi.

Both are drawn with Noto Sans CJK (fonts-noto-cjk); the same fonts give the same bytes.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "examples"
sys.path.insert(0, str(REPO / "tests"))

from ingest.render import render_page, sample_report, save_pdf

FIXED_TIME = datetime.datetime(2026, 1, 1)

SELF_EVALUATION_FORM = [
    ("heading", "项目支出绩效自评表", 1),
    ("paragraph", "（2025年度）"),
    (
        "table",
        [
            ["项目名称", "困难职工帮扶资金", "主管部门", "云岭县总工会"],
            ["实施单位", "云岭县总工会", "项目负责人", "李明华"],
            ["年初预算数（万元）", "86.40", "全年预算数（万元）", "92.15"],
            ["全年执行数（万元）", "88.73", "预算执行率", "96.29%"],
        ],
    ),
    ("heading", "年度总体目标完成情况", 2),
    (
        "paragraph",
        (
            "全年帮扶困难职工346人，发放助学金41人次，开展送温暖活动18场，受助职工满意度95.6%，"
            "年度目标基本完成。资金发放及时率未达到100%，原因是两个乡镇申报材料报送滞后。"
        ),
    ),
    (
        "table",
        [
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "帮扶困难职工人数", "≥320人", "346人", "20", "20"],
            ["产出指标", "数量指标", "发放助学金人次", "≥40人次", "41人次", "10", "10"],
            ["产出指标", "时效指标", "资金发放及时率", "100%", "98%", "10", "9"],
            ["成本指标", "经济成本指标", "人均帮扶标准", "≤2800元", "2564元", "10", "10"],
            ["效益指标", "社会效益指标", "职工生活改善情况", "有效改善", "有效改善", "20", "18"],
            ["满意度指标", "服务对象满意度", "受助职工满意度", "≥90%", "95.6%", "10", "10"],
        ],
    ),
    ("paragraph", "自评得分：87分    评价等级：良"),
]


def main() -> None:
    page = render_page(SELF_EVALUATION_FORM, dpi=150)
    page.save(HERE / "scanned_page.png", dpi=(150, 150), optimize=True)
    report = render_page(sample_report(), dpi=200)
    save_pdf([report], HERE / "scanned_report.pdf", dpi=200, created=FIXED_TIME)
    for name in ("scanned_page.png", "scanned_report.pdf"):
        print(f"{name}: {(HERE / name).stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
