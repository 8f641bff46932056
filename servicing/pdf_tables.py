"""Large tabular reports as PDF, written directly (no HTML engine): tens of thousands of
rows in a few seconds and in flat memory.

``write_table(out, title=..., subtitle=..., columns=..., rows=..., row_count=...)`` writes
a Letter-landscape PDF to the binary stream ``out``: the title and subtitle, then a table
whose header row repeats on every page, zebra-striped rows and a "Page k of n" footer.
``table_pdf(...)`` returns the same as bytes.

- ``columns``: ``Column(label, width, align)``; ``width`` is a share of the table width
  (relative to the other columns), ``align`` is "left" or "right" (numbers).
- ``rows``: any iterable (a query's ``iterator()``) of sequences of strings, one per
  column; it is consumed once, one page at a time. ``row_count`` must be its length: the
  footer says "of n" on the first page already (rows per page are fixed: one line a row).
- A cell too wide for its column is cut with an ellipsis; header labels wrap to at most
  three lines. ``empty_text`` stands in the table when there are no rows.

The text is set in the base-14 Helvetica and Helvetica-Bold fonts (not embedded) with
WinAnsiEncoding: a character it cannot encode prints as "?", a control character as a
space. Widths come from the fonts' standard AFM metrics (the tables below), so right
alignment and cutting are exact without reading any font file.
"""

from __future__ import annotations

import io
import itertools
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, Literal

# Advance widths (1/1000 em) of WinAnsi codes 0x20-0xFF, from Adobe's core 14 AFM files
# (Helvetica.afm, Helvetica-Bold.afm); 0 where WinAnsi defines no character.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,  # 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,  # 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,  # 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,  # 0xa0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,  # 0xb0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  # 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  # 0xd0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,  # 0xe0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,  # 0xf0
)  # fmt: skip
_HELVETICA_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,  # 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,  # 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,  # 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,  # 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,  # 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,  # 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,  # 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,  # 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,  # 0xa0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,  # 0xb0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  # 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  # 0xd0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,  # 0xe0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,  # 0xf0
)  # fmt: skip
# Indexed by byte: the control codes are printed as spaces (``_CONTROLS``).
REGULAR = (278,) * 32 + _HELVETICA
BOLD = (278,) * 32 + _HELVETICA_BOLD
_CONTROLS = bytes.maketrans(bytes(range(32)) + b"\x7f", b" " * 33)
ELLIPSIS = b"\x85"  # WinAnsi "…"

LETTER_LANDSCAPE = (792.0, 612.0)
MARGIN = 34.0  # 1.2 cm
BODY_SIZE = 7.0
ROW_HEIGHT = 10.0
PAD = 3.0  # a cell's left and right padding
HEADER_LINE = 8.5
HEADER_LINES = 3
INK = (0.114, 0.137, 0.188)  # #1d2330
TITLE_INK = (0.122, 0.306, 0.475)  # #1f4e79
MUTED = (0.4, 0.439, 0.522)  # #667085
HEADER_FILL = (0.953, 0.961, 0.973)  # #f3f5f8
STRIPE_FILL = (0.973, 0.976, 0.984)
RULE = (0.8, 0.82, 0.85)


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float = 1.0  # a share of the table width
    align: Literal["left", "right"] = "left"


def encode(text: str) -> bytes:
    """``text`` in WinAnsi: "?" for what it cannot encode, a space for a control code."""
    raw = text.encode() if text.isascii() else text.encode("cp1252", "replace")
    return raw.translate(_CONTROLS)


def text_width(raw: bytes, size: float, widths: Sequence[int] = REGULAR) -> float:
    """The width in points of WinAnsi ``raw`` set at ``size`` points."""
    return sum(map(widths.__getitem__, raw)) * size / 1000


def fit(raw: bytes, room: float, size: float, widths: Sequence[int] = REGULAR) -> bytes:
    """``raw`` cut with an ellipsis so that it is at most ``room`` points wide."""
    limit = room * 1000 / size
    if sum(map(widths.__getitem__, raw)) <= limit:
        return raw
    limit -= widths[ELLIPSIS[0]]
    used = 0
    for end, code in enumerate(raw):
        used += widths[code]
        if used > limit:
            return raw[:end].rstrip(b" ") + ELLIPSIS if limit > 0 else b""
    return raw  # not reached: the whole did not fit


def _literal(raw: bytes) -> bytes:
    """A PDF literal string."""
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _color(rgb: tuple[float, float, float], op: bytes) -> bytes:
    return b"%.3f %.3f %.3f %s\n" % (*rgb, op)


