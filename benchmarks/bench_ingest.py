"""Speed of the format readers on generated documents (invented content).

    .venv/bin/python benchmarks/bench_ingest.py [--runs 5]

Builds a 10-page text PDF, a 20-page DOCX, a portal HTML page and a 3-sheet XLSX in a
temporary folder, reads each `--runs` times with `read_document` and prints the median
wall-clock and CPU time (per page for the PDF, per document for the others) beside the
floors, and the process's peak RSS. Floors: PDF ≤ 0.2 s/page, DOCX ≤ 0.1 s per 20-page document.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from ingest.fixtures import write_docx, write_pdf, write_xlsx  # noqa: E402

from pipeline.ingest import read_document  # noqa: E402

PARAGRAPH = (
    "本年支出合计291.02万元，其中基本支出178.66万元，占61.39%，主要用于人员工资、社会保障缴费和日常办公；"
    "项目支出112.36万元，占38.61%，主要用于公共文化服务免费开放和乡村文化振兴。"
)
INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
    ["产出指标", "数量指标", "培训职工人数", "≥1200人次", "1286人次", "15", "15"],
    ["", "", "举办培训班期数", "≥24期", "26期", "10", "10"],
    ["", "质量指标", "培训考核合格率", "≥90%", "93.4%", "10", "10"],
    ["效益指标", "社会效益指标", "职工技能等级提升人数", "≥300人", "318人", "20", "18"],
    ["满意度指标", "服务对象满意度指标", "参训职工满意度", "≥90%", "96.2%", "10", "10"],
]
SPANS = {(1, 0): (3, 1), (1, 1): (2, 1)}
FLOORS = {"pdf": 0.2, "docx": 0.1}


def _pdf(folder: Path, pages: int = 10) -> Path:
    content = [
        [
            ("heading", f"第{n}部分 部门决算情况说明", 2),
            ("paragraph", PARAGRAPH * 2),
            ("paragraph", PARAGRAPH),
            ("table", INDICATORS, SPANS),
            ("paragraph", PARAGRAPH),
        ]
        for n in range(1, pages + 1)
    ]
    return write_pdf(folder / "bench.pdf", content, header="青石县文化馆2025年度部门决算", footer="青石县文化馆")


def _docx(folder: Path) -> Path:
    # about 20 printed pages: 60 paragraphs of ~100 characters, 20 headings, 10 tables
    items: list[tuple] = []
    for n in range(1, 21):
        items.append(("heading", f"（{n}）项目支出绩效情况", 2))
        items += [("paragraph", PARAGRAPH)] * 3
        if n % 2 == 0:
            items.append(("table", INDICATORS, SPANS))
    return write_docx(folder / "bench.docx", items)


def _html(folder: Path) -> Path:
    sys.path.insert(0, str(REPO / "scripts"))
    from make_examples import HTML_PAGE

    path = folder / "bench.html"
    path.write_bytes(HTML_PAGE.format(score="98.6").encode("gb18030"))
    return path


def _xlsx(folder: Path) -> Path:
    rows = [["项目", "年初预算", "决算数", "完成率"]] + [
        [f"支出项目{i}", 100 + i * 1.25, 98.5 + i * 1.1, (0.985, "0.00%")] for i in range(60)
    ]
    return write_xlsx(
        folder / "bench.xlsx", {f"表{k}": (rows, {}) for k in range(1, 4)} | {"目标": (INDICATORS, SPANS)}
    )


def _median_seconds(path: Path, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of reading the file (CPU time is steadier on a busy machine)."""
    read_document(path)  # warm: imports, font caches
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        read_document(path)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        wall, cpu = _median_seconds(_pdf(folder), args.runs)
        rows.append(("pdf (10 pages)", "s/page", wall / 10, cpu / 10, FLOORS["pdf"]))
        rows.append(("docx (20 pages)", "s/doc", *_median_seconds(_docx(folder), args.runs), FLOORS["docx"]))
        rows.append(("html (portal page)", "s/doc", *_median_seconds(_html(folder), args.runs), None))
        rows.append(("xlsx (4 sheets, 200 rows)", "s/doc", *_median_seconds(_xlsx(folder), args.runs), None))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"{'reader':<28}{'unit':<8}{'wall':>10}{'cpu':>10}{'floor':>8}  ok (wall)")
    for name, unit, wall, cpu, floor in rows:
        ok = "yes" if floor is None or wall <= floor else "NO"
        floor_text = f"{floor:.2f}" if floor is not None else "—"
        print(f"{name:<28}{unit:<8}{wall:>10.4f}{cpu:>10.4f}{floor_text:>8}  {ok}")
    print(f"peak RSS {peak_mb:.0f} MB (median of {args.runs} runs each)")


if __name__ == "__main__":
    main()
