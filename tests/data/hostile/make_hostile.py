"""Write the corpus of hostile and broken inputs (deterministic; nothing is downloaded).

    python tests/data/hostile/make_hostile.py OUT_DIR [--canary PATH]

Every file is built here from scratch: bombs are crafted at the byte level (a deflate stream
made of one full-flushed block repeated, so a file of a few MB inflates to gigabytes without
ever holding the gigabytes in memory), the rest are small valid files of each format broken
on purpose. `--canary` names a local file that the external-entity (XXE) inputs point at; a
test writes a secret into it and checks that the secret never reaches any output.

`HOSTILE` lists every file with what jixiao must do with it: `"error"` (refused with an error
naming the file, the stage and the reason, whose text must contain the given words) or
`"any"` (broken but readable: a record or an error are both fine, a crash or a hang are not).
"""

from __future__ import annotations

import argparse
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20
SEED = 9
GOOD_SENTENCE = "示例县示例局2025年度项目支出绩效自评表：年初预算86.40万元，实际支出88.73万元。"


@dataclass(frozen=True)
class Hostile:
    name: str
    expect: str  # "error" or "any"
    words: tuple[str, ...]  # the error reason contains one of these (lowercase)
    what: str
    build: Callable[[Path], bytes]


# --- deflate and zip at the byte level ----------------------------------------------------------


def _bomb_stream(total: int, *, fill: bytes = b" ", chunk: int = MIB) -> tuple[bytes, int]:
    """A raw deflate stream inflating to `total` bytes of `fill`, and the CRC-32 of what it inflates to.

    One `chunk` of fill is compressed and full-flushed (byte-aligned, no back references), and
    that block is repeated; an empty final block ends the stream.
    """
    assert total % chunk == 0
    piece = (fill * (chunk // len(fill) + 1))[:chunk]
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(piece) + comp.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
    crc = 0
    for _ in range(total // chunk):
        crc = zlib.crc32(piece, crc)
    return block * (total // chunk) + end, crc


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate data, crc, declared size) members (zip64 when a size needs it)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        offset = out.tell()
        fname = name.encode()
        big = size >= 0xFFFFFFFF or len(data) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if big else b""
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                45 if big else 20,
                0,
                8,
                0,
                0x21,
                crc,
                0xFFFFFFFF if big else len(data),
                0xFFFFFFFF if big else size,
                len(fname),
                len(extra),
            )
            + fname
            + extra
            + data
        )
        central.append((fname, crc, len(data), size, offset, big))
    start = out.tell()
    for fname, crc, csize, size, offset, big in central:
        extra = struct.pack("<HHQQQ", 1, 24, size, csize, offset) if big else b""
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                45 if big else 20,
                45 if big else 20,
                0,
                8,
                0,
                0x21,
                crc,
                0xFFFFFFFF if big else csize,
                0xFFFFFFFF if big else size,
                len(fname),
                len(extra),
                0,
                0,
                0,
                0,
                0xFFFFFFFF if big else offset,
            )
            + fname
            + extra
        )
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


def _deflated(blob: bytes) -> tuple[bytes, int, int]:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    return comp.compress(blob) + comp.flush(), zlib.crc32(blob), len(blob)


def _office(members: dict[str, bytes], replace: dict[str, tuple[bytes, int, int]] | None = None) -> bytes:
    """Re-zip an Office file's members, some replaced by prepared (deflate data, crc, size)."""
    replace = replace or {}
    out = []
    for name, blob in members.items():
        data, crc, size = replace[name] if name in replace else _deflated(blob)
        out.append((name, data, crc, size))
    return _zip(out)


# --- small valid files of each format (also the seeds of the fuzzers) --------------------------

DOCX_MEMBERS = {
    "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>',
}
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _document_xml(body: str, *, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
        f"<w:document {W_NS}><w:body>{body}</w:body></w:document>"
    ).encode()


