"""PDF minutes and agendas → lines of text in reading order, laid out by position.

Minutes PDFs set section labels in a left column and the text in a right one, and the producing
programs often draw each page's labels after its text, so any reader that follows the content stream
puts "Päätös" at the end of the page or before the explanation. Here the text comes out of PDFium as
positioned pieces, rows are rebuilt from their vertical position, and a row whose left-column piece is
a label comes out as ``Label<TAB>text``: exactly what an HTML ``Label | text`` row renders to, so
``parsing.handlings.parse_item_lines`` reads both the same way.

The columns are measured on each document (where most text starts is the text column; a cluster of
short pieces well left of it that end before it is the label column), because every municipality's
template puts them elsewhere. Running headers and footers (a line repeated at the same place on most
pages, a "Sivu 3" or "3 (12)" page number) are dropped before anything else looks at the page.

Bad input raises ``PdfError`` whose ``reason`` is short and stable enough to group by in a
``parse_errors`` table. PDFium is not thread-safe: run this in processes, never threads.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsing.text import clean_characters

# How a PDF reader finds the header: "%PDF-" may follow up to 1 KB of junk, "%%EOF" ends the last 1 KB.
PDF_MAGIC, PDF_END, MAGIC_WINDOW = b"%PDF-", b"%%EOF", 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HTML_START = re.compile(
    rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<title|<\?xml[^>]*>\s*<html)", re.I
)
NOT_A_PDF = {
    "html": "html",
    "doc": "ole2/doc",
    "docx": "zip/docx",
    "rtf": "rtf",
    "empty": "empty file",
    "unknown": "unknown",
}
PDFIUM_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_UNKNOWN: "unknown error",
    pdfium_c.FPDF_ERR_FILE: "file could not be read",
    pdfium_c.FPDF_ERR_FORMAT: "not in PDF format or corrupted",
    pdfium_c.FPDF_ERR_PAGE: "page not found or content error",
}
ENCRYPTION_ERRORS = (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY)

# Glyphs that PDF text layers give for a bullet, and the soft hyphen some producers draw at a line end.
BULLET_GLYPHS = ("(cid:127)", "\x7f", "\uf0b7", "\uf0a7")
# PDFium reads character code 127 in a simple font (pypdf shows it as "\x7f", pdfplumber as "(cid:127)")
# as U+25A0; at the start of a line it is a bullet.
SQUARE_BULLET = re.compile(r"^\u25a0(?=\s)")
PAGE_NUMBER = re.compile(
    r"^(?:(?:sivu|sida|page|s\.)\s*\d+(?:\s*(?:\(\s*\d+\s*\)|/\s*\d+|of\s+\d+))?"
    r"|(?P<n>\d+)\s*(?:\(\s*(?P<of>\d+)\s*\)|/\s*(?P<of_slash>\d+))|[-–]\s*\d+\s*[-–]|(?P<alone>\d{1,4}))$",
    re.I,
)
TRAILING_PAGE_NUMBER = re.compile(
    r"\s+(?:(?:sivu|sida|page)\s*\d+(?:\s*\(\s*\d+\s*\))?|\d+\s*\(\s*\d+\s*\))$", re.I
)
MINUTES_MARKER = re.compile(r"^§\s*(\d+)$")
AGENDA_MARKER = re.compile(r"^Asia\s*nro\s*(\d+)$", re.I)

EDGE_ROWS = 3  # how many rows at a page's top and bottom may be running header or footer
SAME_ROW = 0.4  # pieces whose centres differ by less than this share of their height share a row
NEW_RUN_GAP = 1.0  # a horizontal gap wider than this many text heights starts a new run
GLUED_GAP = 0.1  # pieces closer than this many text heights are one word
COLUMN_SLACK = 6.0  # points: how far line starts may scatter (glyph side bearings) within one column
LABEL_MIN_OFFSET = 24.0  # points: a label column starts at least this far left of the text column
LABEL_MAX_CHARS = 40
PARAGRAPH_GAP = 1.5  # a gap between rows wider than this many line pitches is a paragraph break
PAGE_EDGE_GAP = 0.8  # line pitches a page's text may start lower / end higher than usual before it counts
SHORT_LINE = 0.3  # a line ending this share of the column width short of full is a paragraph's last


class PdfError(ValueError):
    """A PDF that cannot be read, with the reason to record: ``no text layer``, ``encrypted PDF``,
    ``corrupt PDF: <detail>`` or ``not a PDF (<what it looks like>)``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class _Run:
    """Text set in one horizontal stretch of a row, in PDF points (y grows upwards)."""

    x0: float
    x1: float
    bottom: float
    top: float
    text: str

    @property
    def centre(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


@dataclass(slots=True)
class _Row:
    """One line of the page: PDFium's pieces left to right, and the same merged into runs."""

    centre: float
    height: float
    pieces: list[_Run] = field(default_factory=list)
    runs: list[_Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(run.text for run in self.runs)


@dataclass(slots=True)
class _Columns:
    text_x: float
    label_x: float | None
    text_right: float  # where full lines of the text column end


@dataclass(slots=True)
class _Line:
    """One output line: a label (empty when the row has none) and the row's text; both empty for a
    paragraph break."""

    label: str
    text: str

    def rendered(self) -> str:
        return f"{self.label}\t{self.text}" if self.label and self.text else self.label or self.text


# ---------------------------------------------------------------------------------------------------
# Public API


def sniff_document(data: bytes) -> str:
    """What the bytes are, by their magic: 'pdf', 'html', 'doc' (OLE2), 'docx', 'rtf' or 'unknown'.
    Sites serve Word files and HTML error pages under ``.PDF`` addresses; this tells them apart
    without trusting the name or the content type."""
    head = data[:MAGIC_WINDOW]
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data else "unknown"
    text_head = head.lstrip(b"\xef\xbb\xbf")
    if text_head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if HTML_START.match(text_head) or b"<html" in text_head.lower():
        return "html"
    return "unknown"


def pdf_item_lines(data: bytes) -> list[str]:
    """The lines of a one-item PDF in reading order: ``Label<TAB>text`` where a row has a label,
    plain continuation lines, and an empty line where the vertical gap shows a paragraph break."""
    return [line.rendered() for line in _document_lines(data)]


def split_meeting_pdf(data: bytes) -> list[tuple[int, list[str]]]:
    """A whole-meeting PDF → (number, lines) per item, split at the lines that stand alone as
    ``§ N`` (minutes) or ``Asianro N`` (agendas). Whichever kind of marker comes first decides; a
    marker counts only when its number is above the previous one, so a stray "§ 5" in the text of an
    item cannot split it. The text before the first marker (the cover page) belongs to no item; an
    empty list means the PDF has no markers at all."""
    lines = _document_lines(data)
    marker = _marker_kind(lines)
    if marker is None:
        return []
    items: list[tuple[int, list[_Line]]] = []
    for line in lines:
        number = _marker_number(line, marker)
        if number is not None and (not items or number > items[-1][0]):
            items.append((number, []))
        elif items:
            items[-1][1].append(line)
    return [(number, [line.rendered() for line in _trimmed(item)]) for number, item in items]


# ---------------------------------------------------------------------------------------------------
# Reading the document


def _document_lines(data: bytes) -> list[_Line]:
    pages = _without_furniture(_read_pages(data))
    if not any(pages):
        raise PdfError("no text layer")  # a scan without OCR, perhaps with a page number stamped on it
    columns = _measure_columns(pages)
    pitch = _line_pitch(pages)
    lines: list[_Line] = []
    for number, rows in enumerate(pages):
        if number > 0 and rows and lines and _page_turn_is_a_paragraph_break(pages, number, pitch, columns):
            lines.append(_Line("", ""))
        previous: _Row | None = None
        for row in rows:
            if previous is not None and previous.centre - row.centre > PARAGRAPH_GAP * pitch:
                lines.append(_Line("", ""))
            _append_row(lines, row, columns, joins_previous=previous is not None)
            previous = row
    return _trimmed(_single_breaks(lines))


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    kind = "empty" if not data.strip() else sniff_document(data)
    if kind != "pdf":
        raise PdfError(f"not a PDF ({NOT_A_PDF[kind]})")
    if PDF_END not in data.rstrip(b"\x00\r\n\t ")[-MAGIC_WINDOW:]:
        raise PdfError("corrupt PDF: truncated (no %%EOF at the end)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code in ENCRYPTION_ERRORS:
            raise PdfError("encrypted PDF") from error
        detail = PDFIUM_LOAD_ERRORS.get(error.err_code, str(error))
        raise PdfError(f"corrupt PDF: {detail}") from error


def _read_pages(data: bytes) -> list[list[_Row]]:
    """Rows per page, top to bottom. Raises ``PdfError`` for input PDFium cannot read."""
    pdf = _open_pdf(data)
    try:
        return [_page_rows(pdf, index) for index in range(len(pdf))]
    finally:
        pdf.close()


def _page_rows(pdf: pdfium.PdfDocument, index: int) -> list[_Row]:
    try:
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                pieces = _text_pieces(textpage)
            finally:
                textpage.close()
        finally:
            page.close()
    except pdfium.PdfiumError as error:
        raise PdfError(f"corrupt PDF: page {index + 1}: {error}") from error
    return _rows(pieces)


def _text_pieces(textpage: pdfium.PdfTextPage) -> list[_Run]:
    """PDFium's text rectangles (one per stretch of a text object on one line) with their text.
    Reading each rectangle's own text keeps the label and the text apart whatever order the content
    stream drew them in."""
    pieces = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = _clean(textpage.get_text_bounded(left, bottom, right, top))
        if text.strip():
            pieces.append(_Run(left, right, bottom, top, text))
    return pieces


def _clean(text: str) -> str:
    """Piece text as the parser wants it: hyphen markers as "-", bullets as "•", no line breaks. The
    spaces at either end stay until the pieces of a row are joined: they tell words apart."""
    if text.rstrip().endswith("\u00ad"):
        text = text.rstrip()[:-1] + "-"  # a soft hyphen drawn at a line end is the only hyphen there is
    for glyph in BULLET_GLYPHS:
        text = text.replace(glyph, "•")
    return clean_characters(text).replace("\n", " ")


# ---------------------------------------------------------------------------------------------------
# Rows and runs


def _rows(pieces: list[_Run]) -> list[_Row]:
    """Pieces grouped into rows by vertical position (top of the page first), and each row's pieces
    joined into runs left to right."""
    rows: list[_Row] = []
    for piece in sorted(pieces, key=lambda p: -p.centre):
        row = rows[-1] if rows else None
        if row is not None and abs(row.centre - piece.centre) <= SAME_ROW * max(row.height, piece.height):
            row.pieces.append(piece)
        else:
            rows.append(_Row(piece.centre, piece.height, [piece]))
    for row in rows:
        row.pieces.sort(key=lambda p: p.x0)
        row.runs = _runs(row.pieces)
    return rows


def _runs(pieces: list[_Run]) -> list[_Run]:
    """Pieces of one row (sorted left to right) merged where they are one stretch of text: words
    drawn one by one, a word split at a kerning pair. A wide gap (a column) keeps them apart. (Text
    drawn twice at one place for a fake bold PDFium itself reads once.)"""
    runs: list[_Run] = []
    for piece in pieces:
        last = runs[-1] if runs else None
        gap = piece.x0 - last.x1 if last else math.inf
        if last is None or gap >= NEW_RUN_GAP * max(last.height, piece.height):
            runs.append(_Run(piece.x0, piece.x1, piece.bottom, piece.top, piece.text))
            continue
        spaced = last.text[-1:].isspace() or piece.text[:1].isspace() or gap >= GLUED_GAP * piece.height
        last.text = last.text.rstrip() + (" " if spaced else "") + piece.text.lstrip()
        last.x1 = max(last.x1, piece.x1)
        last.bottom, last.top = min(last.bottom, piece.bottom), max(last.top, piece.top)
    for run in runs:
        run.text = " ".join(run.text.split())
    return runs


# ---------------------------------------------------------------------------------------------------
# Running headers and footers


def _without_furniture(pages: list[list[_Row]]) -> list[list[_Row]]:
    """Pages without their running header and footer rows. A row among the first or last few of a
    page is furniture when it holds a page number or repeats (page number aside) at the same height on
    at least half of the pages; so is every row between it and the page edge."""
    repeated = _repeated_edge_rows(pages)
    return [_page_body(rows, repeated) for rows in pages]


def _edge_indexes(rows: list[_Row]) -> list[int]:
    count = len(rows)
    return sorted(set(range(min(EDGE_ROWS, count))) | set(range(max(count - EDGE_ROWS, 0), count)))


def _row_key(row: _Row) -> tuple[int, str]:
    """Where a row stands and what it says without its page number. Other digits count: masking them
    would make "§ 88" and "§ 90" at the top of two pages one running header."""
    alone = len(row.runs) == 1
    text = " ".join(run.text for run in row.runs if not _is_page_number(run, alone))
    return round(row.centre / 2), TRAILING_PAGE_NUMBER.sub("", text)


def _repeated_edge_rows(pages: list[list[_Row]]) -> set[tuple[int, str]]:
    if len(pages) < 2:
        return set()
    pages_with: dict[tuple[int, str], set[int]] = defaultdict(set)
    for number, rows in enumerate(pages):
        for index in _edge_indexes(rows):
            pages_with[_row_key(rows[index])].add(number)
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, found_on in pages_with.items() if len(found_on) >= needed}


def _is_page_number(run: _Run, alone: bool) -> bool:
    """Page numbers as minutes print them: "Sivu 3", "Sivu 3 (12)", "3 (12)", "3/12", "- 3 -", and a
    bare "3" only alone in its row. "n (m)" and "n/m" only with n ≤ m < 1000, so that a diary number
    such as "123/2024" is never taken for one."""
    match = PAGE_NUMBER.match(run.text)
    if not match:
        return False
    if match["alone"]:
        return alone
    first, total = match["n"], match["of"] or match["of_slash"]
    return not (first and total) or int(first) <= int(total) < 1000


def _is_furniture(row: _Row, repeated: set[tuple[int, str]]) -> bool:
    alone = len(row.runs) == 1
    return _row_key(row) in repeated or any(_is_page_number(run, alone) for run in row.runs)


def _page_body(rows: list[_Row], repeated: set[tuple[int, str]]) -> list[_Row]:
    """The rows between the last header row and the first footer row; a furniture row nearer the top
    of the page's row list is a header, one nearer the bottom a footer."""
    first, last = 0, len(rows)
    for index in _edge_indexes(rows):
        if not _is_furniture(rows[index], repeated):
            continue
        if index < len(rows) - 1 - index:
            first = max(first, index + 1)
        else:
            last = min(last, index)
    return rows[first:last] if first < last else []


# ---------------------------------------------------------------------------------------------------
# Columns and line pitch


def _densest_start(starts: list[tuple[float, int]]) -> float | None:
    """The left edge of the place where the most weight of ``(x, weight)`` starts falls within
    COLUMN_SLACK."""
    if not starts:
        return None
    buckets: Counter[int] = Counter()
    for x, weight in starts:
        buckets[int(x // (COLUMN_SLACK / 2))] += weight
    best = max(buckets, key=lambda b: (buckets[b - 1] + buckets[b] + buckets[b + 1], buckets[b], -b))
    low, high = (best - 1) * COLUMN_SLACK / 2, (best + 2) * COLUMN_SLACK / 2
    return min(x for x, _ in starts if low <= x < high)


def _measure_columns(pages: list[list[_Row]]) -> _Columns:
    """The text column is where most text starts (runs weighted by their length, so that a few long
    lines outweigh as many short labels); the label column is where short pieces start that sit well
    left of the text column and end before it. Measured per document, never assumed."""
    rows = [row for page in pages for row in page]
    runs = [run for row in rows for run in row.runs]
    text_x = _densest_start([(run.x0, len(run.text)) for run in runs]) or 0.0
    label_starts = [
        (piece.x0, 1)
        for row in rows
        for piece in row.pieces
        if piece.x0 < text_x - LABEL_MIN_OFFSET
        and piece.x1 < text_x - 1
        and len(piece.text.strip()) <= LABEL_MAX_CHARS
    ]
    text_ends = sorted(run.x1 for run in runs if abs(run.x0 - text_x) <= COLUMN_SLACK)
    text_right = text_ends[int(0.9 * (len(text_ends) - 1))] if text_ends else text_x
    return _Columns(text_x, _densest_start(label_starts), text_right)


def _line_pitch(pages: list[list[_Row]]) -> float:
    """The distance between consecutive lines of one paragraph. The lower quartile of the steps
    between rows, because in a short item the paragraph gaps can outnumber them; never more than
    1.6 text heights, for an item where every paragraph is one line."""
    steps = sorted(a.centre - b.centre for rows in pages for a, b in itertools.pairwise(rows))
    steps = [step for step in steps if step > 0]
    heights = [row.height for rows in pages for row in rows]
    ceiling = 1.6 * statistics.median(heights) if heights else 12.0
    return min(steps[len(steps) // 4], ceiling) if steps else ceiling


def _page_turn_is_a_paragraph_break(
    pages: list[list[_Row]], number: int, pitch: float, columns: _Columns
) -> bool:
    """Whether the text turning from the page before ``number`` to ``number`` starts a new paragraph,
    where no gap can show it: the earlier page's last line stops well short of the column's right
    edge (a paragraph's last line), its text ends higher than pages usually end, this page's starts
    lower than pages usually start (the blank line fell at the page turn), or this page opens with a
    label (a new section)."""
    previous = next((rows for rows in reversed(pages[:number]) if rows), None)
    if previous is None:
        return False
    last_line_end = max(run.x1 for run in previous[-1].runs)
    width = columns.text_right - columns.text_x
    ends_short = width > 0 and last_line_end < columns.text_right - SHORT_LINE * width
    tops = [rows[0].centre for rows in pages if rows]
    bottoms = [rows[-1].centre for rows in pages[:-1] if rows]
    ends_early = previous[-1].centre - min(bottoms) > PAGE_EDGE_GAP * pitch
    starts_late = max(tops) - pages[number][0].centre > PAGE_EDGE_GAP * pitch
    opens_section = bool(_label_and_text(pages[number][0], columns)[0])
    return ends_short or ends_early or starts_late or opens_section


# ---------------------------------------------------------------------------------------------------
# Rows to lines


def _append_row(lines: list[_Line], row: _Row, columns: _Columns, joins_previous: bool) -> None:
    """Add a row as a line. A label-column piece heads the line; one that continues the label above
    (a label wrapped over two rows) is joined to it instead; a "§ N" in the label column is a line of
    its own, as the item split needs it."""
    label, text = _label_and_text(row, columns)
    text = SQUARE_BULLET.sub("•", text)
    if label and (MINUTES_MARKER.match(label) or AGENDA_MARKER.match(label)):
        lines.append(_Line("", label))
        label = ""
    elif label and joins_previous and lines and lines[-1].label and _continues_label(lines[-1].label, label):
        lines[-1].label = _joined_label(lines[-1].label, label)
        label = ""
    if label or text:
        lines.append(_Line(label, text))


def _label_and_text(row: _Row, columns: _Columns) -> tuple[str, str]:
    """The row's label (its pieces in the label column, ending before the text column) and its text,
    which must then start in the text column: a heading set word by word from the left margin is
    text, not a label and the rest."""
    if columns.label_x is None:
        return "", _joined(row.pieces)
    in_label = [
        n
        for n, piece in enumerate(row.pieces)
        if piece.x0 >= columns.label_x - COLUMN_SLACK and piece.x1 < columns.text_x - 1
    ]
    starts_column = in_label and abs(row.pieces[in_label[0]].x0 - columns.label_x) <= COLUMN_SLACK
    if not starts_column or in_label != list(range(in_label[0], in_label[-1] + 1)):
        return "", _joined(row.pieces)
    label_pieces = row.pieces[in_label[0] : in_label[-1] + 1]
    rest = row.pieces[: in_label[0]] + row.pieces[in_label[-1] + 1 :]
    following = row.pieces[in_label[-1] + 1] if in_label[-1] + 1 < len(row.pieces) else None
    label = _joined(label_pieces)
    text_in_column = following is None or following.x0 >= columns.text_x - COLUMN_SLACK
    if not text_in_column or len(label) > LABEL_MAX_CHARS:
        return "", _joined(row.pieces)
    return label, _joined(rest)


def _joined(pieces: list[_Run]) -> str:
    return " ".join(run.text for run in _runs(pieces))


def _continues_label(previous: str, label: str) -> bool:
    return previous.endswith("-") or label[:1].islower()


def _joined_label(previous: str, label: str) -> str:
    if previous.endswith("-") and label[:1].islower():
        return previous[:-1] + label
    return f"{previous} {label}"


def _single_breaks(lines: list[_Line]) -> list[_Line]:
    """At most one empty line in a row."""
    out: list[_Line] = []
    for line in lines:
        if line.label or line.text or (out and (out[-1].label or out[-1].text)):
            out.append(line)
    return out


def _trimmed(lines: list[_Line]) -> list[_Line]:
    start, end = 0, len(lines)
    while start < end and not (lines[start].label or lines[start].text):
        start += 1
    while end > start and not (lines[end - 1].label or lines[end - 1].text):
        end -= 1
    return lines[start:end]


def _marker_number(line: _Line, marker: re.Pattern[str]) -> int | None:
    if line.label:
        return None
    match = marker.match(line.text)
    return int(match[1]) if match else None


def _marker_kind(lines: list[_Line]) -> re.Pattern[str] | None:
    for line in lines:
        for marker in (MINUTES_MARKER, AGENDA_MARKER):
            if _marker_number(line, marker) is not None:
                return marker
    return None
