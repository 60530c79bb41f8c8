"""The synthetic generator: determinism, gold at its offsets, consistency, the format writers."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.annotate.format import AnnotationFile, quote_hash
from pipeline.core import build_stage
from pipeline.extract.numbers import NumbersStage, parse_value
from pipeline.ingest.builder import DocumentBuilder
from pipeline.schema import Document
from pipeline.synth import DOC_KINDS, FLAG_CODES, generate
from pipeline.synth.generator import plain_blocks
from pipeline.synth.writers import FORMATS, write_corpus

ALL_KINDS = tuple(DOC_KINDS)


@pytest.fixture(scope="module", params=["short", "report"])
def docs(request):
    return list(generate(60, seed=11, size=request.param))


def test_deterministic_for_a_seed():
    a = [(d.text, d.gold, d.entities.model_dump()) for d in generate(6, seed=3)]
    b = [(d.text, d.gold, d.entities.model_dump()) for d in generate(6, seed=3)]
    c = [d.text for d in generate(6, seed=4)]
    assert a == b
    assert [t for t, _, _ in a] != c


def test_every_kind_and_layout_occurs(docs):
    assert {d.kind for d in docs} == set(DOC_KINDS)
    assert {d.style.table_shape for d in docs} == {"pipe", "lines", "cell_lines", "spaces", "label_values"}
    assert any(d.style.bookmarks for d in docs) and any(d.style.latex for d in docs) and any(d.style.wrap for d in docs)
    text = "".join(d.text for d in docs)
    assert "[bookmark: _Toc" in text and "\\geq" in text and " | " in text


def test_gold_and_annotations_validate(docs):
    for d in docs:
        record = Document.model_validate(d.gold)
        assert record.doc_kind == d.kind and record.unit_name and 2019 <= record.fiscal_year <= 2026
        for layer in (d.entities, d.sections):
            ann = AnnotationFile.model_validate(layer.model_dump())
            assert ann.doc_name == f"synth/{d.name}.txt"
        ids = {e.id for e in d.entities.entities}
        assert all(r.head in ids and r.tail in ids for r in d.entities.relations)


def test_annotations_are_findable_at_their_offsets(docs):
    """Every span's text is at its offsets and reads back, through the grammar, to its attrs."""
    checked = defaultdict(int)
    for d in docs:
        for e in d.entities.entities:
            span = d.text[e.start : e.end]
            assert quote_hash(span) == e.quote and span.strip() == span and span
            if e.label == "MONEY":
                v = parse_value(span, unit="万元")
                assert v is not None and v.value == e.attrs["value_yuan"], (d.name, span)
            elif e.label in ("TARGET", "ACTUAL"):
                gold = e.attrs["value"]
                v = parse_value(span, unit=e.attrs.get("unit_text"), free_qualitative=True)
                assert v is not None, (d.name, span)
                assert (v.value, v.unit, v.qualitative) == (gold["value"], gold["unit"], gold["qualitative"]), (d.name, span)
                if "unit_text" not in e.attrs:  # the operator is in the cell itself
                    assert v.op == gold["op"], (d.name, span)
            elif e.label in ("WEIGHT", "SCORE"):
                assert float(span.removesuffix("分")) == e.attrs["number"]
            elif e.label == "YEAR":
                assert span.startswith(str(e.attrs["year"]))
            checked[e.label] += 1
    assert {"MONEY", "TARGET", "ACTUAL", "INDICATOR", "WEIGHT", "SCORE", "YEAR", "UNIT_NAME", "GRADE"} <= set(checked)


def test_gold_facts_point_at_their_text(docs):
    for d in docs:
        g = d.gold
        for a in g["amounts"]:
            assert d.text[a["start"] : a["end"]] == a["raw"]
            for ev in a["evidence"]:
                assert parse_value(d.text[ev["start"] : ev["end"]], unit="万元").value == a["value_yuan"]
        for ind in g["indicators"]:
            assert d.text[ind["evidence"][0]["start"] : ind["evidence"][0]["end"]] == ind["name"]
        for s in g["sections"]:
            assert d.text[s["start"] :].startswith(s["title"]) and s["end"] >= s["start"]
        for fl in g["flags"]:
            assert fl["code"] in FLAG_CODES and fl["evidence"]


