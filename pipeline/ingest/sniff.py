"""Tell a file's format from its bytes, never from its name."""

from __future__ import annotations

import zipfile
import zlib
from io import BytesIO

from pipeline.errors import IngestError, Messages
from pipeline.schema import SourceFormat

# the most an Office file (docx, xlsx) may unpack to, by the sizes its zip directory declares
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# an XML member this large that unpacks to more than MAX_RATIO times its packed size is a zip bomb
# (XML packs 5-30×; a run of one repeated byte ~1000×)
RATIO_CHECKED_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200
_CHUNK = 1 << 20
# what zipfile raises on a damaged archive
_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError)

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"),
)


_OTHER_MAGIC = (
    (b"GIF8", "image type not supported (gif); convert it to png"),
    (b"{\\rtf", "RTF document; save it as .docx"),
    (b"\x1f\x8b", "gzip archive; unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive; unpack it first"),
    (b"Rar!", "rar archive; unpack it first"),
    (b"\x7fELF", "executable program"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div", b"<table", b"<!--", b"<title")


def sniff(data: bytes) -> tuple[SourceFormat | None, str]:
    """(format, detail): the format jixiao would read the bytes as, or None and what they look like."""
    head = data[:2048]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf", "pdf"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return "image", kind
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return None, "legacy Office file (.doc/.xls); save it as .docx/.xlsx"
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return None, what
    if head.startswith(b"BM") and head[6:10] == b"\0\0\0\0":
        return None, "image type not supported (bmp); convert it to png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return None, "image type not supported (webp); convert it to png"
    if _looks_like_html(head):
        return "html", "html"
    return "txt", "text"


def _looks_like_html(head: bytes) -> bool:
    """Markup at the start (after a BOM, an XML declaration or comments), in any common encoding."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(_HTML_STARTS):
        return True
    # XHTML: <?xml …?> then a doctype or <html> near the top
    return lowered.startswith(b"<?xml") and (b"<!doctype html" in lowered or b"<html" in lowered)


def _sniff_zip(data: bytes) -> tuple[SourceFormat | None, str]:
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except _ZIP_ERRORS:  # NotImplementedError: a damaged "zip version" field (found by fuzzing)
        # a truncated Office file still starts like a zip: say which one it was meant to be
        if b"word/" in data[:4096]:
            return "docx", "docx"
        if b"xl/" in data[:4096]:
            return "xlsx", "xlsx"
        return None, "damaged zip archive"
    if "word/document.xml" in names:
        return "docx", "docx"
    if "xl/workbook.xml" in names:
        return "xlsx", "xlsx"
    if "mimetype" in names and any(n == "content.xml" for n in names):
        return None, "OpenDocument file (.odt/.ods); save it as .docx/.xlsx"
    return None, "zip archive that is neither .docx nor .xlsx"


def check_unpacked_size(data: bytes, *, fmt: str, limit: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip-based file whose members declare more than `limit` bytes unpacked.

    Also refuses a large member packed more than MAX_RATIO times, and one that does not unpack
    to its declared size: `ZipFile.read` inflates a member whole before it cuts it to the
    declared size, so a member claiming 600 bytes could still take gigabytes of memory.
    """
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()
    except _ZIP_ERRORS as e:
        raise IngestError(Messages.CORRUPT.format(fmt=fmt, detail=f"not a readable zip archive ({e})")) from e
    size = sum(info.file_size for info in infos)
    if size > limit:
        raise IngestError(Messages.UNPACKS_TOO_LARGE.format(fmt=fmt, size=size, limit=limit))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        parsed = info.filename.lower().endswith((".xml", ".rels"))  # media are bounded by `limit` only
        if parsed and info.file_size > RATIO_CHECKED_BYTES and ratio > MAX_RATIO:
            raise IngestError(
                Messages.ZIP_RATIO.format(fmt=fmt, member=info.filename, size=info.file_size, ratio=ratio, limit=MAX_RATIO)
            )
    _check_members_unpack(data, infos, fmt=fmt)


def _check_members_unpack(data: bytes, infos: list[zipfile.ZipInfo], *, fmt: str) -> None:
    """Unpack every member in bounded chunks, so that one that lies about its size (a zip bomb
    declaring a few bytes) fails here on its CRC, before a parser reads it whole into memory."""
    archive = zipfile.ZipFile(BytesIO(data))
    for info in infos:
        try:
            with archive.open(info) as member:
                while member.read(_CHUNK):
                    pass
        except (*_ZIP_ERRORS, zlib.error, RuntimeError) as e:
            raise IngestError(Messages.ZIP_MEMBER_LIES.format(fmt=fmt, member=info.filename, detail=e)) from e
