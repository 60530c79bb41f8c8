"""Whose money: the project (subject) each amount and indicator belongs to.

A project-level report names its project in a 项目名称 cell or in its title (2021年XX项目绩效自评
报告); every amount and indicator of it then belongs to that project. A unit's overall report
(部门整体) belongs to the unit (subject null) except inside the tables it gives per project,
which open with a 项目名称 cell: from there to the next 项目名称 cell or top-level heading, the
fields are that project's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.schema import Document

# 项目名称 / 转移支付(项目)名称 / 专项(资金)名称, then the name in the next cell or after a colon
_NAME_CELL = re.compile(
    r"(?:^|[\t|])\s*(?:转移支付[(（]项目[)）]|项目|专项资金|专项)名称\s*(?:[\t|:：]|\n)\s*(?P<name>[^\t|\n]{2,60}?)\s*(?=[\t|\n]|$)",
    re.MULTILINE,
)
# a title or opening sentence: [year | 关于 | 对] NAME (ending in a word a project name ends in)
# [项目][支出] 绩效自评 / 绩效评价 / 绩效目标 …
_TITLE = re.compile(
    r"(?:(?:19|20)\d{2}\s*年度?|关于|对)(?:上报)?(?:(?:19|20)\d{2}\s*年度?)?\s*[“\"]?"
    r"(?P<name>(?:(?!(?:19|20)\d{2}\s*年)[^\s，。：:“”\"、（）()]){0,38}?(?:[(（][^\s()（）]{1,6}[)）][^\s，。：:“”\"、]{0,20})?"
    r"(?:项目|资金|经费|工程|补助|补贴|专项|费))[”\"]?"
    r"(?=(?:项目)?(?:支出)?(?:的)?(?:整体)?(?:绩效自评|绩效评价|重点绩效评价|自评|绩效目标|绩效情况|使用管理))"
)
_NOT_A_PROJECT = re.compile(r"部门|整体|单位|决算|预算|本级|绩效|^[项专]|^年|【|】|\[|号|通知|[0-9.]+万")
_TITLE_LINES = 8


@dataclass(frozen=True)
class ProjectName:
    name: str
    start: int
    end: int
    source: str  # "cell" or "title"


def project_names(doc: Document) -> list[ProjectName]:
    """Project names the document states, in order: 项目名称 cells anywhere, the title's project."""
    text = doc.text
    found = [ProjectName(m.group("name"), m.start("name"), m.end("name"), "cell") for m in _NAME_CELL.finditer(text)]
    found = [p for p in found if not _NOT_A_PROJECT.search(p.name) and not re.fullmatch(r"[\d.,，%\s万元]+", p.name)]
    head_end = 0
    for _ in range(_TITLE_LINES):
        nxt = text.find("\n", head_end + 1)
        head_end = len(text) if nxt < 0 else nxt
    for m in _TITLE.finditer(text, 0, head_end):
        name = m.group("name").strip("“”\"《》")
        if len(name) >= 2 and not _NOT_A_PROJECT.search(name):
            found.append(ProjectName(name, m.start("name"), m.start("name") + len(name), "title"))
            break
    return sorted(found, key=lambda p: p.start)


def _top_headings(doc: Document) -> list[int]:
    return sorted(s.start for s in doc.sections if s.level <= 1)


def subject_at(position: int, names: list[ProjectName], *, whole: ProjectName | None, tops: list[int]) -> str | None:
    """The project a field at `position` belongs to: the last 项目名称 cell before it, unless a
    top-level heading lies between; else the whole document's project (None for a unit's report)."""
    cell = next((p for p in reversed(names) if p.source == "cell" and p.start <= position), None)
    if cell is not None and not any(cell.start < h <= position for h in tops):
        return cell.name
    return whole.name if whole is not None else None


def assign_subjects(doc: Document, *, kind: str) -> Document:
    """Fill `subject` of the document's amounts and indicators (those that have none)."""
    names = project_names(doc)
    if not names:
        return doc
    whole = None
    if kind != "overall_self_eval" and len({p.name for p in names}) == 1:
        whole = names[0]  # one project named, in a project-level report: everything is its
    tops = _top_headings(doc)
    for field in [*doc.amounts, *doc.indicators]:
        if field.subject is None and field.evidence:
            field.subject = subject_at(field.evidence[0].start, names, whole=whole, tops=tops)
    return doc
