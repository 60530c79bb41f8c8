"""Web pages as government portals publish them: the article, without the portal around it.

Decoding follows a byte-order mark, else the page's own `<meta charset>` (GB2312 and GBK
are read as their superset GB18030), else `decode_text`. The page is parsed with lxml's
HTML parser (no network, no DTDs, no entity expansion). Scripts, styles, forms, `nav`,
`header`, `footer`, `aside` and small blocks marked as menus, breadcrumbs or footers by
their id or class go first. The content node is then a 正文 container (TRS_Editor, zoom,
article, content …) holding a fair share of the text, else the node reached by descending
from `<body>` while one child holds most of the text that is not link text. Headings h1–h6
become heading blocks, `<li>` list items, tables (colspan and rowspan expanded, copies
marked merged) table blocks, everything else paragraphs split at block elements and
`<br>`. Short leftover lines of portal boilerplate (当前位置, 版权所有, ICP备, 打印本页 …)
are dropped.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from pipeline.errors import IngestError, Messages
from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.tidy import clean_piece, compact
from pipeline.ingest.decode import decode_text
from pipeline.schema import Document

log = logging.getLogger(__name__)

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CHINESE_CHARSETS = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "form", "select", "button", "input", "textarea",
    "nav", "header", "footer", "aside", "object", "embed", "svg", "canvas", "template", "map",
)  # fmt: skip
_BOILERPLATE_ATTR = re.compile(
    r"nav|menu|breadcrumb|crumb|footer|foot|header|head_|copyright|sidebar|banner|topbar|share|position|location"
    r"|dqwz|daohang|bottom|login|search|friendlink|links?$",
    re.IGNORECASE,
)
_CONTENT_ATTR = re.compile(
    r"TRS_Editor|TRS_UEDITOR|^zoom$|article|content|正文|^zw|news_?text|detail|^con$|main_?text|ucapcontent|view",
    re.IGNORECASE,
)
_BOILERPLATE_LINE = re.compile(
    r"当前位置|当前页面|您的位置|您现在的位置|所在位置|版权所有|主办单位|承办单位|主办：|承办：|ICP备|网站标识码|公网安备|京公网"
    r"|网站地图|联系我们|技术支持|打印本页|关闭窗口|【?字体：|字号：|分享到|扫一扫|浏览次数|访问量|收藏本页|设为首页"
    r"|加入收藏|上一篇|下一篇|返回顶部",
)
# a boilerplate line longer than this is kept (it is probably content that quotes such words)
_BOILERPLATE_MAX = 80
# a block marked as navigation by its attributes is dropped when it holds less than this share of the text
_BOILERPLATE_SHARE = 0.3
# descend into a child that holds at least this share of its parent's non-link text
_DESCEND_SHARE = 0.7
# a 正文 container must hold at least this share of the page's non-link text
_CONTENT_SHARE = 0.3
# a nested 正文 container holding this share of the outer one's text is preferred to it
_TIGHTER_SHARE = 0.8
_TITLE_ATTR = re.compile(r"title|biaoti|标题", re.IGNORECASE)
_MAX_SPAN = 200
# columns kept of one table: hostile pages cannot make a table of millions of cells
_MAX_COLUMNS = 256
# a cell holding more text than this is a page region, not a data cell
_MAX_CELL_CHARS = 600
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|—|-\s)\s*")
_BLOCK_TAGS = {
    "address", "article", "blockquote", "body", "center", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption", "html",
}  # fmt: skip
_SPACE = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b]+")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef])")


def read(path: Path, data: bytes) -> Document:
    from lxml import html as lxml_html

    text = decode_html(data)
    parser = lxml_html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False
    )
    root = lxml_html.document_fromstring(_strip_xml_declaration(text), parser=parser)
    too_deep = [e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    if too_deep:  # recover=True would hand back the page cut at that depth, silently
        raise IngestError(Messages.HTML_TOO_DEEP.format(detail=too_deep[0].message))
    builder = DocumentBuilder()
    body = root.find("body") if root.find("body") is not None else root
    _drop_chrome(body)
    node = _content_node(body)
    blocks: list[tuple] = []
    if not any(el.tag in ("h1", "h2", "h3") for el in node.iter()):
        title = _title_before(body, node) or _page_title(root)
        if title:
            blocks.append(("heading", title, 1))
    _Walker(blocks).walk(node)
    for block in blocks:
        if block[0] == "table":
            grid, merged = compact([[clean_piece(c) for c in row] for row in block[1]], block[2])
            builder.add_table(grid, merged=merged)
        else:
            content = clean_piece(block[1])
            if _is_boilerplate(content):
                continue
            builder.add_text(block[0], content, level=block[2])
    return builder.build(path=path, data=data, fmt="html")


def decode_html(data: bytes) -> str:
    """The page's text: BOM, else its declared charset (GB* as GB18030), else `decode_text`."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        encoding = "gb18030" if name in _CHINESE_CHARSETS else name
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            log.debug("the page declares %s but is not valid in it; guessing", name)
    return decode_text(data, ext="html")


def _strip_xml_declaration(text: str) -> str:
    # lxml refuses str input that carries an encoding declaration
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)



def _text_len(el) -> tuple[int, int]:
    """(all text, link text) lengths of an element, whitespace ignored."""
    total = len(_SPACE.sub("", el.text_content()))
    links = sum(len(_SPACE.sub("", a.text_content())) for a in el.iter("a"))
    return total, links


