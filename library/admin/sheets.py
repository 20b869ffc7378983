"""Member sheets (CSV or XLSX) read into rows of text, refusing what is not a sane sheet.

Knows nothing of users: it finds the header, maps Vietnamese or English column names to
fields, and turns every cell into clean NFC text, whatever its type in the file.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from library.vietnamese import clean_text, fold
from library.translatable import N_
from library.i18n import gettext as _

MAX_CELL = 1000  # longer cells are cut here; the row check reports them as too long anyway
MAX_COLUMNS = 50
# An XLSX is a zip: its parts, unpacked, must stay small, or a tiny upload could fill memory.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 2000

# Column names, compared folded (no diacritics, lower case, single spaces).
ALIASES = {
    "username": ("username", "user name", "user", "login", "ten dang nhap", "tai khoan",
                 "ten tai khoan"),
    "full_name": ("full name", "fullname", "name", "ho va ten", "ho ten", "ten", "ten day du"),
    "branch": ("branch", "branch code", "branch id", "ma chi bo", "chi bo", "ma chi bo dang"),
    "role": ("role", "vai tro", "quyen"),
    # Recognised so that it can be refused loudly: passwords do not travel in sheets.
    "password": ("password", "mat khau"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


class SheetError(ValueError):
    """The file as a whole cannot be read; the message is for the admin, in Vietnamese."""


@dataclass
class Sheet:
    columns: dict[str, int]  # field -> position in a row
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)
    ignored_columns: list[str] = field(default_factory=list)

    def value(self, cells: list[str], name: str) -> str:
        position = self.columns.get(name)
        return cells[position] if position is not None and position < len(cells) else ""


def header_key(text: str) -> str:
    text = fold(unicodedata.normalize("NFC", text)).strip(" *:")
    for ch in "_-./()":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def cell_text(value) -> str:
    """A cell of any type as the text a person sees: 1001.0 -> '1001', a date -> '2026-01-31'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()  # a date cell reads back as midnight
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    return clean_text(str(value)[:MAX_CELL]).replace("\n", " ").strip()


def read_sheet(data: bytes, max_rows: int) -> Sheet:
    """A CSV (UTF-8, comma, semicolon or tab) or XLSX sheet, told apart by content."""
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(N_("Tệp Excel .xls cũ không được hỗ trợ: hãy lưu thành .xlsx hoặc CSV UTF-8."))
    else:
        rows = _csv_rows(data)
    return _sheet(rows, max_rows)


def _sheet(rows, max_rows: int) -> Sheet:
    sheet = None
    for number, raw in rows:
        cells = [cell_text(v) for v in raw[:MAX_COLUMNS]]
        if not any(cells):
            continue
        if sheet is None:
            sheet = _header(cells)
            continue
        if len(sheet.rows) >= max_rows:
            raise SheetError(_("Tệp có hơn {max} dòng dữ liệu: hãy chia thành nhiều tệp.", max=max_rows))
        sheet.rows.append((number, cells))
    if sheet is None:
        raise SheetError(N_("Tệp trống: cần một dòng tiêu đề (username, full name, branch, role)."))
    return sheet


def _header(cells: list[str]) -> Sheet:
    columns: dict[str, int] = {}
    ignored = []
    for position, text in enumerate(cells):
        name = _BY_ALIAS.get(header_key(text))
        if name is None:
            if text:
                ignored.append(text[:100])
            continue
        if name in columns:
            raise SheetError(_("Cột “{column}” xuất hiện hai lần.", column=text[:100]))
        columns[name] = position
    if "username" not in columns:
        raise SheetError(N_("Không thấy cột tên đăng nhập (username / Tên đăng nhập) ở dòng tiêu đề."))
    return Sheet(columns=columns, ignored_columns=ignored)


def _csv_rows(data: bytes):
    if b"\x00" in data[:65536]:
        raise SheetError(N_("Tệp không phải CSV hay XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(N_("Tệp CSV phải dùng mã UTF-8 (trong Excel: Lưu thành → “CSV UTF-8”).")) from None
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the list separator is a comma (Vietnamese Windows settings).
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        start = 1
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SheetError(_("Tệp CSV lỗi ở dòng {line}: {problem}", line=reader.line_num, problem=exc)) from None


def _xlsx_rows(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise SheetError(N_("Tệp XLSX hỏng hoặc không phải XLSX.")) from None
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > MAX_ENTRIES or unpacked > MAX_UNPACKED or any(
            e.file_size > 1024 * 1024 and e.file_size > MAX_RATIO * max(e.compress_size, 1)
            for e in entries):
        raise SheetError(N_("Tệp XLSX quá lớn khi giải nén: hãy chia thành nhiều tệp."))
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # some writers declare a wrong size; read to the end
                for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                    yield number, list(values)
            finally:
                workbook.close()
    except SheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a malformed file
        raise SheetError(_("Không đọc được tệp XLSX ({problem}).", problem=type(exc).__name__)) from None
