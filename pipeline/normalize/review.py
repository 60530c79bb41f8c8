"""A review page per document: one self-contained HTML file a person can check the record with.

The text with every span highlighted (colour by label, confidence on hover), the flags at
the top, and tables of amounts and indicators whose evidence links jump to the highlighted
text. All document text is escaped: a document holding `<script>` shows it as text.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from pipeline.schema import Document

COLOURS = {
    "MONEY": "#ffe08a", "INDICATOR": "#b8e0ff", "TARGET": "#c9f2c7", "ACTUAL": "#e3d4ff", "WEIGHT": "#ffd6e0",
    "SCORE": "#ffc9a8", "UNIT_NAME": "#d8f0f0", "YEAR": "#eeeeee", "RATE": "#f7c6c6", "GRADE": "#f0e0c0",
    "FLAG": "#ff9c9c",
}  # fmt: skip
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK",sans-serif;margin:1.5em;max-width:70em;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0} td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top}
.flags li{margin:.3em 0} .sev-error{color:#a00} .sev-warning{color:#a60} .sev-info{color:#456}
#text{white-space:pre-wrap;line-height:1.7;border:1px solid #ddd;padding:1em;background:#fcfcfc}
mark{padding:0 .1em;border-radius:2px} mark:target,span.anchor:target+mark,span.anchor:target{outline:3px solid #d22;background:#ff6}
.legend span{display:inline-block;padding:0 .4em;margin-right:.4em;border-radius:2px}
"""


def safe_name(doc_id: str) -> str:
    return (re.sub(r"[^0-9A-Za-z_-]", "_", doc_id)[:80] or "document") + ".html"


def span_id(start: int, end: int) -> str:
    return f"span-{start}-{end}"


def _link(start: int, end: int, text: str) -> str:
    return f'<a href="#{span_id(start, end)}">{escape(text)}</a>'


def _spans(doc: Document) -> list[tuple[int, int, str, float | None]]:
    out = [(m.start, m.end, m.label, m.score) for m in doc.mentions]
    for a in doc.amounts:
        out += [(e.start, e.end, "MONEY", a.confidence) for e in a.evidence]
    for ind in doc.indicators:
        if ind.evidence:
            e = ind.evidence[0]
            out.append((e.start, e.end, "INDICATOR", ind.confidence))
            out += [(x.start, x.end, "TARGET", ind.confidence) for x in ind.evidence[1:]]
    for f in doc.flags:
        out += [(e.start, e.end, "FLAG", None) for e in f.evidence]
    return [s for s in out if 0 <= s[0] < s[1] <= len(doc.text)]


