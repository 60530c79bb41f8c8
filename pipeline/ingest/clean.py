"""Inline cleaning that keeps every kept character's raw offset.

Documents converted from Word, PDF or web pages carry debris: `[bookmark: _Toc123]` markers,
Word field codes (`PAGEREF _Toc123 \\h`, `TOC \\o "1-3" \\h \\z \\u`, `HYPERLINK \\l "…"`),
zero-width and control characters, odd spaces, LaTeX math from formula converters
(`$\\geq 90\\%$`) and full-width ASCII (`９０％`). `clean_inline` removes or rewrites them on a
`MappedText`, so every surviving character still knows its raw offset; `clean_str` does the
same on a plain string for readers that keep no offsets of their own.

Chinese punctuation (，。；：“”（）) is kept as written: only full-width letters, digits,
％ and ＋－＜＞＝ become ASCII, and ． only between digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.ingest.offsets import MappedText

Repl = str | Callable[[re.Match[str]], str]

# --- debris removed outright -------------------------------------------------------------
BOOKMARK = r"\[bookmark:[^\]\n]{0,200}\]"
_SWITCH = r'(?:[ \t]+(?:\\[a-zA-Z*]+|"[^"\n]{0,200}"|MERGEFORMAT|Arabic|CHARFORMAT))'
FIELD_CODE = (
    r"(?:\{[ \t]*)?"
    r"(?:PAGEREF[ \t]+_?\w+|HYPERLINK(?=[ \t]+[\\\"])|TOC(?=[ \t]+\\)|REF[ \t]+_\w+(?=[ \t]+\\)"
    r"|SEQ[ \t]+\w+(?=[ \t]+\\)|STYLEREF[ \t]+\S+(?=[ \t]+\\)|(?:NUM)?PAGES?(?=[ \t]+\\\*))"
    rf"{_SWITCH}*(?:[ \t]*\}})?"
)
INVISIBLE = r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
BOOKMARKS = re.compile(BOOKMARK)
FIELD_CODES = re.compile(FIELD_CODE)
FIELD_WORDS = ("PAGE", "HYPERLINK", "TOC", "REF", "SEQ")
LINE_ENDS = re.compile(r"\r\n?")

# --- LaTeX -----------------------------------------------------------------------------
LATEX_COMMANDS = {
    "geqslant": "≥",
    "geq": "≥",
    "ge": "≥",
    "leqslant": "≤",
    "leq": "≤",
    "le": "≤",
    "neq": "≠",
    "ne": "≠",
    "gt": ">",
    "lt": "<",
    "times": "×",
    "div": "÷",
    "cdot": "·",
    "pm": "±",
    "mp": "∓",
    "sim": "~",
    "approx": "≈",
    "circ": "°",
    "degree": "°",
    "infty": "∞",
    "%": "%",
    "$": "$",
    "{": "",
    "}": "",
    ",": "",
    ";": "",
    "!": "",
    ":": "",
    " ": "",
    "quad": "",
    "qquad": "",
    "left": "",
    "right": "",
    "mathrm": "",
    "text": "",
    "textrm": "",
    "mathbf": "",
    "rm": "",
}
_COMMAND_NAMES = "|".join(sorted((re.escape(k) for k in LATEX_COMMANDS if k.isalpha()), key=len, reverse=True))
# a command name stops at a non-letter: \leq90 is \leq then 90, \lex is not \le
LATEX_COMMAND = re.compile(rf"\\(?:({_COMMAND_NAMES})(?![a-zA-Z])|([%${{}},;!: ]))")
# math between dollars, at most one line break inside (formula converters wrap long lines)
LATEX_MATH = re.compile(r"\$(?=[^$\n]{0,80}(?:\n[^$\n]{0,80})?\$)((?:[^$\n]|\n(?![ \t]*\n)){1,160}?)\$")
_SUPERSCRIPTS = {"2": "²", "3": "³"}
_SCRIPT = re.compile(r"([\^_])\{([^{}]*)\}|([\^_])(\w)")
_BRACES = re.compile(r"[{}]")
_MATH_SPACE = re.compile(r"\s+")
_MATH_WRAP = re.compile(r"[ \t]*\n[ \t]*")
# a backslash command or escaped symbol outside dollars (\% in running text)
STRAY_COMMAND = re.compile(rf"\\(?:(?:{_COMMAND_NAMES})(?![a-zA-Z])|[%$])")
# a dollar left alone next to math-like symbols (an unpaired delimiter), not a price ($100)
STRAY_DOLLAR = re.compile(r"\$(?:(?![0-9])|(?<=[≥≤×%±~≠≈°]\$))")


def _command(match: re.Match[str]) -> str:
    return LATEX_COMMANDS[match.group(1) or match.group(2)]


def _script(match: re.Match[str]) -> str:
    mark, body = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    if mark == "^" and body in _SUPERSCRIPTS:
        return _SUPERSCRIPTS[body]
    return body


def latex_to_text(math: str) -> str:
    """The plain text of a short LaTeX math fragment: `\\geq 90\\%` → `≥90%`."""
    body = _MATH_WRAP.sub("", math)  # rejoins a command split by a line wrap (\le⏎q)
    body = LATEX_COMMAND.sub(_command, body)
    body = _SCRIPT.sub(_script, _MATH_SPACE.sub("", body))
    return _BRACES.sub("", body)


def _math(match: re.Match[str]) -> str:
    return latex_to_text(match.group(1))


def _stray_command(match: re.Match[str]) -> str:
    return LATEX_COMMANDS[match.group(0)[1:]]


# --- one-for-one characters --------------------------------------------------------------
ONE_FOR_ONE: dict[int, str] = {
    0x00A0: " ",  # no-break space
    0x3000: " ",  # ideographic space
    0x2002: " ",
    0x2003: " ",
    0x2004: " ",
    0x2005: " ",
    0x2006: " ",
    0x2007: " ",
    0x2008: " ",
    0x2009: " ",
    0x200A: " ",
    0x202F: " ",
    0x205F: " ",
    0x2028: "\n",  # line separator
    0x2029: "\n",  # paragraph separator
    0xFF05: "%",
    0xFF0B: "+",
    0xFF0D: "-",
    0xFF1C: "<",
    0xFF1D: "=",
    0xFF1E: ">",
}
ONE_FOR_ONE.update({c: chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)})  # ０-９
ONE_FOR_ONE.update({c: chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
ONE_FOR_ONE.update({c: chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
ONE_FOR_ONE_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in ONE_FOR_ONE) + "]")
FULLWIDTH_POINT = re.compile(r"(?<=[0-9０-９])．(?=[0-9０-９])")

INVISIBLE_RE = re.compile(INVISIBLE)
# the steps in order, each (pattern, replacement, a cheap test that it can apply)
STEPS: list[tuple[re.Pattern[str], Repl, Callable[[str], bool]]] = [
    (LINE_ENDS, "\n", lambda s: "\r" in s),
    # manual line breaks and page breaks become line breaks before the control characters are removed
    (re.compile("[\u000b\u000c]"), "\n", lambda s: "\u000b" in s or "\u000c" in s),
    (INVISIBLE_RE, "", lambda s: True),
    (BOOKMARKS, "", lambda s: "[bookmark:" in s),
    (FIELD_CODES, "", lambda s: any(w in s for w in FIELD_WORDS)),
    (LATEX_MATH, _math, lambda s: "$" in s),
    (STRAY_COMMAND, _stray_command, lambda s: "\\" in s),
    (STRAY_DOLLAR, "", lambda s: "$" in s),
    (FULLWIDTH_POINT, ".", lambda s: "．" in s),
]


def clean_inline(text: MappedText) -> MappedText:
    """Remove markers, field codes and invisibles; rewrite LaTeX and full-width ASCII.

    Line breaks are kept (and `\\r\\n` / `\\r` become `\\n`) except inside a LaTeX formula
    that a converter wrapped; every kept character keeps its raw offset.
    """
    for pattern, repl, applies in STEPS:
        if applies(text.text):
            text = text.sub(pattern, repl)
    if ONE_FOR_ONE_CHARS.search(text.text):
        text = MappedText(ONE_FOR_ONE_CHARS.sub(_one_for_one, text.text), text.origin)
    return text


def clean_str(text: str) -> str:
    """`clean_inline` for a plain string (cells and paragraphs of readers without offsets)."""
    for pattern, repl, applies in STEPS:
        if applies(text):
            text = pattern.sub(repl, text)
    return ONE_FOR_ONE_CHARS.sub(_one_for_one, text)


def _one_for_one(match: re.Match[str]) -> str:
    return ONE_FOR_ONE[ord(match.group())]
