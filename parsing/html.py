"""HTML pages to text lines, the way a browser lays them out: a block element or ``<br>`` starts a new
line, table cells of one row are separated by a tab (so a ``Label | text`` row reads ``Label<TAB>text``).
Parsers then work on lines of rendered text, which survives a site's change of markup far better than
CSS selectors do."""

from __future__ import annotations

import codecs
import re

from selectolax.lexbor import LexborHTMLParser

HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.I)

BLOCK_TAGS = frozenset(
    (
        "address article aside blockquote body caption center dd div dl dt fieldset figcaption figure footer "
        "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul html"
    ).split()
)
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15"})
UTF8_LETTER = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


class DeclaredCharsetError(UnicodeError):
    """A page whose bytes contradict its declared charset: UTF-8 text declared as a single-byte one,
    which would decode into mojibake ("PÃ¤ijÃ¤t") without any error."""


def _is_utf8_text(body: bytes) -> bool:
    if not UTF8_LETTER.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_page(body: bytes, content_type: str | None) -> str:
    """The page's text, decoded as the response says (its Content-Type charset, else the page's own
    ``<meta charset>``, else UTF-8), never by guessing. Bytes that do not decode raise
    UnicodeDecodeError, and UTF-8 bytes declared as windows-1252 or ISO-8859-1 (which decode without an
    error, into mojibake) raise DeclaredCharsetError; the caller records either as a parse error with
    the document's URL."""
    declared = HEADER_CHARSET.search(content_type or "")
    meta = META_CHARSET.search(body[:4096])
    for candidate in (declared and declared[1], meta and meta[1].decode("ascii", "ignore"), "utf-8"):
        if not candidate:
            continue
        try:
            encoding = codecs.lookup(candidate).name
        except LookupError:
            continue
        if encoding in SINGLE_BYTE and _is_utf8_text(body):
            raise DeclaredCharsetError(f"declared {candidate}, but the bytes are UTF-8")
        # Servers that say ISO-8859-1 mean windows-1252 (the WHATWG rule browsers follow).
        if encoding in ("latin-1", "iso8859-1"):
            encoding = "cp1252"
        return body.decode(encoding)
    return body.decode("utf-8")


def _nearest_block(node) -> int | None:
    parent = node.parent
    while parent is not None:
        if parent.tag in BLOCK_TAGS or parent.tag == "td" or parent.tag == "th":
            return parent.mem_id
        parent = parent.parent
    return None


def _skipped(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in SKIPPED_TAGS:
            return True
        parent = parent.parent
    return False


def html_lines(html: str) -> list[str]:
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return []
    lines: list[str] = [""]
    current_block: int | None = None
    for node in root.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            block = _nearest_block(node)
            if block != current_block and lines[-1] and not lines[-1].endswith("\t"):
                lines.append("")
            current_block = block
            if not _skipped(node):
                lines[-1] += node.text_content.replace("\n", " ")
        elif tag == "br":
            lines.append("")
        elif tag in ("td", "th"):
            if lines[-1].strip() and node.prev is not None:
                lines[-1] += "\t"
            current_block = node.mem_id
        elif tag in BLOCK_TAGS:
            if lines[-1]:
                lines.append("")
            current_block = node.mem_id
    return [line.rstrip() for line in lines]
