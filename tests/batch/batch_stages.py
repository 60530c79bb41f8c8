"""Test-only stages, imported by batch workers through `--plugin` (never by the library).

`test_lines` marks every line of the text as a section, every line with 指标 as an
indicator, adds one flag, and misbehaves on purpose when a line says so:
HANG sleeps for an hour, EXPLODE allocates 8 GB, the `crash_marker` exits the process.
"""

from __future__ import annotations

import os
import time

from pipeline.core import Stage, register
from pipeline.errors import Messages, ModelError
from pipeline.schema import Document, Flag, Indicator, Section, Span


@register
class MarkLines(Stage):
    name = "test_lines"
    requires = ("text",)
    assigns = ("sections", "indicators", "flags")

    def __init__(self, *, seconds: float = 0.0, crash_marker: str = "CRASH", model: str | None = None) -> None:
        self.seconds = seconds
        self.crash_marker = crash_marker
        self.model = model

    def __call__(self, doc: Document) -> Document:
        if self.model is not None:  # a model that is not there: the set-up's fault, not the document's
            raise ModelError(Messages.MODEL_MISSING.format(path=self.model, what="test"))
        if "HANG" in doc.text:
            time.sleep(3600)
        if "EXPLODE" in doc.text:
            blob = bytearray(8 * 1024**3)
            blob[-1] = 1
        if self.crash_marker in doc.text:
            os._exit(3)
        time.sleep(self.seconds)
        start = 0
        for line in doc.text.split("\n"):
            end = start + len(line)
            if line.strip():
                doc.sections.append(Section(title=line[:20], label="test", confidence=1.0, start=start, end=end, level=1))
                if "指标" in line:
                    doc.indicators.append(Indicator(name=line[:20], confidence=0.5, evidence=[Span(start=start, end=end)]))
            start = end + 1
        doc.flags.append(Flag(code="test_lines", severity="info", message=f"{len(doc.sections)} lines"))
        return doc