def _attrs(el) -> list[str]:
    """The element's id and class names."""
    return f"{el.get('id', '')} {el.get('class', '')}".split()


def _marked(el, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(token) for token in _attrs(el))


def _drop_chrome(body) -> None:
    for el in list(body.iter(*_DROP_TAGS)):
        _remove(el)
    total, links = _text_len(body)
    budget = max(total - links, 1)
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _marked(el, _BOILERPLATE_ATTR) and not _marked(el, _CONTENT_ATTR):
            text, link = _text_len(el)
            if text - link < _BOILERPLATE_SHARE * budget:
                _remove(el)


def _remove(el) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _content_node(body):
    total, links = _text_len(body)
    budget = max(total - links, 1)
    best, best_text = None, 0
    for el in body.iter():
        if isinstance(el.tag, str) and _marked(el, _CONTENT_ATTR):
            text, link = _text_len(el)
            if text - link >= _CONTENT_SHARE * budget and text - link > best_text:
                best, best_text = el, text - link
    if best is not None:
        # a 正文 container inside it that holds nearly all of its text is the tighter choice
        for el in best.iter():
            if el is not best and isinstance(el.tag, str) and _marked(el, _CONTENT_ATTR):
                text, link = _text_len(el)
                if text - link >= _TIGHTER_SHARE * best_text:
                    best, best_text = el, text - link
        return best
    node = body
    while True:
        own, own_links = _text_len(node)
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            return node
        scored = [(t - l, c) for c in children for t, l in [_text_len(c)]]
        share, child = max(scored, key=lambda s: s[0])
        direct = len(_SPACE.sub("", (node.text or "") + "".join(c.tail or "" for c in children)))
        if direct > 0.3 * (own - own_links) or share < _DESCEND_SHARE * (own - own_links):
            return node
        node = child


def _title_before(body, node) -> str | None:
    """The article title standing before the content node (h1/h2 or an element classed title)."""
    for el in body.iter():
        if el is node:
            return None
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("h1", "h2") or _marked(el, _TITLE_ATTR):
            text = _collapse(el.text_content())
            if 4 <= len(text) <= 120 and not _is_boilerplate(text):
                return text
    return None


def _page_title(root) -> str | None:
    """The `<title>` without the site name after it (标题_某某县人民政府)."""
    title = root.find(".//title")
    if title is None:
        return None
    text = _collapse(title.text_content())
    first = _TITLE_SEPARATORS.split(text)[0].strip() if text else ""
    return first if 4 <= len(first) <= 120 else None


def _collapse(text: str) -> str:
    return _CJK_SPACE.sub("", _SPACE.sub(" ", text)).strip()


def _is_boilerplate(text: str) -> bool:
    return len(text) <= _BOILERPLATE_MAX and bool(_BOILERPLATE_LINE.search(text))


class _Walker:
    """Blocks of a content node in document order: (kind, text, level) or ("table", rows, merged)."""

    def __init__(self, blocks: list[tuple]) -> None:
        self.blocks = blocks
        self.buffer: list[str] = []

    def walk(self, el) -> None:
        if el.tag == "table" or el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            el.tail = None  # text after the content node is not content
            self._element(el)
        else:
            self._children(el)
        self._flush()

    def _flush(self, kind: str = "paragraph") -> None:
        text = _collapse("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.blocks.append((kind, text, None))

    def _element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "br":
            self._flush()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            text = _collapse(el.text_content())
            if text:
                self.blocks.append(("heading", text, int(tag[1])))
        elif tag == "table" and not _is_layout_table(el):
            self._flush()
            rows, merged = _table_grid(el)
            self.blocks.append(("table", rows, merged))
        elif tag == "li" and not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iter() if c is not el):
            self._flush()
            self.buffer.append(el.text_content())
            self._flush("list_item")
        elif tag in _BLOCK_TAGS:
            self._flush()
            self._children(el)
            self._flush()
        else:
            self._children(el)
        if el.tail:
            self.buffer.append(el.tail)

    def _children(self, el) -> None:
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self._element(child)


def _is_layout_table(table) -> bool:
    """A table used for page layout: it holds tables, headings or whole articles, or is one cell."""
    if table.xpath(".//table|.//h1|.//h2|.//h3|.//h4"):
        return True
    cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
    return len(cells) <= 1 or any(len(_SPACE.sub("", c.text_content())) > _MAX_CELL_CHARS for c in cells)


def _table_rows(table):
    return table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")


def _table_grid(table) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """Rows of cell texts, with colspan and rowspan repeated into the cells they cover."""
    grid: dict[tuple[int, int], str] = {}
    merged: set[tuple[int, int]] = set()
    width = 0
    rows = _table_rows(table)
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            if c >= _MAX_COLUMNS:
                break
            text = _cell_text(cell)
            colspan = min(_span(cell.get("colspan")), _MAX_COLUMNS - c)
            rowspan = min(_span(cell.get("rowspan")), len(rows) - r)
            for i in range(r, r + rowspan):
                for j in range(c, c + colspan):
                    grid[(i, j)] = text
                    if (i, j) != (r, c):
                        merged.add((i, j))
            c += colspan
            width = max(width, c)
    out = [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]
    return out, merged


def _cell_text(cell) -> str:
    for br in cell.iter("br"):
        br.tail = " " + (br.tail or "")
    return _collapse(cell.text_content())


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), _MAX_SPAN))
    except ValueError:
        return 1
