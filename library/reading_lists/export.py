"""A report as CSV or XLSX for the branch meeting: one row per member, a column per item.

Both take the same table (`table`), so the two files always carry the same figures. Every
text cell goes through library.spreadsheet: a member's name must not become a formula on the
secretary's computer, whatever separator the spreadsheet splits the CSV on.
"""
from __future__ import annotations

import io

from library.i18n import format_date, timezone_name, to_local
from library.i18n import gettext as _
from library.reading_lists.report import Report
from library.spreadsheet import CSV_TYPE, csv_text, safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


safe_text = safe_cell  # the name the reading-list code and its tests know


def percent(value: float) -> int:
    return round(value * 100)


def table(report: Report) -> list[list]:
    """Header row, then one row per member: name, branch, each item's %, done, due, late.

    A marked item shows "đã đánh dấu" after its percentage; numbers stay numbers."""
    header = [_("Tài khoản"), _("Họ tên"), _("Chi bộ")]
    header += [f"{info.item.position}. {info.title}" + (f" ({info.scope})" if info.scope else "")
               for info in report.items]
    header += [_("Số mục đã xong"), _("Hoàn thành"), _("Hạn"), _("Quá hạn"),
               _("Đọc lần cuối ({zone})", zone=timezone_name())]
    rows = [header]
    for row in report.rows:
        branch = row.branch_code
        if row.moved:
            branch += " (" + _("Đã chuyển khỏi chi bộ") + (
                f" {format_date(row.moved_at)}" if row.moved_at else "") + ")"
        line = [row.username, row.full_name, branch]
        for cell in row.cells:
            text = f"{percent(cell.progress)}%"
            if cell.marked:
                text += " " + _("(đã đánh dấu đọc)")
            elif cell.complete:
                text += " ✓"
            line.append(text)
        line += [f"{row.done}/{len(row.cells)}", _("Có") if row.complete else _("Chưa"),
                 row.due.isoformat() if row.due else "", _("Có") if row.overdue else "",
                 to_local(row.last_seen).strftime("%Y-%m-%d %H:%M") if row.last_seen else ""]
        rows.append(line)
    totals = [_("Tổng"), "", ""]
    totals += [f"{info.complete_count}/{len(report.rows)}" for info in report.items]
    totals += [f"{report.complete_count}/{len(report.rows)}", "", "", str(report.overdue_count), ""]
    rows.append(totals)
    return rows


def to_csv(report: Report) -> bytes:
    return csv_text(table(report)).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    # imported here: a web worker that never makes spreadsheets does not carry the module
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = _("Báo cáo")
    sheet.append([safe_text(report.reading_list.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    lines = table(report)
    for line in lines:
        sheet.append([safe_text(value) for value in line])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    late = PatternFill("solid", fgColor="FDEAEA")
    overdue_column = len(lines[0]) - 1  # 1-based index of "Quá hạn"
    for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row - 1):
        if row[overdue_column - 1].value:
            for cell in row:
                cell.fill = late
    sheet.freeze_panes = "D3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
