"""The tabular PDF writer: read back with pypdf (text) and from its content streams
(positions)."""

import io
import re

import pytest
from pypdf import PdfReader

from servicing.pdf_tables import (
    BODY_SIZE,
    Column,
    encode,
    fit,
    table_pdf,
    text_width,
    write_table,
)

COLUMNS = (Column("Loan", 10), Column("Borrower name", 20), Column("Balance", 8, "right"))


def pdf(rows, **kwargs):
    rows = list(rows)
    data = table_pdf(
        title="Test report #7",
        subtitle="Business date 2026-01-15",
        columns=kwargs.pop("columns", COLUMNS),
        rows=rows,
        row_count=len(rows),
        **kwargs,
    )
    assert data.startswith(b"%PDF-1.4")
    return PdfReader(io.BytesIO(data), strict=True)


def shown(page) -> list[tuple[float, bytes]]:
    """(x, text) of each cell drawn by a ``1 0 0 1 x 0 Tm (text) Tj``."""
    stream = page.get_contents().get_data()
    return [(float(x), t) for x, t in re.findall(rb"1 0 0 1 ([\d.]+) 0 Tm \((.*?)\) Tj", stream)]


def test_a_table_shows_its_title_header_rows_and_page_footer():
    reader = pdf([("L0000001", "Ann Lee", "1234.50"), ("L0000002", "Bob Roe", "0.00")])
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Test report #7", "Business date 2026-01-15", "Loan", "Borrower name"):
        assert expected in text
    assert "L0000001" in text and "1234.50" in text and "Bob Roe" in text
    assert "Page 1 of 1" in text
    assert reader.metadata.title == "Test report #7"


def test_the_header_repeats_on_every_page():
    rows = [(f"L{n:07d}", "Ann Lee", f"{n}.00") for n in range(200)]
    reader = pdf(rows)
    pages = len(reader.pages)
    assert pages > 1
    second = reader.pages[1].extract_text()
    assert "Borrower name" in second and "Balance" in second
    assert f"Page 2 of {pages}" in second
    last = reader.pages[-1].extract_text()
    assert "L0000199" in last and "L0000000" not in last
    assert sum(t.count("Ann Lee") for t in (p.extract_text() for p in reader.pages)) == 200


def test_an_empty_table_says_so():
    reader = pdf([], empty_text="Nothing to report.")
    text = reader.pages[0].extract_text()
    assert "Nothing to report." in text and "Borrower name" in text and "Page 1 of 1" in text


def test_characters_outside_winansi_print_as_question_marks():
    reader = pdf([("L1", "José 王 Smith\nJr.", "1.00")])
    text = reader.pages[0].extract_text()
    assert "José ? Smith Jr." in text  # é is WinAnsi; the newline prints as a space
    assert encode("a€b😀") == b"a\x80b?"


def test_long_text_is_cut_with_an_ellipsis_to_fit_its_column():
    long = "Refund of surplus within 30 days of the analysis, " * 3
    reader = pdf([("L1", long, "1.00")])
    text = reader.pages[0].extract_text()
    cut = next(line for line in text.splitlines() if line.startswith("L1 "))
    assert "Refund of surplus" in cut and cut.split(" 1.00")[0].endswith("…")
    assert long.strip() not in text
    # It fits its column: 20 of 38 shares of the frame, less the padding.
    frame = 792 - 2 * 34
    drawn = next(t for _, t in shown(reader.pages[0]) if t.startswith(b"Refund"))
    assert text_width(drawn, BODY_SIZE) <= frame * 20 / 38 - 6


def test_numbers_are_right_aligned():
    reader = pdf([("L1", "Ann", "1.00"), ("L2", "Bob", "123456.78")])
    cells = {t: x for x, t in shown(reader.pages[0])}
    right = [cells[t] + text_width(t, BODY_SIZE) for t in (b"1.00", b"123456.78")]
    assert right[0] == pytest.approx(right[1], abs=0.01)
    assert cells[b"L1"] == cells[b"L2"]  # left-aligned from the same x


def test_fit_cuts_at_the_room_and_keeps_what_fits():
    assert fit(b"short", 100, 7) == b"short"
    cut = fit(b"a rather long piece of text", 40, 7)
    assert cut.endswith(b"\x85") and text_width(cut, 7) <= 40
    assert fit(b"anything", 1, 7) == b""  # not even the ellipsis fits


def test_rows_must_match_the_row_count():
    with pytest.raises(ValueError):
        write_table(io.BytesIO(), title="t", columns=COLUMNS, rows=[("a", "b", "c")], row_count=2)
    with pytest.raises(ValueError):
        write_table(io.BytesIO(), title="t", columns=COLUMNS, rows=[("a", "b", "c")], row_count=0)
