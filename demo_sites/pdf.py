"""Per-item and whole-meeting PDFs in the shape of Dynasty's: section labels in a left column, text in a
right one, a running header on every page. The labels are drawn after the text of each page, as real
minutes PDFs do, so that extraction order differs from reading order."""

from __future__ import annotations

import io
from textwrap import wrap

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from demo_sites.content import DemoSite, Item, Meeting

LABEL_X, TEXT_X, TOP, BOTTOM, LEADING = 56, 170, 760, 70, 13
TEXT_CHARS = 72


def _item_rows(item: Item, document_type: str) -> list[tuple[str, str]]:
    """(label, line) rows: a label only on the first line of its section."""
    rows: list[tuple[str, str]] = [("", item.title), ("", "")]
    for n, handling in enumerate(item.handlings):
        own = n == len(item.handlings) - 1
        heading = f"{handling.body} {handling.date:%d.%m.%Y}"
        if not (own and document_type == "agenda"):
            heading += f" § {handling.section}"
        rows.append(("", heading))
        if n == 0 and item.diary_number:
            rows.append(("", item.diary_number))
        sections = [
            ("Valmistelija", handling.preparer),
            ("", handling.explanation),
            ("Esittelijä", handling.presenter),
            ("Päätösehdotus", handling.proposal),
        ]
        if not own or document_type == "minutes":
            sections += [("Käsittely", handling.discussion), ("Päätös", handling.decision)]
        for label, text in sections:
            if not text:
                continue
            first = True
            for paragraph in text.split("\n\n"):
                for line in wrap(paragraph.replace("\n", " "), TEXT_CHARS) or [""]:
                    rows.append((label if first else "", line))
                    first = False
                rows.append(("", ""))
    return rows


def _render(header: str, rows: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)  # invariant: the same bytes on every run
    page, y, labels = 1, TOP, []

    def finish_page() -> None:
        canvas.setFont("Helvetica-Bold", 10)
        for label_y, label in labels:
            canvas.drawString(LABEL_X, label_y, label)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(LABEL_X, 805, header)
        canvas.drawRightString(540, 805, f"Sivu {page}")
        canvas.showPage()

    canvas.setFont("Helvetica", 10)
    for label, line in rows:
        if y < BOTTOM:
            finish_page()
            labels, page, y = [], page + 1, TOP
            canvas.setFont("Helvetica", 10)
        if label:
            labels.append((y, label))
        canvas.drawString(TEXT_X, y, line)
        y -= LEADING
    finish_page()
    canvas.save()
    return buffer.getvalue()


def item_pdf(site: DemoSite, meeting: Meeting, item: Item, document_type: str) -> bytes:
    body = site.body(meeting.body_id).name
    kind = "Pöytäkirja" if document_type == "minutes" else "Esityslista"
    return _render(
        f"{site.org_name}  {body}  {kind} {meeting.date:%d.%m.%Y}", _item_rows(item, document_type)
    )


def meeting_pdf(site: DemoSite, meeting: Meeting, document_type: str) -> bytes:
    body = site.body(meeting.body_id).name
    kind = "Pöytäkirja" if document_type == "minutes" else "Esityslista"
    rows: list[tuple[str, str]] = []
    for item in meeting.items:
        marker = f"§ {item.section}" if document_type == "minutes" else f"Asianro {item.position}"
        rows += [("", marker), *_item_rows(item, document_type), ("", "")]
    return _render(f"{site.org_name}  {body}  {kind} {meeting.date:%d.%m.%Y}", rows)


def attachment_pdf(name: str) -> bytes:
    return _render(name, [("", name), ("", ""), ("", "Liite.")])
