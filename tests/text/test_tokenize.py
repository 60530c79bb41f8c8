"""Segmenters: offsets cover the text, domain terms come out whole, jieba and rjieba agree."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from text.sample import REPORT

from pipeline.text.tokenize import DomainDict, get_segmenter, spacy_nlp, to_spacy_doc, tokenize

ENGINES = ["rjieba", "jieba", "characters"]


def _covers(text: str, tokens) -> bool:
    pos = 0
    for word, start, end in tokens:
        if start != pos or text[start:end] != word or end <= start:
            return False
        pos = end
    return pos == len(text)


@pytest.mark.parametrize("engine", ENGINES)
def test_offsets_cover_the_text(engine):
    assert _covers(REPORT, tokenize(REPORT, engine=engine))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("预算执行率一般公共财政拨款“三公”经费（）〔〕2026.5%万元\n 　abc-_。，；")), max_size=60))
def test_offsets_cover_any_text(text):
    for engine in ("rjieba", "jieba"):
        assert _covers(text, tokenize(text, engine=engine))


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_domain_terms_are_whole(engine):
    domain = DomainDict.read()
    words = {w for w, _ in domain.words}
    for term in ["预算执行率", "一般公共预算", "财政拨款", "实际完成值", "“三公”经费", "年初预算数", "社会效益指标", "满意度"]:
        assert term in words
        sentence = f"本年度{term}有关情况如下"
        assert term in [w for w, _, _ in tokenize(sentence, engine=engine)], (engine, term)


def test_every_dictionary_term_is_whole_in_context():
    seg = get_segmenter("rjieba")
    misses = []
    for term, _ in DomainDict.read().words:
        sentence = f"关于{term}的说明"
        if term not in [w for w, _, _ in seg.tokenize(sentence)]:
            misses.append(term)
    # a term may lose to a longer dictionary word across its edge; nearly all must be whole
    assert len(misses) <= 5, misses


def test_engines_cut_our_report_identically():
    assert tokenize(REPORT, engine="rjieba") == tokenize(REPORT, engine="jieba")


def test_ascii_runs_cut_as_jieba_does():
    text = "发文日期2026-03-15，编号ABC_12，比例32.06.5与--分隔"
    assert tokenize(text, engine="rjieba") == tokenize(text, engine="jieba")


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("hmm", [True, False])
def test_engines_cut_the_real_documents_identically(real_documents, hmm):
    jieba_seg, rjieba_seg = get_segmenter("jieba", hmm=hmm), get_segmenter("rjieba", hmm=hmm)
    differing = []
    tokens = 0
    for doc in real_documents:
        text = doc.path.read_text(encoding="utf-8-sig")
        a, b = jieba_seg.tokenize(text), rjieba_seg.tokenize(text)
        tokens += len(a)
        if a != b:
            differing.append(doc.name)
    assert tokens > 10000
    assert differing == []


def test_spacy_doc_from_our_tokens():
    tokens = tokenize(REPORT)
    doc = to_spacy_doc(REPORT, tokens)
    assert doc.text == REPORT
    assert [(t.idx, t.idx + len(t.text)) for t in doc] == [(s, e) for _, s, e in tokens]
    nlp = spacy_nlp()
    assert nlp.lang == "zh"
    span = nlp("预算执行率为98%").char_span(0, 5)
    assert span is not None and span.text == "预算执行率"


def test_spacy_doc_of_a_document_has_our_sentences(tmp_path):
    from pipeline.ingest import read_document
    from pipeline.text.sentences import segment
    from pipeline.text.tokenize import spacy_doc

    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    document = read_document(path)
    document.sentences = segment(document)
    doc = spacy_doc(document)
    assert doc.text == document.text
    starts = [s.start_char for s in doc.sents]
    # every sentence start that falls on a token boundary is a spaCy sentence start
    token_starts = {t.idx for t in doc}
    assert {s.start for s in document.sentences if s.start in token_starts} <= set(starts)
    assert len(starts) >= len(document.sentences) // 2
