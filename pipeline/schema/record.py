"""The canonical schema: one module that every stage shares.

`Document` is both the object that travels through the stages and the record that
`extract` writes: each stage fills the fields it `assigns`. Offsets (`start`, `end`)
are always character offsets into `Document.text`, the cleaned text, end exclusive.
This module imports nothing else of ours.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Amount",
    "Block",
    "BlockKind",
    "Cell",
    "DocKind",
    "Document",
    "ENTITY_LABELS",
    "ErrorRecord",
    "Evaluation",
    "Fact",
    "Flag",
    "Flow",
    "Indicator",
    "Item",
    "Mention",
    "OffsetRun",
    "Op",
    "RELATION_LABELS",
    "Relation",
    "SCHEMA_VERSION",
    "Section",
    "Severity",
    "Source",
    "SourceFormat",
    "Span",
    "MoneyStage",
    "Value",
]

SCHEMA_VERSION = "0.2.0"

SourceFormat = Literal["txt", "md", "docx", "pdf", "pdf-scan", "image", "html", "xlsx"]
BlockKind = Literal["heading", "paragraph", "list_item", "table", "caption"]
DocKind = Literal[
    "overall_self_eval", "project_self_eval", "target_table", "final_accounts", "budget", "other"
]
MoneyStage = Literal["budget_initial", "budget_adjusted", "actual", "unspecified"]
Flow = Literal["income", "expenditure", "both", "unspecified"]
Item = Literal["total", "basic", "personnel", "public", "project", "three_public", "other"]
Op = Literal[">=", "<=", ">", "<", "=", "range"]
Severity = Literal["info", "warning", "error"]

# Entity labels the extractors emit (Mention.label).
ENTITY_LABELS = (
    "INDICATOR",  # 指标名称 (三级指标)
    "TARGET",  # 指标值 / 年度指标值 / 目标值
    "ACTUAL",  # 实际完成值 / 完成值
    "MONEY",  # an amount of money
    "SCORE",  # 得分
    "WEIGHT",  # 分值 / 权重
    "UNIT_NAME",  # the reporting unit
    "YEAR",  # a year mention (fiscal year candidates)
    "PROJECT",  # a project name (subject of amounts and indicators)
    "GRADE",  # 评价等级 as written (优, 良好 …)
    "RATE",  # a stated rate, e.g. 预算执行率 83.47%
)
# Relation labels (Relation.label): head → tail.
RELATION_LABELS = (
    "target",  # INDICATOR → TARGET
    "actual",  # INDICATOR → ACTUAL
    "weight",  # INDICATOR → WEIGHT
    "score",  # INDICATOR → SCORE
    "subject",  # MONEY or INDICATOR → PROJECT
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Span(_Model):
    """A half-open character range [start, end) of `Document.text`."""

    start: int = Field(ge=0, description="first character offset into the cleaned text")
    end: int = Field(ge=0, description="offset one past the last character")


class Source(_Model):
    path: str = Field(description="the input path as given")
    format: SourceFormat = Field(description="format sniffed from the bytes")
    pages: int | None = Field(default=None, description="number of pages, for paged formats")
    ocr: bool = Field(default=False, description="whether any text came from OCR")
    size_bytes: int | None = Field(default=None, description="size of the input file")


class Cell(_Model):
    """One table cell; merged cells are repeated into every cell they cover."""

    text: str = Field(description="the cell's cleaned text (equals Document.text[start:end])")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    row: int = Field(ge=0, description="row index in the table")
    col: int = Field(ge=0, description="column index in the table")
    merged: bool = Field(default=False, description="a copy of a merged cell's content")


class Block(_Model):
    """A structural unit of the document in reading order."""

    kind: BlockKind
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    page: int | None = Field(default=None, description="1-based page number where the format has pages")
    level: int | None = Field(default=None, description="heading level where known (1 = top)")
    rows: list[list[Cell]] = Field(default_factory=list, description="for tables: rows of cells")
    recovered: bool = Field(
        default=False, description="a table recovered from flattened text rather than read as a table"
    )


class OffsetRun(_Model):
    """`length` characters of cleaned text starting at `start` copy raw text from `raw_start`."""

    start: int
    raw_start: int
    length: int


class Section(_Model):
    title: str = Field(description="the heading as written")
    label: str = Field(description="section label from configs/sections.toml")
    confidence: float = Field(ge=0, le=1, description="calibrated probability of the label")
    start: int = Field(ge=0, description="offset of the heading")
    end: int = Field(ge=0, description="end of the section's content")
    level: int = Field(ge=1, description="depth in the section tree (1 = top)")
    number: str | None = Field(default=None, description="the numbering as written (一、, （二）, 1.)")


class Mention(_Model):
    """An entity found by an extractor, before reconciliation.

    `attrs` by label (the normalizer relies on these keys):
    - MONEY: `value_yuan` (float), `stage`, `flow`, `item`, `item_text`, each classified attribute
      with its probability under `<attr>_score`;
    - TARGET, ACTUAL: `value`, a `Value` as a dict (text, op, value, upper, unit, qualitative);
    - WEIGHT, SCORE: `number` (float);
    - INDICATOR: `level1`, `level2` (as written, where a table gives them);
    - RATE: `value` (the percentage as a number), `of` (what it is a rate of, e.g. 预算执行率);
    - YEAR: `year` (int); GRADE: `grade` (as written).
    Quantities (`Document.quantities`) carry `kind` (money, percent, count, number, qualitative)
    and `value` (a `Value` dict).
    """

    label: str = Field(description="one of ENTITY_LABELS")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(description="Document.text[start:end]")
    score: float = Field(default=1.0, ge=0, le=1, description="the extractor's probability")
    source: str = Field(default="grammar", description="who found it: grammar, table, ner, rules")
    attrs: dict[str, Any] = Field(
        default_factory=dict,
        description="label-specific attributes: parsed Value for TARGET/ACTUAL, stage/flow/item for MONEY, "
        "with their probabilities under '<attr>_score'",
    )


class Relation(_Model):
    head: int = Field(description="index into Document.mentions")
    tail: int = Field(description="index into Document.mentions")
    label: str = Field(description="one of RELATION_LABELS")
    score: float = Field(default=1.0, ge=0, le=1)
    source: str = Field(default="rules")


class Value(_Model):
    """A target or an actual as written, parsed."""

    text: str = Field(description="as written: ≥400人, 100%, 优良")
    op: Op | None = Field(default=None)
    value: float | None = Field(default=None, description="the number in `unit` (万元 → 元)")
    upper: float | None = Field(default=None, description="upper bound of a range")
    unit: str | None = Field(default=None, description="normalized unit: %, 元, 人, 次, …")
    qualitative: str | None = Field(default=None, description="the word for a non-numeric value")
    confidence: float | None = Field(default=None, ge=0, le=1)


class Amount(_Model):
    value_yuan: float = Field(description="the amount in yuan")
    raw: str = Field(description="the text as written, e.g. 298.75万元")
    stage: MoneyStage = "unspecified"
    flow: Flow = "unspecified"
    item: Item = "other"
    item_text: str | None = Field(default=None, description="the item's words as written")
    subject: str | None = Field(default=None, description="project name, or null for the whole unit")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    evidence: list[Span] = Field(default_factory=list, description="every mention of this fact")
    confidence: float = Field(ge=0, le=1, description="P(value, stage, flow and item all right), calibrated")
    stage_confidence: float | None = Field(default=None, ge=0, le=1, description="P(stage right), calibrated")
    flow_confidence: float | None = Field(default=None, ge=0, le=1, description="P(flow right), calibrated")
    item_confidence: float | None = Field(default=None, ge=0, le=1, description="P(item right), calibrated")


class Indicator(_Model):
    name: str
    level1: str | None = None
    level2: str | None = None
    target: Value | None = None
    actual: Value | None = None
    weight: float | None = None
    score: float | None = None
    achieved: bool | None = None
    subject: str | None = None
    evidence: list[Span] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)


class Evaluation(_Model):
    score: float | None = None
    grade: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    evidence: list[Span] = Field(default_factory=list)


class Flag(_Model):
    code: str
    severity: Severity
    message: str
    evidence: list[Span] = Field(default_factory=list)


class Fact(_Model):
    """Confidence and evidence for a document-level fact (unit_name, fiscal_year, doc_kind)."""

    confidence: float = Field(ge=0, le=1)
    evidence: list[Span] = Field(default_factory=list)


class Document(_Model):
    """One input document: the working object of every stage and the record `extract` writes."""

    doc_id: str = Field(description="SHA-256 of the input bytes (hex)")
    source: Source
    schema_version: str = SCHEMA_VERSION
    doc_kind: DocKind = "other"
    unit_name: str | None = None
    fiscal_year: int | None = None
    facts: dict[str, Fact] = Field(
        default_factory=dict, description="confidence and evidence of unit_name, fiscal_year, doc_kind"
    )
    text: str = Field(description="the cleaned text every offset points into")
    blocks: list[Block] = Field(default_factory=list)
    sentences: list[Span] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    quantities: list[Mention] = Field(
        default_factory=list, description="every number, amount and qualitative value the grammar found"
    )
    mentions: list[Mention] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    flags: list[Flag] = Field(default_factory=list)
    offset_map: list[OffsetRun] = Field(
        default_factory=list,
        exclude=True,
        description="cleaned → raw offsets for text inputs (runs of copied characters); not written",
    )
    stages: list[str] = Field(default_factory=list, description="the stages that ran, in order")


class ErrorRecord(_Model):
    """A document that could not be processed: who, where and why."""

    path: str
    doc_id: str | None = None
    stage: str = Field(description="ingest, clean, text, sections, extract, normalize, sink, …")
    error: str = Field(description="the error's class name")
    reason: str = Field(description="a sentence a user can act on")