def _para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _table(rows: list[list[str]]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc>{_para(c)}</w:tc>" for c in row) + "</w:tr>" for row in rows)
    return f"<w:tbl>{cells}</w:tbl>"


def good_docx(body: str | None = None, *, doctype: str = "") -> bytes:
    if body is None:
        body = _para(GOOD_SENTENCE) + _table([["项目", "金额（万元）"], ["基本支出", "178.66"]])
    return _office({**DOCX_MEMBERS, "word/document.xml": _document_xml(body, doctype=doctype)})


def _xlsx_members(sheet_xml: bytes) -> dict[str, bytes]:
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rels_ns = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    office = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    decl = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": decl + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": decl
        + b"<Relationships "
        + rels_ns
        + b'><Relationship Id="rId1" Type="'
        + office
        + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": decl
        + b"<workbook "
        + main
        + b" "
        + rel
        + b'><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": decl
        + b"<Relationships "
        + rels_ns
        + b'><Relationship Id="rId1" Type="'
        + office
        + b'/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


def _sheet_xml(rows: str, *, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def _row(n: int, *cells: str) -> str:
    cols = "ABCDEFGH"
    inner = "".join(f'<c r="{cols[i]}{n}" t="inlineStr"><is><t>{c}</t></is></c>' for i, c in enumerate(cells))
    return f'<row r="{n}">{inner}</row>'


def good_xlsx(rows: str | None = None, *, doctype: str = "") -> bytes:
    if rows is None:
        rows = _row(1, "项目", "金额（万元）") + _row(2, "基本支出", "178.66") + _row(3, "项目支出", "86.40")
    return _office(_xlsx_members(_sheet_xml(rows, doctype=doctype)))


def _pdf(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF of numbered objects (1-based) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def good_pdf(
    content: bytes = b"BT /F1 12 Tf 72 720 Td (Budget 86.40, spent 88.73) Tj ET", *, filtered: bool = False
) -> bytes:
    data = zlib.compress(content) if filtered else content
    stream = _stream(b"/Filter /FlateDecode" if filtered else b"", data)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            stream,
            _FONT,
        ]
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A grayscale PNG; without `idat`, a white image of the given size (small sizes only)."""
    if idat is None:
        idat = zlib.compress(b"".join(b"\0" + b"\xff" * width for _ in range(height)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def good_html() -> bytes:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>示例</title></head><body>'
        f"<h1>示例县示例局2025年度项目支出绩效自评</h1><p>{GOOD_SENTENCE}</p>"
        "<table><tr><td>项目</td><td>金额（万元）</td></tr><tr><td>基本支出</td><td>178.66</td></tr></table>"
        "</body></html>"
    ).encode()


def good_txt() -> bytes:
    return (GOOD_SENTENCE + "\n一、基本情况\n本年收入合计298.75万元，本年支出合计291.02万元。\n").encode("utf-8")


SEEDS: dict[str, Callable[[], bytes]] = {
    "txt": good_txt,
    "html": good_html,
    "docx": good_docx,
    "xlsx": good_xlsx,
    "pdf": good_pdf,
    "png": lambda: png(24, 16),
}


# --- the hostile inputs -------------------------------------------------------------------------


def _laughs(levels: int = 10) -> tuple[str, str]:
    """A billion-laughs DOCTYPE (10 levels of ten: 10^10 copies) and the entity that expands it."""
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return f"<!DOCTYPE lolz [{''.join(ents)}]>", f"&lol{levels - 1};"


def _xxe(canary: Path) -> tuple[str, str]:
    return f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{canary.resolve().as_uri()}">]>', "&xxe;"


def docx_zip_bomb(_: Path) -> bytes:
    data, crc = _bomb_stream(4 * GIB)
    return _office({**DOCX_MEMBERS, "word/document.xml": b""}, {"word/document.xml": (data, crc, 4 * GIB)})


def docx_zip_bomb_lying(_: Path) -> bytes:
    """The member inflates to 1 GiB but its zip entry claims 600 bytes."""
    data, crc = _bomb_stream(GIB)
    return _office({**DOCX_MEMBERS, "word/document.xml": b""}, {"word/document.xml": (data, crc, 600)})


def docx_zip_bomb_small(_: Path) -> bytes:
    """400 MiB of XML whitespace after a real paragraph: under the unpacked-size limit, ratio ~1000."""
    head = _document_xml(_para(GOOD_SENTENCE))[: -len("</w:body></w:document>")]
    fill, _ = _bomb_stream(400 * MIB)
    tail = b"</w:body></w:document>"
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    pre = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    comp2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    post = comp2.compress(tail) + comp2.flush()
    body = fill[: -len(zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))]  # drop the final block
    crc = zlib.crc32(head)
    piece = b" " * MIB
    for _ in range(400):
        crc = zlib.crc32(piece, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + 400 * MIB + len(tail)
    return _office({**DOCX_MEMBERS, "word/document.xml": b""}, {"word/document.xml": (pre + body + post, crc, size)})


def xlsx_zip_bomb(_: Path) -> bytes:
    data, crc = _bomb_stream(4 * GIB)
    members = _xlsx_members(b"")
    return _office(members, {"xl/worksheets/sheet1.xml": (data, crc, 4 * GIB)})


def docx_billion_laughs(_: Path) -> bytes:
    doctype, ref = _laughs()
    return good_docx(_para(ref) + _para(GOOD_SENTENCE), doctype=doctype)


def xlsx_billion_laughs(_: Path) -> bytes:
    doctype, ref = _laughs()
    return good_xlsx(_row(1, ref, "1"), doctype=doctype)


def docx_xxe(canary: Path) -> bytes:
    doctype, ref = _xxe(canary)
    return good_docx(_para("年初预算" + ref) + _para(GOOD_SENTENCE), doctype=doctype)


def xlsx_xxe(canary: Path) -> bytes:
    doctype, ref = _xxe(canary)
    return good_xlsx(_row(1, "年初预算" + ref, "86.40"), doctype=doctype)


def html_xxe(canary: Path) -> bytes:
    doctype, ref = _xxe(canary)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype.replace("DOCTYPE x", "DOCTYPE html")}'
        f"<html><body><p>年初预算{ref}万元</p><p>{GOOD_SENTENCE}</p>"
        f'<iframe src="{canary.resolve().as_uri()}"></iframe><img src="{canary.resolve().as_uri()}"/></body></html>'
    ).encode()


def docx_deep_xml(_: Path) -> bytes:
    depth = 100_000
    body = "<w:sdt><w:sdtContent>" * depth + _para(GOOD_SENTENCE) + "</w:sdtContent></w:sdt>" * depth
    return good_docx(body)


def html_deep(_: Path) -> bytes:
    depth = 100_000
    return (
        f"<!doctype html><html><body>{'<div>' * depth}<p>{GOOD_SENTENCE}</p>{'</div>' * depth}</body></html>"
    ).encode()


def html_deep_unclosed(_: Path) -> bytes:
    depth = 100_000
    return (f"<!doctype html><html><body>{'<span><b>' * depth}{GOOD_SENTENCE}</body></html>").encode()


def pdf_flate_bomb(_: Path) -> bytes:
    """A page whose content stream inflates to 2 GiB of spaces (a few MB on disk)."""
    data, _ = _bomb_stream(2 * GIB)
    zdata = b"\x78\xda" + data + b"\0\0\0\0"  # zlib wrapper; the Adler-32 is wrong, as a bomb's may be
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"/Filter /FlateDecode", zdata),
            _FONT,
        ]
    )


def pdf_bad_checksum(_: Path) -> bytes:
    """A content stream of 16 MiB of spaces whose Adler-32 is wrong (17 KB on disk): pdfminer's
    fallback inflater for damaged streams is quadratic (10 s here; minutes at 64 MiB)."""
    data, _ = _bomb_stream(16 * MIB)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"/Filter /FlateDecode", b"\x78\xda" + data + b"\0\0\0\0"),
            _FONT,
        ]
    )


def pdf_pages_cycle(_: Path) -> bytes:
    """The page tree contains itself: Pages → Kids [Pages, Page]."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"", b"BT /F1 12 Tf 72 720 Td (Budget 86.40) Tj ET"),
            _FONT,
        ]
    )


