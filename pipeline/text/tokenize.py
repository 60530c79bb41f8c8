"""Word segmentation behind one interface: jieba, rjieba (its Rust port) or single characters.

Every engine yields tokens as `(word, start, end)` character offsets that cover the text
exactly. jieba and rjieba read the same dictionary plus `configs/domain_dict.txt` with the
same frequencies and the same HMM setting, so they cut identically; rjieba is the fast one.
Domain terms that contain characters jieba always splits on (“三公”经费) are joined after
cutting. `to_spacy_doc` wraps tokens in a spaCy `zh` Doc built directly from the words, so
spaCy never loads a segmenter model of its own.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pipeline.core import CONFIG_DIR

logger = logging.getLogger(__name__)

Engine = Literal["rjieba", "jieba", "characters"]
DOMAIN_DICT = CONFIG_DIR / "domain_dict.txt"
DEFAULT_FREQ = 200000
Token = tuple[str, int, int]

# what jieba keeps inside one block when cutting (re_han_default); a term with anything else
# can only come out whole by joining tokens after the cut
_JIEBA_BLOCK = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")
# how jieba cuts a run of non-Chinese characters it has no word for (finalseg.re_skip with
# HMM, single alphanumeric runs without); rjieba keeps 2022-04-15 or OLE_LINK16 whole, so its
# ASCII tokens are re-cut this way to give jieba's cuts
_JIEBA_SKIP_HMM = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?|[^a-zA-Z0-9]+", re.S)
_JIEBA_SKIP_NO_HMM = re.compile(r"[a-zA-Z0-9]+|.", re.S)
_HAN = re.compile(r"[\u4E00-\u9FD5]")


@dataclass(frozen=True)
class DomainDict:
    """Terms and their frequencies, read from a jieba user-dictionary file."""

    words: tuple[tuple[str, int], ...]

    @classmethod
    def read(cls, path: Path = DOMAIN_DICT) -> DomainDict:
        words = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.rsplit(" ", 1)
            if len(parts) == 2 and parts[1].isdigit():
                words.append((parts[0], int(parts[1])))
            else:
                words.append((line, DEFAULT_FREQ))
        return cls(tuple(words))

    @property
    def joinable(self) -> tuple[str, ...]:
        """Terms jieba cannot keep whole by itself (they contain quotes, brackets …)."""
        return tuple(w for w, _ in self.words if not _JIEBA_BLOCK.match(w))


class Segmenter(Protocol):
    engine: str

    def tokenize(self, text: str) -> list[Token]: ...


class _JoinTerms:
    """Join runs of tokens that exactly cover a term jieba splits (e.g. “三公”经费)."""

    def __init__(self, terms: tuple[str, ...]) -> None:
        ordered = sorted(terms, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self.marks = frozenset(t[0] for t in ordered)

    def __call__(self, text: str, tokens: list[Token]) -> list[Token]:
        if self.pattern is None or not any(ch in text for ch in self.marks):
            return tokens
        spans = [(m.start(), m.end()) for m in self.pattern.finditer(text)]
        if not spans:
            return tokens
        out: list[Token] = []
        i = 0
        for start, end in spans:
            while i < len(tokens) and tokens[i][1] < start:
                out.append(tokens[i])
                i += 1
            j = i
            while j < len(tokens) and tokens[j][2] <= end:
                j += 1
            if i < len(tokens) and tokens[i][1] == start and j > i and tokens[j - 1][2] == end:
                out.append((text[start:end], start, end))
                i = j
        out.extend(tokens[i:])
        return out


class JiebaSegmenter:
    """jieba with its own Tokenizer instance (the global one is left alone)."""

    engine = "jieba"

    def __init__(self, *, domain: DomainDict | None = None, hmm: bool = True) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.hmm = hmm
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        domain = domain or DomainDict.read()
        for word, freq in domain.words:
            self._tok.add_word(word, freq)
        self._join = _JoinTerms(domain.joinable)

    def tokenize(self, text: str) -> list[Token]:
        return self._join(text, list(self._tok.tokenize(text, HMM=self.hmm)))


class RjiebaSegmenter:
    """rjieba (Rust): same dictionary and cuts as jieba, about twenty times faster."""

    engine = "rjieba"

    def __init__(self, *, domain: DomainDict | None = None, hmm: bool = True) -> None:
        import rjieba

        self.hmm = hmm
        self._tok = rjieba.Jieba()
        domain = domain or DomainDict.read()
        for word, freq in domain.words:
            self._tok.add_word(word, freq, None)
        self._join = _JoinTerms(domain.joinable)

    def tokenize(self, text: str) -> list[Token]:
        return self._join(text, self._as_jieba(self._tok.tokenize(text, "default", self.hmm)))

    def _as_jieba(self, tokens: list[Token]) -> list[Token]:
        """Re-cut multi-character non-Chinese tokens the way jieba does (see _JIEBA_SKIP_HMM)."""
        skip = _JIEBA_SKIP_HMM if self.hmm else _JIEBA_SKIP_NO_HMM
        out: list[Token] = []
        for token in tokens:
            word, start, _ = token
            if len(word) < 2 or _HAN.search(word) or self._tok.has_word(word) or skip.fullmatch(word):
                out.append(token)
                continue
            out.extend((m.group(), start + m.start(), start + m.end()) for m in skip.finditer(word))
        return out


class CharacterSegmenter:
    """One token per character: no dictionary, for comparison and as a fallback."""

    engine = "characters"

    def __init__(self, *, domain: DomainDict | None = None, hmm: bool = True) -> None:
        del domain, hmm

    def tokenize(self, text: str) -> list[Token]:
        return [(ch, i, i + 1) for i, ch in enumerate(text)]


_ENGINES = {"jieba": JiebaSegmenter, "rjieba": RjiebaSegmenter, "characters": CharacterSegmenter}


@functools.lru_cache(maxsize=8)
def get_segmenter(engine: Engine = "rjieba", *, hmm: bool = True, domain_dict: str | None = None) -> Segmenter:
    """A cached segmenter; `domain_dict` is a path (default `configs/domain_dict.txt`)."""
    if engine not in _ENGINES:
        raise ValueError(f"unknown segmenter engine {engine!r}; choose one of {sorted(_ENGINES)}")
    domain = DomainDict.read(Path(domain_dict) if domain_dict else DOMAIN_DICT)
    return _ENGINES[engine](domain=domain, hmm=hmm)


def tokenize(text: str, *, engine: Engine = "rjieba", hmm: bool = True) -> list[Token]:
    """`(word, start, end)` for every token of `text`, covering it without gaps."""
    return get_segmenter(engine, hmm=hmm).tokenize(text)


def iter_words(text: str, *, engine: Engine = "rjieba") -> Iterator[str]:
    for word, _, _ in tokenize(text, engine=engine):
        yield word


@functools.lru_cache(maxsize=1)
def spacy_nlp():
    """A blank spaCy `zh` pipeline whose tokenizer is our segmenter (no pkuseg, no download)."""
    from spacy.lang.zh import Chinese

    nlp = Chinese.from_config({"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.tokenizer = SegmenterTokenizer(nlp.vocab)
    return nlp


class SegmenterTokenizer:
    """spaCy tokenizer: text → Doc built from our segmenter's words."""

    def __init__(self, vocab, *, engine: Engine = "rjieba") -> None:
        self.vocab = vocab
        self.engine = engine

    def __call__(self, text: str):
        return to_spacy_doc(text, tokenize(text, engine=self.engine), vocab=self.vocab)


def to_spacy_doc(text: str, tokens: list[Token], *, vocab=None):
    """A spaCy Doc over `text` from tokens that cover it (cheap: no re-segmentation)."""
    from spacy.tokens import Doc

    vocab = vocab if vocab is not None else spacy_nlp().vocab
    words = [w for w, _, _ in tokens]
    return Doc(vocab, words=words, spaces=[False] * len(words))


def spacy_doc(document, *, engine: Engine = "rjieba"):
    """A spaCy Doc over `document.text` (a `pipeline.schema.Document`), sentence starts set from
    `document.sentences` where the sentences stage ran. Build it only where a stage needs it:
    it costs about three times the segmentation."""
    text = document.text
    doc = to_spacy_doc(text, tokenize(text, engine=engine))
    if document.sentences:
        starts = {s.start for s in document.sentences}
        for token in doc:
            token.is_sent_start = token.idx in starts or token.i == 0
    return doc