def render(doc: Document) -> str:
    text = doc.text
    spans = _spans(doc)
    # highlights: longest first, no overlaps; every other span gets a zero-width anchor
    placed: list[tuple[int, int, str, float | None]] = []
    taken: list[tuple[int, int]] = []
    for s in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if not any(a < s[1] and s[0] < b for a, b in taken):
            placed.append(s)
            taken.append((s[0], s[1]))
    placed_ids = {(s, e) for s, e, _, _ in placed}
    inserts: dict[int, list[str]] = {}
    for s, e, label, conf in placed:
        tip = f"{label}" + (f" · confidence {conf:.2f}" if conf is not None else "")
        inserts.setdefault(s, []).append(
            f'<mark id="{span_id(s, e)}" style="background:{COLOURS.get(label, "#eee")}" title="{escape(tip)}">'
        )
        inserts.setdefault(e, []).insert(0, "</mark>")
    for s, e in sorted({(s, e) for s, e, _, _ in spans} - placed_ids):
        inserts.setdefault(s, []).append(f'<span class="anchor" id="{span_id(s, e)}"></span>')
    body = []
    pos = 0
    for at in sorted(inserts):
        body.append(escape(text[pos:at]))
        # closing tags first, then openings
        body.extend(t for t in inserts[at] if t.startswith("</"))
        body.extend(t for t in inserts[at] if not t.startswith("</"))
        pos = at
    body.append(escape(text[pos:]))

    flags = "".join(
        f'<li class="sev-{escape(f.severity)}"><b>{escape(f.code)}</b> ({escape(f.severity)}): {escape(f.message)} '
        + " ".join(_link(e.start, e.end, f"[{i + 1}]") for i, e in enumerate(f.evidence))
        + "</li>"
        for f in doc.flags
    )
    amounts = "".join(
        f"<tr><td>{a.value_yuan:,.2f}</td><td>{escape(a.raw)}</td><td>{a.stage}</td><td>{a.flow}</td><td>{a.item}"
        f"{' · ' + escape(a.item_text) if a.item_text else ''}</td><td>{escape(a.subject or '')}</td><td>{a.confidence:.2f}</td><td>"
        + " ".join(_link(e.start, e.end, f"[{i + 1}]") for i, e in enumerate(a.evidence))
        + "</td></tr>"
        for a in doc.amounts
    )
    indicators = "".join(_indicator_row(i) for i in doc.indicators)
    fact_values = (
        ("unit_name", doc.unit_name),
        ("fiscal_year", doc.fiscal_year),
        ("doc_kind", doc.doc_kind),
        ("evaluation", f"{doc.evaluation.score} {doc.evaluation.grade or ''}"),
    )
    facts = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td><td>{doc.facts[k].confidence:.2f}</td><td>"
        + " ".join(_link(e.start, e.end, f"[{i + 1}]") for i, e in enumerate(doc.facts[k].evidence))
        + "</td></tr>"
        for k, v in fact_values
        if k in doc.facts
    )
    legend = "".join(f'<span style="background:{c}">{escape(k)}</span>' for k, c in COLOURS.items())
    title = escape(doc.unit_name or doc.source.path)
    return (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>jixiao review · {title}</title>'
        f"<style>{CSS}</style></head><body>"
        f"<h1>{title}</h1><p>{escape(doc.source.path)} · doc_id {escape(doc.doc_id[:16])}…</p>"
        f'<h2>Flags ({len(doc.flags)})</h2><ul class="flags" id="flags">{flags or "<li>none</li>"}</ul>'
        f"<h2>Document facts</h2><table><tr><th>fact</th><th>value</th><th>confidence</th><th>evidence</th></tr>{facts}</table>"
        f'<h2>Amounts ({len(doc.amounts)})</h2><table id="amounts"><tr><th>yuan</th><th>as written</th><th>stage</th><th>flow</th>'
        f"<th>item</th><th>subject</th><th>confidence</th><th>evidence</th></tr>{amounts}</table>"
        f'<h2>Indicators ({len(doc.indicators)})</h2><table id="indicators"><tr><th>name</th><th>target</th><th>actual</th>'
        f"<th>achieved</th><th>weight</th><th>score</th><th>confidence</th><th>evidence</th></tr>{indicators}</table>"
        f'<h2>Text</h2><p class="legend">{legend}</p><div id="text">{"".join(body)}</div></body></html>'
    )


def _indicator_row(i) -> str:
    def num(x):
        return "" if x is None else f"{x:g}"

    achieved = "" if i.achieved is None else ("✔" if i.achieved else "✘")
    links = " ".join(_link(e.start, e.end, f"[{k + 1}]") for k, e in enumerate(i.evidence))
    return (
        f"<tr><td>{escape(i.name)}</td><td>{escape(i.target.text if i.target else '')}</td>"
        f"<td>{escape(i.actual.text if i.actual else '')}</td><td>{achieved}</td><td>{num(i.weight)}</td>"
        f"<td>{num(i.score)}</td><td>{i.confidence:.2f}</td><td>{links}</td></tr>"
    )


def write_review(doc: Document, out_dir: Path) -> Path:
    """Write the review page of `doc` into `out_dir` (created if needed); returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / safe_name(doc.doc_id)
    path.write_text(render(doc), encoding="utf-8")
    return path


class ReviewSink:
    """A batch sink (`pipeline.batch.sinks`) that writes a review page per record."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.paths: list[Path] = []

    def write(self, doc: Document | dict, *, record_json: str | None = None) -> None:
        if not isinstance(doc, Document):
            doc = Document.model_validate(doc)
        self.paths.append(write_review(doc, self.out_dir))

    def write_error(self, err) -> None:
        pass

    def close(self) -> None:
        pass