def pdf_reference_loop(_: Path) -> bytes:
    """Objects that point at each other: a /Length 6 0 R where 6 is 7 0 R and 7 is 6 0 R."""
    content = b"BT /F1 12 Tf 72 720 Td (Budget 86.40) Tj ET"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources 8 0 R >>",
            b"<< /Length 6 0 R >>\nstream\n" + content + b"\nendstream",
            _FONT,
            b"7 0 R",
            b"6 0 R",
            b"9 0 R",
            b"8 0 R",
        ]
    )


def pdf_xobject_loop(_: Path) -> bytes:
    """A form XObject that draws itself (endless recursion for a naive interpreter)."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >> >>"
            ),
            _stream(b"", b"BT /F1 12 Tf 72 720 Td (Budget 86.40) Tj ET /X1 Do"),
            _FONT,
            _stream(
                b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X1 6 0 R >> >>",
                b"/X1 Do",
            ),
        ]
    )


def pdf_encrypted(_: Path, *, user_password: str = "s3cret") -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, invariant=1, encrypt=StandardEncryption(user_password, ownerPassword="owner-s3cret"))
    canvas.drawString(72, 720, "Budget 86.40")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def png_bomb(_: Path) -> bytes:
    """50,000 × 50,000 pixels in the header, a few hundred bytes on disk."""
    return png(50_000, 50_000, idat=zlib.compress(b"\0" * 50_001 * 4))


def png_large_under_pillow(_: Path) -> bytes:
    """12,000 × 12,000 (144 Mpx): over our limit, under twice Pillow's (Pillow only warns)."""
    return png(12_000, 12_000, idat=zlib.compress(b"\0" * 12_001 * 4))


