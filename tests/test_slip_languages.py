"""Activation slips in the language of whoever prints them: the XLSX header row and the PDF's
labels and instructions follow the signed-in person's language on the web, Vietnamese from
the CLI unless told; the CSV keeps its machine column names in every language."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pypdf
from openpyxl import load_workbook

from library.members import slips
from library.members.activation import Slip
from tests.test_onboarding import CODE_RE, csrf, people
from tests.conftest import sign_in

ENGLISH_HEADERS = ["Username", "Activation code", "Full name", "Branch", "Expires", "Activation address"]
VIETNAMESE_HEADERS = ["Tên đăng nhập", "Mã kích hoạt", "Họ và tên", "Chi bộ", "Hết hạn", "Địa chỉ kích hoạt"]


def _slip() -> Slip:
    return Slip(username="an", full_name="Nguyễn Văn An", branch="CB-A", code="ABCD-EFGH-JKMN",
                expires_at=datetime(2026, 12, 10, 20, 0))  # 11/12 in Hồ Chí Minh City


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _secretary(app, language: str | None):
    people(app)
    client = sign_in(app.test_client(), app, "bithu.a")
    if language:
        client.set_cookie("lang", language)
    return client, csrf(client, "/chi-bo/CB-A/thanh-vien")


def test_web_sheets_follow_the_signed_in_persons_language(app):
    client, token = _secretary(app, "en")
    pdf = client.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "pdf", "csrf_token": token})
    text = _pdf_text(pdf.data)
    assert "Account activation slip" in text and "Username: an" in text and "Branch: CB-A" in text
    assert "Open http://localhost/kich-hoat, enter the username" in text and "One-time code, valid until" in text
    assert "Tên đăng nhập" not in text and "Chi bộ:" not in text and CODE_RE.search(text)
    assert pypdf.PdfReader(io.BytesIO(pdf.data)).metadata.title == "Activation slips"

    xlsx = client.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "xlsx", "csrf_token": token})
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = [[cell.value for cell in row] for row in book.active.iter_rows()]
    assert rows[0] == ENGLISH_HEADERS and book.active.title == "Activation code"
    assert sorted(r[0] for r in rows[1:]) == ["an", "binh"]
    assert all("/" not in r[4] and r[4].split()[1] in ("Dec", "Jan") for r in rows[1:])  # "17 Dec 2026"

    # The CSV is for programs: the same column names whatever the language.
    sheet = client.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "csv", "csrf_token": token})
    header = next(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert header == list(slips.CSV_COLUMNS) and {"username", "code"} <= set(header)


def test_web_sheets_in_vietnamese_by_default(app):
    client, token = _secretary(app, None)
    text = _pdf_text(client.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "pdf", "csrf_token": token}).data)
    assert "Phiếu kích hoạt tài khoản" in text and "Tên đăng nhập: an" in text and "Username" not in text
    xlsx = client.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "xlsx", "csrf_token": token})
    assert [c.value for c in next(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows())] == VIETNAMESE_HEADERS


def test_one_member_slip_follows_the_language_too(app):
    client, token = _secretary(app, "en")
    with app.app_context():
        from library.auth.accounts import find_user
        an = find_user("an").id
    pdf = client.post(f"/chi-bo/CB-A/thanh-vien/{an}/cap-ma", data={"csrf_token": token, "format": "pdf"})
    assert pdf.mimetype == "application/pdf" and "Username: an" in _pdf_text(pdf.data)


def test_sheet_functions_take_a_language_the_cli_defaults_to_vietnamese(app, tmp_path):
    with app.app_context():
        english_pdf = _pdf_text(slips.to_pdf([_slip()], "https://t.vn/kich-hoat", language="en"))
        vietnamese_pdf = _pdf_text(slips.to_pdf([_slip()], "https://t.vn/kich-hoat"))
        english_xlsx = slips.to_xlsx([_slip()], "https://t.vn/kich-hoat", language="en")
        empty = _pdf_text(slips.to_pdf([], "https://t.vn/kich-hoat", language="en"))
        csv_en = slips.to_csv([_slip()], "https://t.vn/kich-hoat", language="en")
        csv_vi = slips.to_csv([_slip()], "https://t.vn/kich-hoat")
    assert "valid until 11 Dec 2026." in english_pdf and "Username: an" in english_pdf
    assert "hết hạn ngày 11/12/2026." in vietnamese_pdf and "Tên đăng nhập: an" in vietnamese_pdf
    (tmp_path / "s.xlsx").write_bytes(english_xlsx)
    rows = [[c.value for c in row] for row in load_workbook(tmp_path / "s.xlsx").active.iter_rows()]
    assert rows == [ENGLISH_HEADERS, ["an", "ABCD-EFGH-JKMN", "Nguyễn Văn An", "CB-A", "11 Dec 2026",
                                      "https://t.vn/kich-hoat"]]
    assert "No member needs an activation code." in empty
    assert csv_en == csv_vi and b"11/12/2026" in csv_vi  # programs get one CSV
    # An unknown language is Vietnamese, the source.
    with app.app_context():
        assert "Tên đăng nhập: an" in _pdf_text(slips.to_pdf([_slip()], "https://t.vn", language="fr"))
