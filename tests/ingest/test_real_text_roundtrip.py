"""The real documents' text, written by us into DOCX, HTML and PDF files in a temp folder, reads back.

Nothing of the documents is stored: each file is built in `tmp_path` from the shared folder
(skipped without it) and only the accuracy is asserted.
"""

from __future__ import annotations

import html as html_escape
import re
from collections import Counter

import pytest
from ingest.fixtures import char_accuracy, write_docx, write_pdf

from pipeline.ingest import read_document
from pipeline.ingest.html import _is_boilerplate

pytestmark = pytest.mark.corpus


def _paragraphs(doc, limit: int | None = None) -> list[str]:
    lines = [line.strip() for line in doc.path.read_text(encoding="utf-8-sig").splitlines()]
    lines = [line for line in lines if line and not line.startswith("[bookmark")]
    return lines[:limit] if limit else lines


def test_docx_roundtrip(real_documents, tmp_path):
    for n, doc in enumerate(real_documents):
        paragraphs = _paragraphs(doc)
        path = write_docx(tmp_path / f"{n}.docx", [("paragraph", p) for p in paragraphs])
        accuracy = char_accuracy("\n".join(paragraphs), read_document(path).text)
        assert accuracy >= 0.98, f"{doc.name}: {accuracy:.3f}"  # never the text itself in a log


def test_html_roundtrip(real_documents, tmp_path):
    for n, doc in enumerate(real_documents):
        paragraphs = _paragraphs(doc)
        body = "".join(f"<p>{html_escape.escape(p)}</p>" for p in paragraphs)
        page = f'<html><head><meta charset="gbk"></head><body><div class="nav"><a href="/">首页</a></div><div id="zoom">{body}</div></body></html>'
        path = tmp_path / f"{n}.html"
        path.write_bytes(page.encode("gb18030"))
        # the excerpts were scraped from portals: their breadcrumb and footer lines are dropped by design
        kept = [p for p in paragraphs if not _is_boilerplate(p)]
        accuracy = char_accuracy("\n".join(kept), read_document(path).text)
        assert accuracy >= 0.98, f"{doc.name}: {accuracy:.3f}"


@pytest.mark.slow
def test_pdf_roundtrip(real_documents, tmp_path):
    for n, doc in enumerate(real_documents[:8]):
        # lines that recur with only their numbers changed (项目表_第1页, 项目表_第2页) are page furniture a
        # PDF reader drops at page edges: leave them out
        masked = Counter(re.sub(r"\d+", "#", p) for p in _paragraphs(doc))
        paragraphs = [p for p in _paragraphs(doc) if masked[re.sub(r"\d+", "#", p)] == 1][:12]
        pages = [[("paragraph", p) for p in paragraphs[i : i + 4]] for i in range(0, len(paragraphs), 4)]
        pages = [[(kind, text[:400]) for kind, text in page] for page in pages]
        path = write_pdf(tmp_path / f"{n}.pdf", pages, header="页眉", page_number="第 {n} 页")
        expected = "\n".join(text for page in pages for _, text in page)
        accuracy = char_accuracy(expected, read_document(path).text)
        assert accuracy >= 0.98, f"{doc.name}: {accuracy:.3f}"
