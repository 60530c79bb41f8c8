"""Bytes → text for plain-text inputs: UTF-8, UTF-16 and the Chinese national encodings.

The *raw text* of a text document is exactly the string `decode_text` returns: the bytes
decoded, a byte-order mark removed, and nothing else changed (line ends, spaces and
markers stay as they are). Stand-off annotations of text documents are anchored in this
string, so it must never change for the same bytes; cleaning happens later, on a
`MappedText` that remembers these raw offsets.

Order of attempts:
1. a byte-order mark (UTF-8, UTF-32, UTF-16) decides;
2. UTF-16 without a mark, told by its pattern of NUL bytes (ASCII digits, spaces and line
   ends of UTF-16 text have a NUL high byte);
3. strict UTF-8;
4. charset-normalizer's best guess, with any Chinese guess (gb2312, gbk, hz, big5 …) read
   as GB18030, the superset used by mainland documents, when the bytes are valid GB18030.
Bytes that are none of these, or that decode to control characters, are not text.
"""

from __future__ import annotations

import codecs
import logging

from pipeline.errors import IngestError, Messages

log = logging.getLogger(__name__)

# encodings charset-normalizer may report for Chinese text; read as gb18030 when valid
_CHINESE_GUESSES = {"gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp936", "cp950", "euc_tw"}
# control characters allowed in text: tab, line feed, vertical tab, form feed, carriage return
_ALLOWED_CONTROLS = {"\t", "\n", "\x0b", "\x0c", "\r", "\x1a"}
# the share of control characters above which decoded "text" is junk
_MAX_CONTROL_SHARE = 0.001
# the share of the UTF-16 code units of one parity that must be NUL to call the bytes UTF-16
_MIN_NUL_SHARE = 0.05
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes, *, ext: str = "txt") -> str:
    """Decode the bytes of a text file (byte-order mark removed, nothing else changed).

    Raises `IngestError(Messages.NOT_TEXT)` for bytes that are not text in any known
    encoding; `ext` names the file's extension in that message.
    """
    text, encoding = detect(data, ext=ext)
    log.debug("decoded %d bytes as %s", len(data), encoding)
    return text


def detect(data: bytes, *, ext: str = "txt") -> tuple[str, str]:
    """(text, encoding name) for the bytes of a text file; see `decode_text`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_strict(data[len(bom) :], encoding), encoding, ext=ext), encoding
    utf16 = _utf16_by_nuls(data)
    if utf16:
        text = _strict(data, utf16)
        if text is not None:
            return _checked(text, utf16, ext=ext), utf16
    if b"\x00" in data:
        raise IngestError(Messages.NOT_TEXT.format(ext=ext, detail="it contains NUL bytes"))
    text = _strict(data, "utf-8")
    if text is not None:
        return _checked(text, "utf-8", ext=ext), "utf-8"
    encoding = _guess(data)
    if encoding is None:
        raise IngestError(Messages.NOT_TEXT.format(ext=ext, detail="no encoding decodes it"))
    return _checked(_strict(data, encoding), encoding, ext=ext), encoding


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _checked(text: str | None, encoding: str, *, ext: str) -> str:
    if text is None:
        raise IngestError(Messages.NOT_TEXT.format(ext=ext, detail=f"invalid {encoding} despite its byte-order mark"))
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > max(1, len(text) * _MAX_CONTROL_SHARE):
        raise IngestError(
            Messages.NOT_TEXT.format(ext=ext, detail=f"{controls} control characters when read as {encoding}")
        )
    return text


def _utf16_by_nuls(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NULs sit (almost) at one byte parity only, else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    units = len(data) // 2
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    # the other parity may hold a few NULs: ideographs such as 一 (U+4E00) have a NUL low byte
    if odd >= units * _MIN_NUL_SHARE and even <= odd // 10:
        return "utf-16-le"
    if even >= units * _MIN_NUL_SHARE and odd <= even // 10:
        return "utf-16-be"
    return None


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    if _strict(data, "gb18030") is not None and _mostly_cjk(data.decode("gb18030")):
        return "gb18030"  # the common case for mainland files, and much faster than a full guess
    best = from_bytes(data).best()
    if best is None:
        return None
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in _CHINESE_GUESSES and _strict(data, "gb18030") is not None:
        return "gb18030"
    return best.encoding


def _mostly_cjk(text: str) -> bool:
    """Whether most non-ASCII characters are common CJK ideographs or CJK punctuation."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    cjk = sum(1 for ch in wide if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    return cjk >= 0.9 * len(wide)
