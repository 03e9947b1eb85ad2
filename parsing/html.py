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


XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding=["']([\w.:-]+)""", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15"})
UTF8_LETTER = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _is_utf8_text(body: bytes) -> bool:
    if not UTF8_LETTER.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # Servers that say ISO-8859-1 mean windows-1252 (the WHATWG rule browsers follow).
    return "cp1252" if name in ("latin-1", "iso8859-1") else name


def page_encoding(body: bytes, content_type: str | None) -> tuple[str, str]:
    """The encoding to read ``body`` with, and where it came from: ``bom``, ``header`` (the response's
    Content-Type), ``page`` (its ``<meta charset>`` or XML declaration) or ``bytes``.

    Live sites mislabel their pages (a windows-1252 page served as UTF-8, a UTF-8 feed declared
    ISO-8859-1), so a declaration is taken only if the bytes agree with it: they decode under it, and a
    single-byte declaration is not contradicted by bytes that are valid UTF-8 with non-ASCII letters in
    them (which a single-byte codec would turn into mojibake, "PÃ¤ijÃ¤t", without any error). Otherwise
    the next declaration is tried, then the bytes themselves: UTF-8 if they are valid UTF-8, else
    windows-1252, Finnish sites' other encoding."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return name, "bom"
    head = body[:4096]
    declared = HEADER_CHARSET.search(content_type or "")
    in_page = META_CHARSET.search(head) or XML_ENCODING.search(head)
    for label, where in (
        (declared and declared[1], "header"),
        (in_page and in_page[1].decode("ascii", "ignore"), "page"),
    ):
        encoding = _codec(label)
        if encoding is None or (encoding in SINGLE_BYTE and _is_utf8_text(body)):
            continue
        try:
            body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return encoding, where
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252", "bytes"
    return "utf-8", "bytes"


def declared_encoding(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    """The first encoding the response or the page itself declares, and where; None if neither does."""
    declared = HEADER_CHARSET.search(content_type or "")
    if declared and _codec(declared[1]):
        return declared[1], "header"
    head = body[:4096]
    in_page = META_CHARSET.search(head) or XML_ENCODING.search(head)
    label = in_page and in_page[1].decode("ascii", "ignore")
    return (label, "page") if label and _codec(label) else None


def encoding_note(body: bytes, content_type: str | None) -> str | None:
    """What to tell about a page whose first declaration its bytes contradict (it is read all the
    same, by the next declaration or by its bytes): None for a page read as it says."""
    declared = declared_encoding(body, content_type)
    encoding, where = page_encoding(body, content_type)
    if declared is None or _codec(declared[0]) == encoding or where == "bom":
        return None
    names = {"cp1252": "windows-1252", "utf-8": "UTF-8"}
    by = "its own declaration" if where == "page" else "its bytes"
    return (
        f"declared {declared[0]} ({'Content-Type' if declared[1] == 'header' else 'in the page'}), "
        f"but the bytes are not: read as {names.get(encoding, encoding)} by {by}"
    )


def decode_page(body: bytes, content_type: str | None) -> str:
    """The page's text, in the encoding ``page_encoding`` chooses. Never fails: the five bytes that
    windows-1252 leaves undefined become U+FFFD."""
    encoding, _ = page_encoding(body, content_type)
    return body.decode(encoding, errors="replace")


#: Marks where the text of one inline element meets the next's with no space between them
#: (``<span>Valmistelija</span><span>Hallintojohtaja …</span>``). Invisible, and removed by
#: ``parsing.text.clean_characters``, so a word split across spans reads whole; the item parser first
#: reads a label before it as a label (``parsing.handlings.clean_line``).
ELEMENT_BOUNDARY = "\u2063"


def _nearest_block(node) -> int | None:
    parent = node.parent
    while parent is not None:
        if parent.tag in BLOCK_TAGS or parent.tag == "td" or parent.tag == "th":
            return parent.mem_id
        parent = parent.parent
    return None


def is_skipped(node) -> bool:
    """Whether ``node`` sits inside a script, a style, the head or another element that shows no text."""
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
    previous_parent: int | None = None
    for node in root.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            block = _nearest_block(node)
            if block != current_block and lines[-1] and not lines[-1].endswith("\t"):
                lines.append("")
            current_block = block
            if not is_skipped(node):
                text = node.text_content.replace("\n", " ")
                parent = node.parent.mem_id if node.parent is not None else None
                if (
                    text
                    and lines[-1]
                    and parent != previous_parent
                    and not lines[-1][-1].isspace()
                    and not text[0].isspace()
                ):
                    lines[-1] += ELEMENT_BOUNDARY
                lines[-1] += text
                previous_parent = parent
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