def _show(x: float, y: float, raw: bytes) -> bytes:
    return b"1 0 0 1 %.2f %.2f Tm %s Tj\n" % (x, y, _literal(raw))


def _wrap(label: str, room: float, size: float) -> list[bytes]:
    """A header label in lines of at most ``room`` points (at most ``HEADER_LINES``)."""
    lines: list[bytes] = []
    for word in encode(label).split():
        if lines and text_width(lines[-1] + b" " + word, size, BOLD) <= room:
            lines[-1] += b" " + word
        else:
            lines.append(word)
    if len(lines) > HEADER_LINES:
        lines[HEADER_LINES - 1 :] = [b" ".join(lines[HEADER_LINES - 1 :])]
    return [fit(line, room, size, BOLD) for line in lines] or [b""]


class _Layout:
    """Where everything goes on a page: fixed for a table, so every page holds as many
    rows (``per_page``) and the drawing common to all pages is made once (``frame``)."""

    def __init__(self, columns: Sequence[Column], title: str, subtitle: str, page_size):
        self.width, self.height = page_size
        left, right = MARGIN, self.width - MARGIN
        scale = (right - left) / sum(c.width for c in columns)
        self.cells, x = [], left
        for column in columns:
            self.cells.append((x, column.width * scale, column.align == "right"))
            x += column.width * scale
        self.left, self.right = left, right
        title_y = self.height - MARGIN - 11
        subtitle_y = title_y - 12
        table_top = subtitle_y - 8
        labels = [
            _wrap(c.label, w - 2 * PAD, BODY_SIZE)
            for c, (_, w, _) in zip(columns, self.cells, strict=True)
        ]
        header = max(len(lines) for lines in labels) * HEADER_LINE + 4
        self.body_top = table_top - header
        self.footer_y = MARGIN
        self.per_page = int((self.body_top - MARGIN - ROW_HEIGHT) // ROW_HEIGHT)
        self.frame = b"".join(
            [
                _color(HEADER_FILL, b"rg"),
                b"%.2f %.2f %.2f %.2f re f\n" % (left, self.body_top, right - left, header),
                _color(RULE, b"RG"),
                b"0.6 w %.2f %.2f m %.2f %.2f l S\n" % (left, self.body_top, right, self.body_top),
                b"BT\n/F2 13 Tf\n",
                _color(TITLE_INK, b"rg"),
                _show(left, title_y, fit(encode(title), right - left, 13, BOLD)),
                b"/F1 7.5 Tf\n",
                _color(MUTED, b"rg"),
                _show(left, subtitle_y, fit(encode(subtitle), right - left, 7.5)),
                b"/F2 7 Tf\n",
                _color(INK, b"rg"),
                *(
                    _show(self._x(i, line, BOLD), table_top - 2 - HEADER_LINE * (n + 0.8), line)
                    for i, lines in enumerate(labels)
                    for n, line in enumerate(lines)
                ),
                b"ET\n",
            ]
        )

    def _x(self, index: int, raw: bytes, widths: Sequence[int] = REGULAR) -> float:
        x, width, right = self.cells[index]
        return x + width - PAD - text_width(raw, BODY_SIZE, widths) if right else x + PAD

    def stripes(self, rows: int) -> bytes:
        """Every other row shaded, from the second."""
        rects = [
            b"%.2f %.2f %.2f %.2f re\n"
            % (self.left, self.body_top - (n + 1) * ROW_HEIGHT, self.right - self.left, ROW_HEIGHT)
            for n in range(1, rows, 2)
        ]
        return _color(STRIPE_FILL, b"rg") + b"".join(rects) + b"f\n" if rects else b""

    def cell_maker(self):
        """``cell(index, text)``: the cell's text object, drawn on the row's baseline."""
        room = [(width - 2 * PAD) * 1000 / BODY_SIZE for _, width, _ in self.cells]

        # Bounded: repeated values ("0.00", "yes") hit, unique ones (loan numbers) pass.
        @lru_cache(maxsize=4096)
        def cell(index: int, text: str) -> bytes:
            if not text:
                return b""
            x, width, right = self.cells[index]
            raw = encode(text)
            units = sum(map(REGULAR.__getitem__, raw))
            if units > room[index]:
                raw = fit(raw, width - 2 * PAD, BODY_SIZE)
                units = sum(map(REGULAR.__getitem__, raw))
            x += width - PAD - units * BODY_SIZE / 1000 if right else PAD
            return b"1 0 0 1 %.2f 0 Tm %s Tj\n" % (x, _literal(raw))

        return cell

    def page(self, rows: list, cell, number: int, pages: int, empty_text: str) -> bytes:
        """A page's content: the frame, then each row as one text object moved down a row
        by the next (``cm``), so a cell's drawing does not depend on its row."""
        baseline = self.body_top - ROW_HEIGHT + 3
        parts = [self.frame, self.stripes(len(rows)), b"/F1 7 Tf\n", _color(INK, b"rg")]
        if not rows:
            text = fit(encode(empty_text), self.right - self.left - 2 * PAD, BODY_SIZE)
            parts += b"BT\n", _color(MUTED, b"rg"), _show(self.left + PAD, baseline, text), b"ET\n"
        parts.append(b"q 1 0 0 1 0 %.2f cm\n" % baseline)
        indices = range(len(self.cells))
        for row in rows:
            parts += b"BT\n", b"".join(map(cell, indices, row)), _NEXT_ROW
        parts += b"Q\nBT\n", self.footer(number, pages), b"ET\n"
        return b"".join(parts)

    def footer(self, page: int, pages: int) -> bytes:
        raw = b"Page %d of %d" % (page, pages)
        x = self.right - text_width(raw, BODY_SIZE)
        return _color(MUTED, b"rg") + _show(x, self.footer_y, raw)


_NEXT_ROW = b"ET\n1 0 0 1 0 %.2f cm\n" % -ROW_HEIGHT


class _PdfFile:
    """Numbered objects written as they come, then the cross-reference table."""

    def __init__(self, out: BinaryIO):
        self.out, self.position, self.offsets = out, 0, {}
        self.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def stream(self, number: int, data: bytes) -> None:
        packed = zlib.compress(data, 6)
        self.object(
            number,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed),
        )

    def close(self, *, root: int, info: int) -> None:
        size = max(self.offsets) + 1
        start = self.position
        entries = [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)]
        self.write(b"xref\n0 %d\n0000000000 65535 f \n%s" % (size, b"".join(entries)))
        self.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (size, root, info))
        self.write(b"startxref\n%d\n%%%%EOF\n" % start)


