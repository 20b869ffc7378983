"""Formula injection through CSV and XLSX exports: every cell quoted, and no part a spreadsheet
could split off (on , ; | tab or a line break) starting with = + - @ tab or CR."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from library.spreadsheet import csv_text, safe_cell
from tests.conftest import bearer, make_user, sign_in
from tests.test_admin_import import HEADER_VI, run_import
from tests.test_reading_list_data import add_book

ATTACK = "x;=cmd|' /C calc'!A0"
DANGER = tuple("=+-@\t\r")


def splittable_parts(raw: str) -> list[str]:
    """Every piece a spreadsheet with any regional setting could make a cell of."""
    return [part.strip(' "\u00a0') for part in re.split(r"[,;|\t\r\n]", raw)]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t'=1"), ("\r=1", "'\r'=1"),
    (ATTACK, "x;'=cmd|' /C calc'!A0"), ("a, -2", "a, '-2"), ("a|@b", "a|'@b"),
    ("dòng 1\n=HYPERLINK(\"x\")", "dòng 1\n'=HYPERLINK(\"x\")"),
    ("Nguyễn Văn A", "Nguyễn Văn A"), ("5-3", "5-3"), ("a=b", "a=b"), ("", ""),
])
def test_safe_cell_defuses_every_splittable_part(value, expected):
    assert safe_cell(value) == expected


def test_numbers_and_none_stay_as_they_are():
    assert [safe_cell(v) for v in (5, -3, 2.5, None)] == [5, -3, 2.5, None]


def test_csv_text_quotes_every_cell():
    text = csv_text([[1, ATTACK, "Hà Nội"]], header=["dong", "ten", "noi"])
    assert text.startswith("\ufeff")
    assert text.lstrip("\ufeff").splitlines() == [
        '"dong","ten","noi"', '"1","x;\'=cmd|\' /C calc\'!A0","Hà Nội"']
    assert not any(part.startswith(DANGER) for part in splittable_parts(text.lstrip("\ufeff")))


def test_reading_list_report_csv_and_xlsx_against_a_semicolon_name(app):
    """The attack as it happened: a full name with ';' reached the branch report unquoted."""
    make_user(app, "bithu.a", "secretary", "CB-A")
    make_user(app, "dv.x", "member", "CB-A")
    from library.auth.models import User
    from library.extensions import db
    with app.app_context():
        db.session.query(User).filter_by(username="dv.x").one().full_name = ATTACK
        db.session.commit()
    book = add_book(app, "Sách", "pdf", 3)
    response = app.test_client().post("/api/reading-lists", headers=bearer(app, "bithu.a"), json={
        "title": "-Danh sách;@x", "due": "2030-01-01", "items": [{"book_id": book}],
        "assign": {"branch": "CB-A"}})
    list_id = response.get_json()["id"]
    client = sign_in(app.test_client(), app, "bithu.a")
    raw = client.get(f"/danh-sach-doc/{list_id}/bao-cao.csv").data.decode("utf-8-sig")
    assert all(line.startswith('"') and line.endswith('"') for line in raw.splitlines())
    assert not any(part.startswith(DANGER) for part in splittable_parts(raw))
    rows = list(csv.reader(io.StringIO(raw)))
    assert any(row[1] == "x;'=cmd|' /C calc'!A0" for row in rows)
    sheet = load_workbook(io.BytesIO(client.get(f"/danh-sach-doc/{list_id}/bao-cao.xlsx").data)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "x;'=cmd|' /C calc'!A0" in cells and "'-Danh sách;'@x" in cells
    assert not any(part.startswith(DANGER) for c in cells for part in splittable_parts(c))


def test_member_import_report_csv_against_a_semicolon_username(app, admin_client):
    data = "\n".join([HEADER_VI, '"ok;=1+2",A,CB-01,member', "b,B,CB-01,'x;-2+3'"]).encode()
    report = run_import(app, admin_client, data)
    raw = admin_client.get(f"/quan-tri/nhap-thanh-vien/{report['id']}/bao-cao.csv") \
        .get_data(as_text=True).lstrip("\ufeff")
    assert all(line.startswith('"') for line in raw.splitlines())
    assert not any(part.startswith(DANGER) for part in splittable_parts(raw))
