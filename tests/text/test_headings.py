"""Headings and the section tree: levels from the nesting of styles, skipped and repeated
numbers harmless, 目录 folded, table titles, the stages on a document of our own."""

from __future__ import annotations

import pytest
from text.sample import REPORT

from pipeline.ingest import read_document
from pipeline.text.headings import heading_in_line, section_tree
from pipeline.text.stages import HeadingsStage, SentencesStage


def _doc(tmp_path, text: str):
    path = tmp_path / "d.txt"
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def _tree(tmp_path, text: str):
    doc = _doc(tmp_path, text)
    return doc, [(h.level, doc.text[h.start : h.title_end]) for h in section_tree(doc)]


def test_report_tree_with_skipped_and_repeated_numbers(tmp_path):
    doc, tree = _tree(tmp_path, REPORT)
    assert tree[0] == (1, "青山县示范服务中心2026年度部门整体支出绩效自评报告")
    levels = dict((t, lvl) for lvl, t in tree)
    # （二） skipped in 三、, then 三、 repeated and 四、 skipped: siblings all the same
    assert levels["三、部门整体支出绩效目标实现情况及指标分析"] == levels["三、评价结论和评价等级"] == 1
    assert levels["五、存在的问题及改进措施"] == levels["六、评价工作组人员名单及签字"] == 1
    assert levels["（三）分项绩效目标实现情况"] == levels["（一）部门概况"] == 2
    heads = section_tree(doc)
    # a section ends where the next heading at its level or above starts
    by_title = {doc.text[h.start : h.title_end]: h for h in heads}
    first, second = by_title["一、部门基本情况"], by_title["二、自评工作开展情况"]
    assert doc.text[first.start : first.end].rstrip() == doc.text[first.start : second.start].rstrip()
    child = by_title["（三）部门整体支出绩效目标、指标"]
    assert child.end <= first.end
    # every section lies inside the text and inside its parent
    for h in heads:
        assert 0 <= h.start < h.title_end <= h.end <= len(doc.text)


def test_list_items_are_not_headings():
    assert heading_in_line("1、承担县委、县政府交办的其他事项。") is None
    assert heading_in_line("（2）组织开展技能竞赛活动，全年举办比赛12场，参赛职工达到1500人次以上。") is None
    assert heading_in_line("2. 分项绩效目标") is not None
    assert heading_in_line("一、部门职责：本部门主要负责全县职工服务工作，包括…")[1] == len("一、部门职责")


def test_toc_is_one_section(tmp_path):
    text = "\n".join([
        "某某单位2026年度部门决算", "目录", "第一部分 单位概况", "一、主要职能", "二、机构设置", "第二部分 决算说明",
        "第一部分 单位概况", "一、主要职能", "负责本县档案管理工作。", "二、机构设置", "内设科室2个。",
        "第二部分 决算说明", "本年收入合计50万元。",
    ]) + "\n"
    doc, tree = _tree(tmp_path, text)
    titles = [t for _, t in tree]
    assert titles == ["某某单位2026年度部门决算", "目录", "第一部分 单位概况", "一、主要职能", "二、机构设置", "第二部分 决算说明"]
    assert [lvl for lvl, _ in tree] == [1, 1, 1, 2, 2, 1]


def test_table_titles_and_attachments(tmp_path):
    text = "\n".join([
        "一、部门基本情况", "本部门概况如下。", "附件1", "项目支出绩效自评表", "项目名称：示范项目", "附表2 绩效目标表",
        "一级指标 二级指标",
    ]) + "\n"
    _, tree = _tree(tmp_path, text)
    assert (1, "附件1") in tree and (1, "附表2 绩效目标表") in tree
    assert (2, "项目支出绩效自评表") in tree


def test_stages_fill_sentences_and_sections(tmp_path):
    doc = HeadingsStage()(SentencesStage()(_doc(tmp_path, REPORT)))
    assert len(doc.sections) == 16
    assert all(s.label == "other" and s.confidence == 0.0 for s in doc.sections)
    assert all(doc.text[s.start : s.start + len(s.title)] == s.title for s in doc.sections)
    assert doc.sections[1].number == "一、" and doc.sections[2].number == "（一）"
    untitled = HeadingsStage(keep_title=False)(_doc(tmp_path, REPORT))
    assert len(untitled.sections) == 15


@pytest.mark.corpus
def test_trees_of_the_real_documents(real_documents):
    sections = 0
    for real in real_documents:
        doc = read_document(real.path)
        heads = section_tree(doc)
        sections += len(heads)
        for h in heads:
            assert 1 <= h.level <= 8
            assert 0 <= h.start <= h.title_end <= h.end <= len(doc.text)
        starts = [h.start for h in heads]
        assert starts == sorted(starts)
    assert sections > 300


def test_docx_heading_styles_give_levels(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("青山县某单位2026年度自评报告", level=0)
    d.add_heading("部门概况", level=1)
    d.add_paragraph("本单位内设科室3个。")
    d.add_heading("存在问题", level=1)
    d.add_paragraph("一是预算编制不细。")
    d.add_heading("具体问题", level=2)
    d.add_paragraph("二是指标难以量化。")
    d.add_heading("改进措施", level=1)
    d.add_paragraph("加强预算编制管理。")
    path = tmp_path / "h.docx"
    d.save(path)
    doc = read_document(path)
    tree = [(h.level, doc.text[h.start : h.title_end]) for h in section_tree(doc)]
    assert [t for _, t in tree] == ["青山县某单位2026年度自评报告", "部门概况", "存在问题", "具体问题", "改进措施"]
    levels = dict((t, lvl) for lvl, t in tree)
    assert levels["具体问题"] == levels["存在问题"] + 1
    assert levels["改进措施"] == levels["存在问题"] == levels["部门概况"]