def _check_consistency(d) -> list[str]:
    """The invariants a consistent document keeps; returns the flag codes it breaks."""
    broken = set()
    g = d.gold
    by = defaultdict(set)
    for a in g["amounts"]:
        if a["flow"] in ("expenditure",) and a["item"] in ("total", "basic", "project") and a["subject"] is None:
            by[(a["stage"], a["item"])].add(a["value_yuan"])
    for stage in ("budget_initial", "budget_adjusted", "actual"):
        t, b, p = by.get((stage, "total")), by.get((stage, "basic")), by.get((stage, "project"))
        if t and b and p and not any(abs(x - (y + z)) < 0.011 for x in t for y in b for z in p):
            broken.add("parts_sum_mismatch")
        if b and len(b) > 1:
            broken.add("parts_sum_mismatch")
    for ind in g["indicators"]:
        if ind["score"] is not None and ind["score"] > ind["weight"]:
            broken.add("score_exceeds_weight")
    ev = g["evaluation"]
    if ev["score"] is not None:
        s = ev["score"]
        expected = "优" if s >= 90 else "良" if s >= 80 else "中" if s >= 60 else "差"
        if ev["grade"] != expected:
            broken.add("grade_score_mismatch")
    return sorted(broken)


def test_consistent_except_where_injected(docs):
    injected = 0
    for d in docs:
        flagged = {f["code"] for f in d.gold["flags"]} - {"execution_rate_mismatch"}
        assert set(_check_consistency(d)) == flagged, d.name
        injected += bool(d.gold["flags"])
    assert 0 < injected < len(docs)


def test_execution_rate_flag_is_the_only_wrong_rate(docs):
    for d in docs:
        rates = [e for e in d.entities.entities if e.label == "RATE"]
        if not rates:
            continue
        g = d.gold
        unit_level = [a for a in g["amounts"] if a["subject"] is None]  # not the projects' own funds
        adjusted = {a["value_yuan"] for a in unit_level if a["stage"] == "budget_adjusted" and a["item"] == "total"}
        actual = {a["value_yuan"] for a in unit_level if a["stage"] == "actual" and a["item"] == "total"}
        stated = rates[0].attrs["value"]
        true_rate = round(max(actual) / max(adjusted) * 100, 2)
        flagged = any(f["code"] == "execution_rate_mismatch" for f in g["flags"])
        assert (abs(stated - true_rate) > 0.011) == flagged, d.name


def _as_docx_document(d) -> Document:
    """The synthetic blocks laid out the way the DOCX reader lays out a Word file."""
    b = DocumentBuilder()
    for kind, content, extra in plain_blocks(d):
        if kind == "table":
            merged, title = extra
            if title:
                b.add_text("paragraph", title)
            b.add_table(content, merged=merged)
        else:
            b.add_text("heading" if kind == "heading" else "paragraph", content)
    return b.build(path=Path(f"{d.name}.docx"), data=d.text.encode(), fmt="docx")


def test_table_reader_reads_every_synthetic_indicator(docs):
    tables = build_stage("tables", {})
    total = 0
    for d in docs:
        doc = tables(NumbersStage()(_as_docx_document(d)))
        got: dict[str, dict] = {}
        for m in doc.mentions:
            if m.label == "INDICATOR":
                got[m.text] = dict(m.attrs)
        for r in doc.relations:
            tail = doc.mentions[r.tail]
            got[doc.mentions[r.head].text][r.label] = tail.attrs.get("value") or tail.attrs.get("number")
        for ind in d.gold["indicators"]:
            row = got[ind["name"]]
            assert (row["level1"], row["level2"]) == (ind["level1"], ind["level2"])
            for key in ("target", "actual"):
                want, have = ind[key], row.get(key)
                if want is None:
                    assert have is None
                    continue
                assert (have["op"], have["value"], have["unit"], have["qualitative"]) == (
                    want["op"], want["value"], want["unit"], want["qualitative"]
                ), (d.name, ind["name"], key)  # fmt: skip
            assert row.get("weight") == ind["weight"] and row.get("score") == ind["score"]
            total += 1
        totals = [m.attrs["number"] for m in doc.mentions if m.label == "SCORE" and m.attrs.get("evaluation")]
        if d.gold["evaluation"]["score"] is not None:
            assert totals == [d.gold["evaluation"]["score"]], d.name
        gold_money = {(a["value_yuan"], a["stage"], a["item"]) for a in d.gold["amounts"]}
        for m in doc.mentions:
            if m.label == "MONEY":
                assert (m.attrs["value_yuan"], m.attrs["stage"], m.attrs["item"]) in gold_money, d.name
    assert total > 100


