"""The PDF reading layer: text laid out by position, furniture dropped, meetings split, bad input named.

PDFs are rendered in the tests: the demo sites' own (labels drawn after each page's text, as real
minutes PDFs do) and, with reportlab directly, layouts the demo does not have.
"""

from __future__ import annotations

import io
import re
import zipfile

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from demo_sites import dynasty
from demo_sites.content import load_sites
from demo_sites.pdf import item_pdf, meeting_pdf
from parsing.dynasty import parse_item_page
from parsing.handlings import parse_item_lines
from parsing.pdf import PdfError, pdf_item_lines, sniff_document, split_meeting_pdf

RSS_BASE = "http://127.0.0.1:8765/cgi/DREQUEST.PHP"
PAGE_NUMBER = re.compile(r"\bSivu\s*\d")

# (x, baseline y, text, font): reportlab's standard fonts, always at 10 pt.
Draw = tuple[float, float, str, str]


@pytest.fixture(scope="module")
def heinola():
    return load_sites()["heinola"]


def pdf_of(pages: list[list[Draw]], encrypt: pdfencrypt.StandardEncryption | None = None) -> bytes:
    """A PDF drawing each page's strings in the order given (which is the content-stream order)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, encrypt=encrypt)
    for draws in pages:
        for x, y, text, font in draws:
            canvas.setFont(font, 10)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def labelled_item(label_x: float, text_x: float, labels_first: bool, leading: float = 14) -> list[Draw]:
    """A one-page item with its labels in a left column, drawn before or after the text."""
    rows = [
        ("", "Koulukuljetusten hankinta"),
        ("", ""),
        ("", "Sivistyslautakunta 12.03.2025 § 14"),
        ("Valmistelija", "Sivistysjohtaja Anna Laine, puh. 044 123 4567"),
        ("", ""),
        ("", "Koulukuljetusten sopimuskausi päättyy 31.7.2025, ja uusi"),
        ("", "hankinta on kilpailutettu."),
        ("", ""),
        ("", "Tarjouksia saatiin kolme."),
        ("", ""),
        ("Päätösehdotus", "Lautakunta hyväksyy edullisimman tarjouksen."),
        ("", ""),
        ("Päätös", "Ehdotus hyväksyttiin."),
    ]
    texts, labels = [], []
    for n, (label, text) in enumerate(rows):
        y = 760 - n * leading
        if text:
            texts.append((text_x, y, text, "Helvetica"))
        if label:
            labels.append((label_x, y, label, "Helvetica-Bold"))
    return labels + texts if labels_first else texts + labels


LABELLED_ITEM_LINES = [
    "Koulukuljetusten hankinta",
    "",
    "Sivistyslautakunta 12.03.2025 § 14",
    "Valmistelija\tSivistysjohtaja Anna Laine, puh. 044 123 4567",
    "",
    "Koulukuljetusten sopimuskausi päättyy 31.7.2025, ja uusi",
    "hankinta on kilpailutettu.",
    "",
    "Tarjouksia saatiin kolme.",
    "",
    "Päätösehdotus\tLautakunta hyväksyy edullisimman tarjouksen.",
    "",
    "Päätös\tEhdotus hyväksyttiin.",
]


# --------------------------------------------------------------------------------------------------
# The demo sites' PDFs


def test_labels_drawn_after_the_text_still_head_their_sections(heinola):
    meeting = heinola.meeting("2026058")
    item = next(i for i in meeting.items if i.position == 4)
    data = item_pdf(heinola, meeting, item, "minutes")
    stream_order = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    # The trap is there: in content-stream order every label comes after the last line of text.
    assert stream_order.index("Asia palautettiin") < stream_order.index("Valmistelija")

    lines = pdf_item_lines(data)

    assert [line.split("\t")[0] for line in lines if "\t" in line] == [
        "Valmistelija",
        "Esittelijä",
        "Päätösehdotus",
        "Päätös",
        "Päätösehdotus",
        "Käsittely",
        "Päätös",
    ]
    assert lines[:5] == [
        "Uimahallin peruskorjauksen hankesuunnitelman hyväksyminen",
        "",
        "Khall 27.04.2026 § 108",
        "287/10.03.02/2026",
        "Valmistelija\tTilapalvelupäällikkö Marko Heikkinen, puh. 044 769 4250,",
    ]
    assert lines[-1] == "Päätös\tAsia palautettiin uudelleen valmisteltavaksi."


def test_a_pdf_item_parses_to_the_same_handlings_as_its_html_page(heinola):
    meeting = heinola.meeting("2026058")
    item = next(i for i in meeting.items if i.position == 4)
    url = f"{RSS_BASE}?page=meetingitem&id=2026058-4"
    from_html = parse_item_page(
        dynasty.item_page(heinola, meeting, item, True, RSS_BASE), url, heinola.abbreviations
    )

    from_pdf = parse_item_lines(
        pdf_item_lines(item_pdf(heinola, meeting, item, "minutes")), heinola.abbreviations
    )

    assert from_pdf.title == from_html.title == "Uimahallin peruskorjauksen hankesuunnitelman hyväksyminen"
    assert from_pdf.diary_number == from_html.diary_number == "287/10.03.02/2026"
    assert [(h.body, h.meeting_date.isoformat(), h.section, h.is_own) for h in from_pdf.handlings] == [
        ("Kaupunginhallitus", "2026-04-27", 108, False),
        ("Kaupunginvaltuusto", "2026-05-18", 30, True),
    ]
    assert [(h.body, h.meeting_date, h.section, h.is_own) for h in from_pdf.handlings] == [
        (h.body, h.meeting_date, h.section, h.is_own) for h in from_html.handlings
    ]
    for pdf_handling, html_handling in zip(from_pdf.handlings, from_html.handlings, strict=True):
        assert pdf_handling.proposal == html_handling.proposal
        assert pdf_handling.decision == html_handling.decision
        assert pdf_handling.explanation == html_handling.explanation
        assert pdf_handling.presenter == html_handling.presenter
        assert pdf_handling.discussion == html_handling.discussion
    assert from_pdf.handlings[1].decision == "Asia palautettiin uudelleen valmisteltavaksi."
    assert from_pdf.handlings[0].proposal == (
        "Kaupunginhallitus esittää kaupunginvaltuustolle, että valtuusto hyväksyy uimahallin "
        "peruskorjauksen hankesuunnitelman 14,6 miljoonan euron kustannusarviolla ja että hankkeen "
        "lisämäärärahatarve otetaan huomioon vuosien 2027–2028 talousarvioiden valmistelussa."
    )


def test_running_headers_and_page_numbers_never_reach_the_text():
    checked = 0
    for site in load_sites().values():
        for meeting in site.meetings:
            kinds = ["agenda", "minutes"] if meeting.becomes_minutes else [meeting.published_as]
            for kind in kinds:
                header = re.compile(
                    rf"{re.escape(site.body(meeting.body_id).name)}\s+(Pöytäkirja|Esityslista)"
                )
                documents = [meeting_pdf(site, meeting, kind)]
                documents += [item_pdf(site, meeting, item, kind) for item in meeting.items]
                for data in documents:
                    first_page = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
                    assert header.search(first_page) and PAGE_NUMBER.search(
                        first_page
                    )  # drawn, to be dropped
                    lines = pdf_item_lines(data)
                    assert [line for line in lines if PAGE_NUMBER.search(line) or header.search(line)] == []
                    checked += 1
    assert checked > 40


def test_split_meeting_pdf_returns_the_meetings_sections_in_order(heinola):
    meeting = heinola.meeting("2026058")
    data = meeting_pdf(heinola, meeting, "minutes")
    assert len(pdfium.PdfDocument(data)) == 3

    items = split_meeting_pdf(data)

    assert [number for number, _ in items] == [27, 28, 29, 30]
    for (_, lines), item in zip(items, meeting.items, strict=True):
        assert lines == pdf_item_lines(item_pdf(heinola, meeting, item, "minutes"))


def test_split_meeting_pdf_reads_an_agenda_by_its_asianro_lines(heinola):
    meeting = heinola.meeting("2026091")

    items = split_meeting_pdf(meeting_pdf(heinola, meeting, "agenda"))

    assert [number for number, _ in items] == [1, 2, 3, 4]
    assert items[0][1][0] == "Laillisuuden ja päätösvaltaisuuden toteaminen"


def test_an_item_running_over_a_page_turn_keeps_its_text_in_order(heinola):
    meeting = heinola.meeting("2026058")
    item = next(i for i in meeting.items if i.position == 4)
    pages = pdfium.PdfDocument(meeting_pdf(heinola, meeting, "minutes"))
    assert "Vuoden 2026 talousarvion" in pages[2].get_textpage().get_text_range()  # § 30 crosses pages 2–3

    number, lines = split_meeting_pdf(meeting_pdf(heinola, meeting, "minutes"))[3]
    parsed = parse_item_lines(lines, heinola.abbreviations)

    assert number == 30
    assert parsed.handlings[0].explanation == "\n\n".join(
        " ".join(paragraph.split()) for paragraph in item.handlings[0].explanation.split("\n\n")
    )
    assert parsed.handlings[1].decision == "Asia palautettiin uudelleen valmisteltavaksi."


# --------------------------------------------------------------------------------------------------
# Layouts the demo does not have


@pytest.mark.parametrize(
    ("label_x", "text_x", "labels_first"),
    [(56, 170, False), (40, 220, True), (72, 150, True), (30, 300, False)],
)
def test_the_label_column_is_measured_on_each_document_wherever_it_stands(label_x, text_x, labels_first):
    assert pdf_item_lines(pdf_of([labelled_item(label_x, text_x, labels_first)])) == LABELLED_ITEM_LINES


def test_a_wider_line_spacing_still_tells_lines_from_paragraph_gaps():
    assert pdf_item_lines(pdf_of([labelled_item(50, 200, True, leading=18)])) == LABELLED_ITEM_LINES


@pytest.mark.parametrize(
    ("first_row", "second_row", "label"),
    [
        ("Valmistelija ja", "lisätiedot", "Valmistelija ja lisätiedot"),
        ("Päätös-", "ehdotus", "Päätösehdotus"),
    ],
)
def test_a_label_wrapped_over_two_rows_is_one_label(first_row, second_row, label):
    data = pdf_of(
        [
            [
                (180, 700, "Hallintojohtaja Sari Lindholm esittää,", "Helvetica"),
                (180, 687, "että hankinta hyväksytään.", "Helvetica"),
                (60, 700, first_row, "Helvetica-Bold"),
                (60, 687, second_row, "Helvetica-Bold"),
                (180, 661, "Ehdotus hyväksyttiin.", "Helvetica"),
                (60, 661, "Päätös", "Helvetica-Bold"),
            ]
        ]
    )

    assert pdf_item_lines(data) == [
        f"{label}\tHallintojohtaja Sari Lindholm esittää,",
        "että hankinta hyväksytään.",
        "",
        "Päätös\tEhdotus hyväksyttiin.",
    ]


def test_a_heading_set_word_by_word_from_the_label_column_stays_one_line():
    words = "Kaupunginvaltuusto 18.05.2026 § 30".split()
    space = stringWidth(" ", "Helvetica", 10)
    starts = [56 + sum(stringWidth(w, "Helvetica", 10) + space for w in words[:n]) for n in range(len(words))]
    assert starts[1] < 170 < starts[2]  # the first two words end before the text column
    draws = [(x, 700, word, "Helvetica") for x, word in zip(starts, words, strict=True)]
    draws += [
        (170, 687, "Kaupunginvaltuusto hyväksyy hankesuunnitelman.", "Helvetica"),
        (170, 661, "Päätösehdotus hyväksyttiin.", "Helvetica"),
        (56, 687, "Päätösehdotus", "Helvetica-Bold"),
        (56, 661, "Päätös", "Helvetica-Bold"),
    ]

    assert pdf_item_lines(pdf_of([draws])) == [
        "Kaupunginvaltuusto 18.05.2026 § 30",
        "Päätösehdotus\tKaupunginvaltuusto hyväksyy hankesuunnitelman.",
        "",
        "Päätös\tPäätösehdotus hyväksyttiin.",
    ]


def test_words_drawn_one_by_one_read_as_one_line():
    words = "Lautakunta merkitsee toimintakertomuksen tiedoksi.".split()
    space = stringWidth(" ", "Helvetica", 10)
    starts = [
        170 + sum(stringWidth(w, "Helvetica", 10) + space for w in words[:n]) for n in range(len(words))
    ]
    # drawn right to left, each word its own text object, the label last
    draws = [(x, 700, word, "Helvetica") for x, word in reversed(list(zip(starts, words, strict=True)))]
    draws.append((56, 700, "Päätös", "Helvetica-Bold"))

    assert pdf_item_lines(pdf_of([draws])) == ["Päätös\tLautakunta merkitsee toimintakertomuksen tiedoksi."]


def test_line_end_hyphens_come_out_as_hyphens_and_bullet_glyphs_as_bullets():
    data = pdf_of(
        [
            [
                (170, 700, "Keskeistä oli toimintasuunnitelman toteut-", "Helvetica"),
                (170, 687, "taminen, jonka keskiössä olivat:", "Helvetica"),
                (170, 674, "\x7f sidosryhmäyhteistyö ja", "Helvetica"),
                (170, 661, "\x7f Verkostoperuskoulu-hanke.", "Helvetica"),
            ]
        ]
    )
    raw = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "\ufffe" in raw  # PDFium marks the line-end hyphen instead of returning it

    assert pdf_item_lines(data) == [
        "Keskeistä oli toimintasuunnitelman toteut-",
        "taminen, jonka keskiössä olivat:",
        "• sidosryhmäyhteistyö ja",
        "• Verkostoperuskoulu-hanke.",
    ]


def test_a_multi_page_item_keeps_its_text_in_order_without_headers_or_footers():
    """Four pages of numbered lines, a header and a "n (m)" footer on each, labels drawn last. The lines
    come out in order; a page turn is a paragraph break where the page ended on a paragraph's short
    last line or the next page opens a labelled section, and not where a paragraph runs on."""
    pages, number, page_count = [], 0, 4
    for page in range(page_count):
        texts, labels = [], []
        for row in range(52):
            number += 1
            text = f"Rivi {number} on tavallinen kappaleen rivi ja jatkuu"
            if page == 0 and row == 51:
                text = f"Rivi {number} jatkuu."
            texts.append((170, 760 - row * 13, text, "Helvetica"))
        if page == 0:
            labels.append((56, 760, "Selostus", "Helvetica-Bold"))
        if page == 3:
            labels.append((56, 760, "Päätös", "Helvetica-Bold"))
        texts.append((56, 805, "Orimattilan kaupunki   Tekninen lautakunta   Pöytäkirja 5/2025", "Helvetica"))
        texts.append((500, 40, f"{page + 1} ({page_count})", "Helvetica"))
        pages.append(texts + labels)

    lines = pdf_item_lines(pdf_of(pages))

    expected = [f"Rivi {n} on tavallinen kappaleen rivi ja jatkuu" for n in range(1, 209)]
    expected[51] = "Rivi 52 jatkuu."
    expected[0] = "Selostus\t" + expected[0]
    expected[156] = "Päätös\t" + expected[156]
    assert lines == [*expected[:52], "", *expected[52:156], "", *expected[156:]]


def test_numbers_at_the_page_edges_are_kept_unless_they_are_page_numbers():
    data = pdf_of(
        [
            [
                (500, 805, "Sivu 1 (1)", "Helvetica"),
                (170, 760, "Avustushakemus", "Helvetica"),
                (170, 747, "123/2024", "Helvetica"),
                (170, 734, "Kyläyhdistys hakee avustusta.", "Helvetica"),
                (170, 708, "1", "Helvetica"),
                (200, 708, "Hakemus ja kustannusarvio", "Helvetica"),
                (297, 40, "1", "Helvetica"),
            ]
        ]
    )

    assert pdf_item_lines(data) == [
        "Avustushakemus",
        "123/2024",
        "Kyläyhdistys hakee avustusta.",
        "",
        "1 Hakemus ja kustannusarvio",
    ]


def test_a_stray_section_mark_does_not_split_an_item_and_the_cover_page_belongs_to_none():
    data = pdf_of(
        [
            [(170, 760, "Kokouksen pöytäkirja", "Helvetica"), (170, 747, "Läsnä: jäsenet", "Helvetica")],
            [
                (170, 760, "§ 5", "Helvetica"),
                (170, 747, "Talousarvion muutos", "Helvetica"),
                (170, 721, "§ 3", "Helvetica"),
                (170, 708, "Päätös muutti edellistä pykälää.", "Helvetica"),
                (170, 682, "§ 6", "Helvetica"),
                (170, 669, "Kokouksen päättäminen", "Helvetica"),
            ],
        ]
    )

    assert split_meeting_pdf(data) == [
        (5, ["Talousarvion muutos", "", "§ 3", "Päätös muutti edellistä pykälää."]),
        (6, ["Kokouksen päättäminen"]),
    ]


# --------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("page_number", [None, "Sivu 1 (1)"])
def test_a_scan_without_a_text_layer_is_recorded_as_no_text_layer(page_number):
    image = io.BytesIO()
    Image.new("L", (200, 280), color=230).save(image, format="PNG")
    image.seek(0)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    if page_number:  # a page number stamped over the scan is no text layer either
        canvas.drawString(500, 805, page_number)
    canvas.showPage()
    canvas.save()

    with pytest.raises(PdfError) as raised:
        pdf_item_lines(buffer.getvalue())
    assert raised.value.reason == "no text layer"


def test_a_pdf_that_needs_a_password_is_recorded_as_encrypted():
    locked = pdfencrypt.StandardEncryption("käyttäjä", ownerPassword="omistaja", canCopy=0)
    data = pdf_of([[(170, 700, "Salainen liite", "Helvetica")]], encrypt=locked)

    with pytest.raises(PdfError) as raised:
        split_meeting_pdf(data)
    assert raised.value.reason == "encrypted PDF"


def test_a_pdf_encrypted_only_against_copying_still_reads():
    no_copying = pdfencrypt.StandardEncryption("", ownerPassword="omistaja", canCopy=0)
    data = pdf_of([[(170, 700, "Päätösehdotus hyväksyttiin.", "Helvetica")]], encrypt=no_copying)

    assert pdf_item_lines(data) == ["Päätösehdotus hyväksyttiin."]


def test_truncated_and_damaged_pdfs_are_recorded_as_corrupt(heinola):
    meeting = heinola.meeting("2026058")
    data = item_pdf(heinola, meeting, meeting.items[0], "minutes")

    with pytest.raises(PdfError) as truncated:
        pdf_item_lines(data[: len(data) * 2 // 3])
    with pytest.raises(PdfError) as damaged:
        pdf_item_lines(data[:40] + b"\x00" * (len(data) - 46) + b"%%EOF\n")

    assert truncated.value.reason == "corrupt PDF: truncated (no %%EOF at the end)"
    assert damaged.value.reason == "corrupt PDF: not in PDF format or corrupted"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<!DOCTYPE html>\n<html><body>Sivua ei l\xc3\xb6ytynyt</body></html>", "not a PDF (html)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "not a PDF (ole2/doc)"),
        (b"{\\rtf1\\ansi P\\'e4\\'e4t\\'f6s}", "not a PDF (rtf)"),
        (b"", "not a PDF (empty file)"),
        (b"GIF89a\x01\x00", "not a PDF (unknown)"),
    ],
)
def test_bytes_that_are_not_a_pdf_say_what_they_look_like(data, reason):
    with pytest.raises(PdfError) as raised:
        pdf_item_lines(data)
    assert raised.value.reason == reason
    assert str(raised.value) == reason
    assert isinstance(raised.value, ValueError)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\r\n\r\n%PDF-1.4\n", "pdf"),
        (b"\xef\xbb\xbf<!doctype html><html lang='fi'>", "html"),
        (b"  <html><head><title>Virhe</title></head>", "html"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "doc"),
        (_docx(), "docx"),
        (b"{\\rtf1\\ansi}", "rtf"),
        (b"PK\x03\x04not a word file", "unknown"),
        (b"\x89PNG\r\n\x1a\n", "unknown"),
    ],
)
def test_sniff_document_tells_formats_apart_by_their_bytes(data, kind):
    assert sniff_document(data) == kind
