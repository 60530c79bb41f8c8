"""Annotations as training examples: characters with BIO tags, split by document.

Chinese checkpoints (BERT-style) read one character per token, so the unit here is the
character; windows break at line ends or sentence ends so that no example exceeds
`max_chars`. Spans are offsets into the text the examples are cut from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_BREAKS = "\n。；！？"


@dataclass(frozen=True)
class LabelledSpan:
    start: int
    end: int
    label: str


def bio_tags(length: int, spans: Iterable[LabelledSpan]) -> list[str]:
    """One tag per character; on overlap the longer span wins."""
    tags = ["O"] * length
    for span in sorted(spans, key=lambda s: s.start - s.end):
        if span.start >= span.end or span.end > length or any(t != "O" for t in tags[span.start : span.end]):
            continue
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label}"
    return tags


def windows(text: str, *, max_chars: int) -> Iterator[tuple[int, int]]:
    """[start, end) windows of at most `max_chars`, cut after a line or sentence end when possible."""
    start = 0
    n = len(text)
    while start < n:
        end = min(start + max_chars, n)
        if end < n:
            cut = max(text.rfind(ch, start, end) for ch in _BREAKS)
            if cut > start:
                end = cut + 1
        yield start, end
        start = end


def bio_examples(
    text: str, spans: Iterable[LabelledSpan], *, max_chars: int = 256, doc_id: str = ""
) -> list[dict]:
    """Examples `{doc_id, offset, tokens, tags}`; whitespace-only windows are skipped."""
    tags = bio_tags(len(text), spans)
    out = []
    for start, end in windows(text, max_chars=max_chars):
        chunk = text[start:end]
        if not chunk.strip():
            continue
        keep = [i for i, ch in enumerate(chunk) if not ch.isspace()]
        out.append(
            {
                "doc_id": doc_id,
                "offset": start,
                "char_offsets": [start + i for i in keep],
                "tokens": [chunk[i] for i in keep],
                "tags": [tags[start + i] for i in keep],
            }
        )
    return out


def spans_from_tags(
    tags: list[str], offsets: list[int], scores: list[float] | None = None
) -> list[tuple[int, int, str, float]]:
    """Decode BIO tags over characters at `offsets` into (start, end, label, mean score)."""
    out: list[tuple[int, int, str, float]] = []
    cur: list = []  # [start, last_offset, label, score_sum, n]
    for i, tag in enumerate(tags):
        score = scores[i] if scores else 1.0
        kind, _, label = tag.partition("-")
        if kind == "I" and cur and cur[2] == label:
            cur[1] = offsets[i]
            cur[3] += score
            cur[4] += 1
            continue
        if cur:
            out.append((cur[0], cur[1] + 1, cur[2], cur[3] / cur[4]))
            cur = []
        if kind in ("B", "I"):  # a stray I- starts a span, as seqeval's lenient mode does
            cur = [offsets[i], offsets[i], label, score, 1]
    if cur:
        out.append((cur[0], cur[1] + 1, cur[2], cur[3] / cur[4]))
    return out
