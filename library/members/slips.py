"""Activation slips as files: A4 pages of cut-out slips (PDF), and the same as XLSX and CSV.

Each slip names the member (full name, username, branch), the code, until when it works
and where to go. Nothing here knows HTTP or the database: the slips come in as a list.

Language: the people who read a sheet get it in `language` ("vi" or "en"): the web passes
the signed-in person's, the CLI Vietnamese unless told. The XLSX header row, the sheet's
name, the PDF's labels and instructions and the dates follow it. The CSV is read by
programs (CONTRACT.md): its header keeps the same machine names, `username`, `code`...,
in every language, and its dates stay dd/mm/yyyy.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytz

from library.i18n import format_date, gettext as _, in_language, timezone_name
from library.members.activation import Slip
from library.translatable import N_

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("username", "code", "full_name", "branch", "expires", "url")
SHEET_HEADERS = (N_("Tên đăng nhập"), N_("Mã kích hoạt"), N_("Họ và tên"), N_("Chi bộ"),
                 N_("Hết hạn"), N_("Địa chỉ kích hoạt"))
# Two columns of five slips on A4: large enough to read, small enough for 16,000 members.
COLUMNS, ROWS = 2, 5
PAGE_W, PAGE_H, MARGIN = 210, 297, 10



def local_date(moment: datetime) -> str:
    """dd/mm/yyyy in the library's zone, LIBRARY_TIMEZONE (stored times are naive UTC)."""
    zone = pytz.timezone(timezone_name())
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime("%d/%m/%Y")


def _cell(text: str) -> str:
    # A full name like "=HYPERLINK(...)" must stay text in a spreadsheet.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(slips: list[Slip], url: str, date=local_date):
    for slip in slips:
        yield (slip.username, slip.code, _cell(slip.full_name), slip.branch,
               date(slip.expires_at), url)


def to_csv(slips: list[Slip], url: str, language: str = "vi") -> bytes:
    """Machine column names and dd/mm/yyyy whatever `language`: programs read this one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_rows(slips, url))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(slips: list[Slip], url: str, language: str = "vi") -> bytes:
    # imported here: a web worker that never makes spreadsheets does not carry the module
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    with in_language(language):
        sheet = book.create_sheet(_("Mã kích hoạt"))
        for column, width in zip("ABCDEF", (22, 18, 32, 14, 14, 40)):
            sheet.column_dimensions[column].width = width
        sheet.append([_(header) for header in SHEET_HEADERS])
        for row in _rows(slips, url, format_date):  # 04/12/2026, or 4 Dec 2026
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(slips: list[Slip], url: str, language: str = "vi", title: str | None = None) -> bytes:
    """A4 pages of slips with dashed cut lines, in `language`; set in DejaVu Sans."""
    with in_language(language) as code:
        return _pdf(slips, url, title or _("Tủ sách điện tử"), code)


def _pdf(slips: list[Slip], url: str, title: str, language: str) -> bytes:
    from fpdf import FPDF  # fpdf2 and fontTools: ~30 MB a web worker would carry for nothing

    from library.demo.pdfbook import subset_font

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(_("Phiếu mã kích hoạt"))
    pdf.set_lang(language)  # screen readers and copy-paste read the labels in their language
    pdf.add_font("DejaVu", "", str(subset_font("DejaVuSans.ttf")))
    pdf.add_font("DejaVu", "B", str(subset_font("DejaVuSans-Bold.ttf")))
    width = (PAGE_W - 2 * MARGIN) / COLUMNS
    height = (PAGE_H - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, slip in enumerate(slips):
        if index % per_page == 0:
            pdf.add_page()
            _cut_lines(pdf, width, height)
        place = index % per_page
        x = MARGIN + (place % COLUMNS) * width
        y = MARGIN + (place // COLUMNS) * height
        _slip(pdf, slip, x + 5, y + 4, width - 10, url, title)
    if not slips:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(0, 10, _("Không có thành viên nào cần mã kích hoạt."))
    return bytes(pdf.output())


def _fitted(pdf, text: str, room: float) -> str:
    """At most about two lines of name: a slip's height is fixed (ten to a page)."""
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _cut_lines(pdf, width: float, height: float) -> None:
    pdf.set_draw_color(160, 160, 160)
    pdf.set_dash_pattern(dash=2, gap=2)
    for column in range(1, COLUMNS):
        x = MARGIN + column * width
        pdf.line(x, MARGIN, x, PAGE_H - MARGIN)
    for row in range(1, ROWS):
        y = MARGIN + row * height
        pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    pdf.set_dash_pattern()


def _slip(pdf, slip: Slip, x: float, y: float, width: float, url: str, title: str) -> None:
    # Each line starts again at the slip's left edge: the margin is moved there for the slip.
    pdf.set_left_margin(x)
    pdf.set_xy(x, y)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(width, 5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 4, _("Phiếu kích hoạt tài khoản — lần đăng nhập đầu tiên"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 5, _fitted(pdf, slip.full_name or slip.username, width * 1.85),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    if slip.branch:
        pdf.cell(width, 4.5, _("Chi bộ: {branch}", branch=slip.branch), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 4.5, _("Tên đăng nhập: {username}", username=slip.username), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(width, 7, slip.code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 3.8, _("Mã dùng một lần, hết hạn ngày {date}.", date=format_date(slip.expires_at)),
             new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 3.8, _("Mở {url}, nhập tên đăng nhập, mã trên và tự đặt mật khẩu.", url=url),
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_left_margin(MARGIN)