# Objects 1-4; page k (from 0) is objects FIRST_PAGE + 2k (contents) and + 2k + 1 (page).
CATALOG, PAGES, RESOURCES, INFO, FIRST_PAGE = 1, 2, 3, 4, 5


def write_table(
    out: BinaryIO,
    *,
    title: str,
    subtitle: str = "",
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    row_count: int,
    empty_text: str = "No rows.",
    page_size: tuple[float, float] = LETTER_LANDSCAPE,
) -> int:
    """Write the table to ``out`` as a PDF; return the number of pages."""
    layout = _Layout(columns, title, subtitle, page_size)
    pages = max(1, -(-row_count // layout.per_page))
    cell = layout.cell_maker()
    pdf = _PdfFile(out)
    rows = iter(rows)
    for page in range(pages):
        chunk = list(itertools.islice(rows, layout.per_page))
        if len(chunk) != min(layout.per_page, row_count - page * layout.per_page):
            raise ValueError(f"rows do not match row_count={row_count}")
        pdf.stream(FIRST_PAGE + 2 * page, layout.page(chunk, cell, page + 1, pages, empty_text))
        pdf.object(
            FIRST_PAGE + 2 * page + 1,
            b"<< /Type /Page /Parent %d 0 R /Resources %d 0 R /Contents %d 0 R >>"
            % (PAGES, RESOURCES, FIRST_PAGE + 2 * page),
        )
    if next(rows, None) is not None:
        raise ValueError(f"rows do not match row_count={row_count}")
    _finish(pdf, pages, title, page_size)
    return pages


def _finish(pdf: _PdfFile, pages: int, title: str, page_size: tuple[float, float]) -> None:
    kids = b" ".join(b"%d 0 R" % (FIRST_PAGE + 2 * k + 1) for k in range(pages))
    pdf.object(
        PAGES,
        b"<< /Type /Pages /Count %d /MediaBox [0 0 %.2f %.2f] /Kids [%s] >>"
        % (pages, *page_size, kids),
    )
    pdf.object(
        RESOURCES,
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
        b" /Encoding /WinAnsiEncoding >> /F2 << /Type /Font /Subtype /Type1"
        b" /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >> >> >>",
    )
    # Document information strings: UTF-16BE with its byte order mark.
    pdf.object(INFO, b"<< /Title <%s> /Producer (servicing.pdf_tables) >>" % _utf16(title))
    pdf.object(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
    pdf.close(root=CATALOG, info=INFO)


def _utf16(text: str) -> bytes:
    return (b"\xfe\xff" + text.encode("utf-16-be")).hex().upper().encode()


def table_pdf(**kwargs) -> bytes:
    """``write_table`` into bytes."""
    out = io.BytesIO()
    write_table(out, **kwargs)
    return out.getvalue()
