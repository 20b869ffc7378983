"""Time the member import: 16,000 rows (400 branches), as CSV and as XLSX, first import and re-import.

    PYTHONPATH=. .venv/bin/python bench/member_import_bench.py [--rows 16000]

Runs against a fresh SQLite file in a temporary folder; prints seconds per step and rows/s.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from library import create_app
from library.instance import prepare
from library.admin.member_import import import_members
from library.auth.accounts import create_user
from library.extensions import db

HEADER = ["Tên đăng nhập", "Họ và tên", "Mã chi bộ", "Vai trò"]


def rows(count: int, prefix: str):
    for n in range(count):
        yield [f"{prefix}{n:05d}", f"Nguyễn Thị Phương {n}", f"CB-{prefix}-{n % 400:03d}",
               "bí thư" if n % 40 == 0 else "đảng viên"]


def as_csv(count, prefix) -> bytes:
    return "\n".join([",".join(HEADER)] + [",".join(r) for r in rows(count, prefix)]).encode()


def as_xlsx(count, prefix) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows(count, prefix):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=16000)
    count = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        app = prepare(create_app({"SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                                  "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
                                  "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index")}))
        with app.app_context():
            admin = create_user("bench-admin", "admin", branch_code="cb00")
            db.session.commit()
            print(f"{count} rows, 400 branches, SQLite at {root}")
            for kind, make in (("CSV", as_csv), ("XLSX", as_xlsx)):
                data = make(count, kind.lower())
                for step in ("first import", "re-import"):
                    start = time.perf_counter()
                    report, _ = import_members(data, admin, f"bench.{kind.lower()}")
                    db.session.commit()
                    took = time.perf_counter() - start
                    print(f"{kind:4} {step:12} {len(data) / 1e6:5.1f} MB  {took:6.2f} s  "
                          f"{count / took:8.0f} rows/s  {report.counts}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