def _truncated(make: Callable[[], bytes]) -> Callable[[Path], bytes]:
    return lambda _: (blob := make())[: len(blob) // 2]


def _corrupt(make: Callable[[], bytes]) -> Callable[[Path], bytes]:
    def build(_: Path) -> bytes:
        blob = bytearray(make())
        rng = random.Random(SEED)
        for _ in range(max(8, len(blob) // 50)):
            i = rng.randrange(16, len(blob))  # keep the magic so the sniffer sends it to the reader
            blob[i] = rng.randrange(256)
        return bytes(blob)

    return build


def junk_txt(_: Path) -> bytes:
    rng = random.Random(SEED)
    return bytes(rng.randrange(256) for _ in range(4096))


E_CORRUPT = ("damaged", "truncated", "unsupported format")
E_ZIP = ("would unpack to", "zip bomb", "damaged or truncated")
E_XML = ("damaged or truncated", "entit", "depth", "nest")
E_LIMIT = ("longer than the limit", "memory", "damaged or truncated", "stream")
E_IMAGE = ("pixels", "decompression bomb")
E_DEEP = ("deeper", "depth")

HOSTILE: list[Hostile] = [
    Hostile(
        "zip_bomb.docx", "error", E_ZIP, "DOCX whose document.xml inflates to 4 GiB (3.4 MB on disk)", docx_zip_bomb
    ),
    Hostile(
        "zip_bomb_lying.docx",
        "error",
        E_ZIP,
        "DOCX member inflating to 1 GiB, its zip entry claiming 600 bytes",
        docx_zip_bomb_lying,
    ),
    Hostile(
        "zip_bomb_400m.docx",
        "error",
        E_ZIP,
        "DOCX: one paragraph then 400 MiB of whitespace (under the size limit, ratio ~1000)",
        docx_zip_bomb_small,
    ),
    Hostile("zip_bomb.xlsx", "error", E_ZIP, "XLSX whose sheet1.xml inflates to 4 GiB", xlsx_zip_bomb),
    Hostile(
        "billion_laughs.docx", "any", E_XML, "DOCX with a 10^10 entity expansion (billion laughs)", docx_billion_laughs
    ),
    Hostile(
        "billion_laughs.xlsx", "any", E_XML, "XLSX with a 10^10 entity expansion (billion laughs)", xlsx_billion_laughs
    ),
    Hostile("xxe.docx", "any", E_XML, "DOCX with an external entity naming a local file", docx_xxe),
    Hostile("xxe.xlsx", "any", E_XML, "XLSX with an external entity naming a local file", xlsx_xxe),
    Hostile("xxe.html", "any", E_XML, "XHTML with an external entity, iframe and img naming a local file", html_xxe),
    Hostile("deep_xml.docx", "error", E_DEEP, "DOCX with content controls nested 100,000 deep", docx_deep_xml),
    Hostile("deep.html", "error", E_DEEP, "HTML with <div> nested 100,000 deep", html_deep),
    Hostile("deep_unclosed.html", "error", E_DEEP, "HTML with 200,000 unclosed inline tags", html_deep_unclosed),
    Hostile("flate_bomb.pdf", "error", E_LIMIT, "PDF content stream inflating to 2 GiB (2 MB on disk)", pdf_flate_bomb),
    Hostile(
        "bad_checksum.pdf",
        "any",
        E_CORRUPT,
        "PDF stream of 16 MiB with a wrong Adler-32 (17 KB on disk)",
        pdf_bad_checksum,
    ),
    Hostile("pages_cycle.pdf", "any", E_CORRUPT, "PDF page tree that contains itself", pdf_pages_cycle),
    Hostile(
        "reference_loop.pdf", "any", E_CORRUPT, "PDF objects referring to each other in a loop", pdf_reference_loop
    ),
    Hostile("xobject_loop.pdf", "any", E_CORRUPT, "PDF form XObject that draws itself", pdf_xobject_loop),
    Hostile("encrypted.pdf", "error", ("password-protected",), "PDF with a user password", pdf_encrypted),
    Hostile(
        "encrypted_owner_only.pdf",
        "any",
        E_CORRUPT,
        "PDF encrypted with an owner password only (opens without one)",
        lambda c: pdf_encrypted(c, user_password=""),
    ),
    Hostile("bomb_50000x50000.png", "error", E_IMAGE, "PNG header of 50,000 × 50,000 pixels", png_bomb),
    Hostile("large_12000x12000.png", "error", E_IMAGE, "PNG of 144 Mpx (Pillow only warns)", png_large_under_pillow),
    Hostile("truncated.docx", "error", E_CORRUPT, "first half of a DOCX", _truncated(good_docx)),
    Hostile("truncated.xlsx", "error", E_CORRUPT, "first half of an XLSX", _truncated(good_xlsx)),
    Hostile("truncated.pdf", "any", E_CORRUPT, "first half of a PDF", _truncated(lambda: good_pdf(filtered=True))),
    Hostile("truncated.png", "error", E_CORRUPT, "first half of a PNG", _truncated(lambda: png(300, 200))),
    Hostile("truncated.html", "any", E_CORRUPT, "first half of an HTML page", _truncated(good_html)),
    Hostile("corrupt.docx", "error", E_CORRUPT, "DOCX with bytes overwritten", _corrupt(good_docx)),
    Hostile("corrupt.xlsx", "error", E_CORRUPT, "XLSX with bytes overwritten", _corrupt(good_xlsx)),
    Hostile("corrupt.pdf", "any", E_CORRUPT, "PDF with bytes overwritten", _corrupt(lambda: good_pdf(filtered=True))),
    Hostile("corrupt.png", "error", E_CORRUPT, "PNG with bytes overwritten", _corrupt(lambda: png(300, 200))),
    Hostile("junk.txt", "error", ("not text",), "4 KB of random bytes named .txt", junk_txt),
    Hostile("empty.txt", "error", ("empty",), "an empty file", lambda _: b""),
]


def build(out_dir: Path, *, canary: Path | None = None, names: set[str] | None = None) -> dict[str, Path]:
    """Write the hostile corpus into `out_dir`; returns name → path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    canary = canary or out_dir.parent / "canary.txt"
    written = {}
    for item in HOSTILE:
        if names is not None and item.name not in names:
            continue
        path = out_dir / item.name
        path.write_bytes(item.build(canary))
        written[item.name] = path
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--canary", type=Path, default=None, help="local file the XXE inputs point at")
    args = parser.parse_args()
    for name, path in build(args.out_dir, canary=args.canary).items():
        print(f"{path.stat().st_size:>10,}  {name}")


if __name__ == "__main__":
    main()
