"""Render a gold item's ``.layout`` text into a PDF the way minutes PDFs are set, at test time (no PDF
is kept in git).

A layout file is the item as it stands on paper, line for line:

- ``Label<TAB>text``: the label in the left column, the text in the right one;
- ``<TAB>text`` or ``text``: text in the right column; a line ending in "-" is a word hyphenated at
  the line end, exactly as the document breaks it;
- ``<text``: text set from the left margin (a heading, a § mark);
- an empty line: a paragraph gap; ``#page``: a page break;
- ``#header …``: the running header drawn at the top of every page, with "n (m)" at the right.

As in real minutes, each page's labels are drawn after its text, so the content-stream order is not
the reading order, and the running header and page number are there to be dropped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

LABEL_X, TEXT_X, TOP, BOTTOM, LEADING = 56, 170, 760, 70, 13


@dataclass
class _Page:
    texts: list[tuple[float, float, str]] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)


def _pages(lines: list[str]) -> tuple[str | None, list[_Page]]:
    header = None
    pages = [_Page()]
    y = TOP
    for line in lines:
        if line.startswith("#header "):
            header = line[len("#header ") :].strip()
            continue
        if line.strip() == "#page" or y < BOTTOM:
            pages.append(_Page())
            y = TOP
            if line.strip() == "#page":
                continue
        if not line.strip():
            y -= LEADING
            continue
        if line.startswith("<"):
            pages[-1].texts.append((LABEL_X, y, line[1:]))
        elif "\t" in line:
            label, text = line.split("\t", 1)
            if label.strip():
                pages[-1].labels.append((LABEL_X, y, label.strip()))
            if text.strip():
                pages[-1].texts.append((TEXT_X, y, text.strip()))
        else:
            pages[-1].texts.append((TEXT_X, y, line.strip()))
        y -= LEADING
    return header, [page for page in pages if page.texts or page.labels]


def render_layout(text: str) -> bytes:
    """The PDF of a layout text (see the module docstring). The same bytes on every run."""
    header, pages = _pages(text.split("\n"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for number, page in enumerate(pages, start=1):
        canvas.setFont("Helvetica", 10)
        for x, y, line in page.texts:
            canvas.drawString(x, y, line)
        canvas.setFont("Helvetica-Bold", 10)
        for x, y, label in page.labels:
            canvas.drawString(x, y, label)
        if header:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(LABEL_X, 805, header)
            canvas.drawString(500, 805, f"{number} ({len(pages)})")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
