"""The review page in a real headless Chromium: it renders, highlights are there, evidence
links target their span, and a `<script>` in the document does not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import read_document
from pipeline.normalize.review import span_id, write_review
from pipeline.normalize.stage import normalize

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> tuple[Path, object]:
    d = tmp_path_factory.mktemp("review")
    src = d / "虚构.txt"
    filler = "\n".join(f"第{i}段说明文字，用于把页面撑长。" for i in range(120))
    src.write_text(
        "青禾县总工会部门\n2031年度整体支出绩效自评报告\n"
        + filler
        + "\n该项目预算安排 12.50 万元，实际支出 10.00 万元，预算执行率达 81.00%。<script>window.__pwned = 1;</script>\n"
        "评价得分为91分，综合绩效评价等级为“优”。\n",
        encoding="utf-8",
    )
    doc = normalize(read_document(src))
    return write_review(doc, d / "out"), doc


def test_page_renders_highlights_links_and_no_script(page_path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    path, doc = page_path
    assert doc.flags and doc.amounts
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.goto(path.as_uri())
        assert "jixiao review" in page.title()
        assert page.locator("mark").count() >= len(doc.amounts)
        assert "<script>" in page.inner_text("#text")  # shown as text
        assert page.evaluate("window.__pwned === undefined")
        amount = max(doc.amounts, key=lambda a: a.start)
        ev = amount.evidence[-1]
        target = page.locator(f"#{span_id(ev.start, ev.end)}")
        assert target.get_attribute("title").startswith("MONEY")
        y_before = target.bounding_box()["y"]
        assert y_before > 700  # below the fold before the click
        page.locator(f'#amounts a[href="#{span_id(ev.start, ev.end)}"]').first.click()
        assert page.evaluate("location.hash") == f"#{span_id(ev.start, ev.end)}"
        box = target.bounding_box()
        assert 0 <= box["y"] < 700  # scrolled into view
        assert page.evaluate(f"document.querySelector('#{span_id(ev.start, ev.end)}').matches(':target')")
        flag_links = page.locator("#flags a")
        assert flag_links.count() >= 1
        browser.close()