def test_writers_write_every_format(tmp_path):
    chosen = [next(d for d in generate(40, seed=5) if d.kind == k) for k in ALL_KINDS]
    assert write_corpus(chosen, tmp_path, formats=FORMATS) == len(chosen)
    for d in chosen:
        for fmt in FORMATS:
            assert (tmp_path / f"{d.name}.{fmt}").stat().st_size > 0
        gold = json.loads((tmp_path / f"{d.name}.gold.json").read_text(encoding="utf-8"))
        assert gold == d.gold
        assert (tmp_path / f"{d.name}.txt").read_text(encoding="utf-8") == d.text
        ents = AnnotationFile.model_validate_json((tmp_path / f"{d.name}.entities.json").read_text(encoding="utf-8"))
        assert len(ents.entities) == len(d.entities.entities)
    overall = next(d for d in chosen if d.kind == "overall_self_eval")
    unit = overall.gold["unit_name"]

    import docx
    import openpyxl
    import pdfplumber
    from bs4 import BeautifulSoup
    from PIL import Image

    word = docx.Document(str(tmp_path / f"{overall.name}.docx"))
    assert any(unit in p.text for p in word.paragraphs)
    assert len(word.tables) >= 1
    first = word.tables[0]
    assert any(cell.text == "年度资金总额" for row in first.rows for cell in row.cells)
    with pdfplumber.open(tmp_path / f"{overall.name}.pdf") as pdf:
        assert unit in "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")
    soup = BeautifulSoup((tmp_path / f"{overall.name}.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("table") is not None and unit in soup.get_text()
    wb = openpyxl.load_workbook(tmp_path / f"{overall.name}.xlsx")
    ws = wb.active
    assert any(unit in str(c.value) for row in ws.iter_rows() for c in row if c.value)
    img = Image.open(tmp_path / f"{overall.name}.png")
    assert img.size == (1654, 2338)


def test_binary_formats_are_deterministic(tmp_path):
    d = list(generate(1, seed=9, kinds=("project_self_eval",)))
    write_corpus(d, tmp_path / "a", formats=FORMATS)
    write_corpus(list(generate(1, seed=9, kinds=("project_self_eval",))), tmp_path / "b", formats=FORMATS)
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        write_corpus(generate(1), tmp_path, formats=["txt", "odt"])


def test_cli_synth(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["synth", "3", str(tmp_path), "--formats", "txt,html", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.gold.json"))) == 3
    assert len(list(tmp_path.glob("*.html"))) == 3 and len(list(tmp_path.glob("*.entities.json"))) == 3
    assert min(f.stat().st_size for f in tmp_path.glob("*.txt")) > 6_000  # full-length reports by default
    short = tmp_path / "short"
    result = CliRunner().invoke(app, ["synth", "3", str(short), "--seed", "2", "--size", "short"])
    assert result.exit_code == 0, result.output
    assert max(f.stat().st_size for f in short.glob("*.txt")) < 6_000


def test_reports_are_as_long_as_real_full_reports():
    """Full-length reports spread like the real ones (7–42 KB, median ≈ 15 KB) and hold more than short ones."""
    import statistics

    reports = list(generate(80, seed=13, size="report"))
    shorts = list(generate(80, seed=13))
    sizes = [len(d.text.encode("utf-8")) for d in reports]
    assert 6_000 <= min(sizes) and max(sizes) <= 50_000
    assert 12_000 <= statistics.median(sizes) <= 20_000
    assert max(len(d.text.encode("utf-8")) for d in shorts) < statistics.median(sizes) / 2
    for short, report in zip(shorts, reports, strict=True):
        assert short.kind == report.kind
        assert len(report.gold["sections"]) > len(short.gold["sections"])
        if report.kind in ("overall_self_eval", "target_table"):  # more projects, each with its own table
            assert {i["subject"] for i in report.gold["indicators"]} > {i["subject"] for i in short.gold["indicators"]}


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="unknown size"):
        next(generate(1, size="huge"))
