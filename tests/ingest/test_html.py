"""The HTML reader on portal-like pages written here (invented unit, numbers and menus)."""

from __future__ import annotations

import pytest
from ingest.fixtures import char_accuracy

from pipeline.ingest import read_document

CHROME_HEAD = """<div class="top"><a href="/">青石县人民政府</a> <a href="/en">English</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 财政资金</div>"""
CHROME_FOOT = """<div class="footer"><p>版权所有：青石县人民政府办公室　主办单位：青石县人民政府办公室</p>
<p>网站标识码：0000000000　某ICP备00000000号</p></div>"""
PARAGRAPHS = [
    "2025年年初预算安排资金38.00万元，全年预算调整为40.60万元，实际支出39.12万元，预算执行率96.35%。",
    "全年免费开放场馆312天，举办公益培训班48期，开展群众文化活动65场。",
    "群众满意度调查回收有效问卷860份，综合满意度为97.1%。",
]
TABLE_HTML = """<table border="1"><tbody>
<tr><th>一级指标</th><th>二级指标</th><th>三级指标</th><th>指标值</th><th>完成值</th></tr>
<tr><td rowspan="3">产出指标</td><td rowspan="2">数量指标</td><td>免费开放天数</td><td>≥300天</td><td>312天</td></tr>
<tr><td>公益培训班期数</td><td>≥40期</td><td>48期</td></tr>
<tr><td>时效指标</td><td>资金支付及时率</td><td>100%</td><td>96.35%</td></tr>
<tr><td colspan="3">满意度</td><td>≥95%</td><td>97.1%</td></tr>
</tbody></table>"""
CONCLUSION = "本项目自评得分为98.6分，评价等级为优。"
TITLE = "青石县文化馆2025年度公共文化服务免费开放项目绩效自评报告"


