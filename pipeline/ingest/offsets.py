"""Text that remembers where each character came from.

Cleaning deletes markers, rewrites LaTeX and joins lines; annotations are anchored in the
raw text of a document. `MappedText` carries, for every cleaned character, the offset of
the raw character it came from, so that spans can be moved between the two in both
directions (`raw_to_clean`, `clean_to_raw`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from pipeline.schema import OffsetRun


@dataclass
class MappedText:
    """A string plus, per character, its offset in the raw text."""

    text: str
    origin: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.origin and self.text:
            self.origin = list(range(len(self.text)))
        if len(self.origin) != len(self.text):
            raise ValueError("origin must give one raw offset per character")

    @classmethod
    def raw(cls, text: str, offset: int = 0) -> MappedText:
        return cls(text, list(range(offset, offset + len(text))))

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, key: slice) -> MappedText:
        return MappedText(self.text[key], self.origin[key])

    def __add__(self, other: MappedText) -> MappedText:
        return MappedText(self.text + other.text, self.origin + other.origin)

    def inserted(self, text: str, at_raw: int) -> MappedText:
        """New characters (a joiner, a newline) that point at a raw offset."""
        return MappedText(text, [at_raw] * len(text))

    def sub(self, pattern: str | re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> MappedText:
        """`re.sub` that keeps origins: replacement characters point into their match.

        When the replacement is the match's text with characters removed or changed one for
        one, characters keep their own origins; otherwise they spread over the match.
        """
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        parts: list[MappedText] = []
        pos = 0
        for match in regex.finditer(self.text):
            parts.append(self[pos : match.start()])
            new = repl(match) if callable(repl) else match.expand(repl)
            parts.append(self._replacement(match.start(), match.end(), new))
            pos = match.end()
        parts.append(self[pos:])
        return join(parts)

    def _replacement(self, start: int, end: int, new: str) -> MappedText:
        old = self.text[start:end]
        origin = self.origin[start:end]
        if not new:
            return MappedText("", [])
        if len(new) == len(old):
            return MappedText(new, origin)
        # characters that survive in order keep their origin (deletions inside a match)
        mapped: list[int] = []
        j = 0
        for ch in new:
            k = old.find(ch, j)
            if k >= 0:
                mapped.append(origin[k])
                j = k + 1
            else:
                anchor = origin[min(j, len(origin) - 1)] if origin else 0
                mapped.append(anchor)
        return MappedText(new, mapped)

    def translate(self, table: dict[int, str | int | None]) -> MappedText:
        """`str.translate` for one-to-one or one-to-none character maps."""
        chars: list[str] = []
        origin: list[int] = []
        for ch, o in zip(self.text, self.origin):
            new = ch.translate(table)
            chars.append(new)
            origin.extend([o] * len(new))
        return MappedText("".join(chars), origin)

    def runs(self) -> list[OffsetRun]:
        """Compress the origins into runs of consecutively copied characters."""
        if not self.origin:
            return []
        origin = np.asarray(self.origin, dtype=np.int64)
        # a run breaks where a character's origin does not follow the previous one's
        starts = np.concatenate(([0], np.flatnonzero(np.diff(origin) != 1) + 1)).tolist()
        ends = starts[1:] + [len(origin)]
        return [
            OffsetRun(start=a, raw_start=self.origin[a], length=b - a) for a, b in zip(starts, ends, strict=True)
        ]


def join(parts: Iterable[MappedText], sep: MappedText | None = None) -> MappedText:
    text: list[str] = []
    origin: list[int] = []
    for i, part in enumerate(parts):
        if sep is not None and i:
            text.append(sep.text)
            origin.extend(sep.origin)
        text.append(part.text)
        origin.extend(part.origin)
    return MappedText("".join(text), origin)


def clean_to_raw(runs: list[OffsetRun], offset: int) -> int:
    """The raw offset of cleaned character `offset` (or of the run boundary before it)."""
    if not runs:
        return offset
    i = bisect.bisect_right([r.start for r in runs], offset) - 1
    run = runs[max(i, 0)]
    return run.raw_start + min(max(offset - run.start, 0), run.length)


def raw_to_clean(runs: list[OffsetRun], raw_offset: int, *, side: str = "start") -> int:
    """The cleaned offset for a raw offset; `side='end'` for exclusive span ends.

    A raw character that was removed by cleaning maps to the next kept character for a
    start, and to just after the previous kept character for an end.
    """
    if not runs:
        return raw_offset
    if side == "end":
        best = 0
        for run in runs:
            if run.raw_start < raw_offset:
                best = max(best, run.start + min(raw_offset - run.raw_start, run.length))
        return best
    best = None
    for run in runs:
        if run.raw_start + run.length > raw_offset:
            cand = run.start + max(raw_offset - run.raw_start, 0)
            best = cand if best is None else min(best, cand)
    return best if best is not None else runs[-1].start + runs[-1].length