def _portal(charset: str, body: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{TITLE}_青石县人民政府</title><style>.nav li {{ float: left; }}</style>
<script>var menu = "首页 政务公开"; document.write("<p>广告</p>");</script></head>
<body>{CHROME_HEAD}<div class="wrap"><div class="sidebar"><ul><li><a href="/a">部门预算</a></li>
<li><a href="/b">部门决算</a></li></ul></div>{body}</div>{CHROME_FOOT}</body></html>"""


def _read(tmp_path, html: str, encoding: str, name: str = "page.html"):
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return read_document(path)


ARTICLE = f"""<div class="article"><h1>{TITLE}</h1>
<div class="info">发布时间：2026-03-18　浏览次数：128　【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="TRS_Editor"><p>　　一、项目基本情况</p><p>　　{PARAGRAPHS[0]}</p>
<p>　　{PARAGRAPHS[1]}<br>　　{PARAGRAPHS[2]}</p>{TABLE_HTML}
<p>　　{CONCLUSION}</p></div>
<div class="print"><a href="javascript:window.print()">打印本页</a> <a href="#">关闭窗口</a></div></div>"""


@pytest.fixture(params=["gb2312", "gbk", "utf-8"])
def portal(request, tmp_path):
    encoding = "gb18030" if request.param.startswith("gb") else request.param
    return _read(tmp_path, _portal(request.param, ARTICLE), encoding)


def test_article_text_kept(portal):
    assert portal.source.format == "html"
    expected = "\n".join([TITLE, "一、项目基本情况", *PARAGRAPHS, CONCLUSION])
    got = "\n".join(portal.text[b.start : b.end] for b in portal.blocks if b.kind != "table")
    assert char_accuracy(expected, got) >= 0.98
    for paragraph in PARAGRAPHS:
        assert paragraph in portal.text.splitlines()  # <br> splits, indentation spaces gone


def test_portal_chrome_dropped(portal):
    for chrome in ("首页", "政务公开", "当前位置", "版权所有", "ICP备", "部门决算", "打印本页", "浏览次数", "广告", "float"):
        assert chrome not in portal.text, chrome


def test_title_is_a_heading(portal):
    first = portal.blocks[0]
    assert first.kind == "heading" and first.level == 1
    assert portal.text[first.start : first.end] == TITLE


def test_table_with_rowspan_and_colspan(portal):
    table = next(b for b in portal.blocks if b.kind == "table")
    grid = [[c.text for c in row] for row in table.rows]
    assert grid == [
        ["一级指标", "二级指标", "三级指标", "指标值", "完成值"],
        ["产出指标", "数量指标", "免费开放天数", "≥300天", "312天"],
        ["产出指标", "数量指标", "公益培训班期数", "≥40期", "48期"],
        ["产出指标", "时效指标", "资金支付及时率", "100%", "96.35%"],
        ["满意度", "满意度", "满意度", "≥95%", "97.1%"],
    ]
    merged = sorted((c.row, c.col) for row in table.rows for c in row if c.merged)
    assert merged == [(2, 0), (2, 1), (3, 0), (4, 1), (4, 2)]
    for block in portal.blocks:
        for row in block.rows:
            for cell in row:
                assert portal.text[cell.start : cell.end] == cell.text


def test_content_found_by_text_density_without_content_class(tmp_path):
    body = f"""<div class="box"><div class="col-a"><h2>一、项目基本情况</h2>
<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><h3>（一）满意度</h3><p>{PARAGRAPHS[2]}</p>
<ul><li>推行错时开放。</li><li>延长周末开放时间。</li></ul></div>
<div class="col-b"><a href="/1">相关链接一</a><a href="/2">相关链接二</a><a href="/3">相关链接三</a></div></div>"""
    doc = _read(tmp_path, _portal("utf-8", body), "utf-8")
    kinds = [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]
    assert kinds == [
        ("heading", 2, "一、项目基本情况"),
        ("paragraph", None, PARAGRAPHS[0]),
        ("paragraph", None, PARAGRAPHS[1]),
        ("heading", 3, "（一）满意度"),
        ("paragraph", None, PARAGRAPHS[2]),
        ("list_item", None, "推行错时开放。"),
        ("list_item", None, "延长周末开放时间。"),
    ]


def test_layout_table_is_not_a_data_table(tmp_path):
    body = f"""<table width="100%"><tr><td width="20%"><a href="/x">栏目一</a><br><a href="/y">栏目二</a></td>
<td><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>{TABLE_HTML}<p>{PARAGRAPHS[2]}</p></td></tr></table>"""
    doc = _read(tmp_path, _portal("utf-8", body), "utf-8")
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and len(tables[0].rows) == 5
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text.splitlines()


def test_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-VALUE", encoding="utf-8")
    html = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY a "啊啊啊啊啊啊啊啊"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<html><body><div class="content"><p>{PARAGRAPHS[0]}</p><p>&xxe;&b;&b;&b;</p></div></body></html>"""
    doc = _read(tmp_path, html, "utf-8")
    assert doc.source.format == "html"
    assert "SECRET-VALUE" not in doc.text
    assert "啊" * 16 not in doc.text
    assert PARAGRAPHS[0] in doc.text


def test_undeclared_gbk_page_is_decoded(tmp_path):
    html = f"<html><body><div><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div></body></html>"
    doc = _read(tmp_path, html, "gbk")
    assert PARAGRAPHS[0] in doc.text


def test_utf16_page_with_bom(tmp_path):
    doc = _read(tmp_path, _portal("utf-16", ARTICLE), "utf-16")
    assert doc.source.format == "html"
    assert PARAGRAPHS[0] in doc.text.splitlines()


def test_page_title_without_site_name_when_no_heading(tmp_path):
    html = f"""<html><head><meta charset="utf-8"><title>{TITLE}_青石县人民政府</title></head>
<body>{CHROME_HEAD}<div id="zoom"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>{CHROME_FOOT}</body></html>"""
    doc = _read(tmp_path, html, "utf-8")
    assert [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks] == [
        ("heading", TITLE),
        ("paragraph", PARAGRAPHS[0]),
        ("paragraph", PARAGRAPHS[1]),
    ]


def test_tightest_content_container_chosen(tmp_path):
    body = f"""<div class="main-content"><div class="article-content"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>
<p>{PARAGRAPHS[2]}</p></div><div class="related">相关文章：其他县的决算公开说明</div></div>"""
    doc = _read(tmp_path, _portal("utf-8", body), "utf-8")
    assert "相关文章" not in doc.text
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.text.splitlines()


def test_long_target_cell_keeps_its_table(tmp_path):
    goal = "组织开展群众文化活动，" * 25  # a long 年度绩效目标 cell (275 characters)
    body = f"""<div class="content"><p>{PARAGRAPHS[0]}</p><table>
<tr><td>年度绩效目标</td><td colspan="2">{goal}</td></tr>
<tr><td>三级指标</td><td>指标值</td><td>完成值</td></tr><tr><td>免费开放天数</td><td>≥300天</td><td>312天</td></tr>
</table></div>"""
    doc = _read(tmp_path, _portal("utf-8", body), "utf-8")
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1
    assert [[c.text for c in row] for row in tables[0].rows][0] == ["年度绩效目标", goal, goal]


def test_hostile_spans_are_bounded(tmp_path):
    row = "".join('<td colspan="1000" rowspan="100000">数</td>' for _ in range(300))
    html = f"<html><body><div class='content'><p>{PARAGRAPHS[0]}</p><table><tr>{row}</tr><tr>{row}</tr></table></div></body></html>"
    doc = _read(tmp_path, html, "utf-8")
    table = next(b for b in doc.blocks if b.kind == "table")
    assert len(table.rows) <= 2 and all(len(r) <= 256 for r in table.rows)
