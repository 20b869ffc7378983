"""The audit log as people read it: actions and details in words, in their language, with
links to the book, account, branch, list or job concerned."""
import re

import pytest

from library import audit
from library.auth.accounts import create_user, find_user
from library.extensions import db
from library.ingest import import_file
from tests.books import pdf_book


@pytest.fixture
def events(app, admin_client, tmp_path):
    with app.app_context():
        book = import_file(pdf_book(tmp_path / "a.pdf", title="Sổ tay đảng viên"), shelf="chi-bo-dien-tu")
        librarian = create_user("thuthu", "librarian", password="mot-cau-de-nho-2026")
        member = create_user("dangvien7", "member", branch_code="CB-7")
        admin = find_user("quantri1")
        audit.record("book.upload", "book", book.book_id, "Sổ tay đảng viên", actor=librarian,
                     job=3, file="so-tay.pdf", warnings=[])
        audit.record("book.edit", "book", book.book_id, "Sổ tay đảng viên", actor=librarian,
                     changes={"year": [2020, 2021], "shelf": ["chi-bo-dien-tu", "hoc-tap-lam-theo-bac"]})
        audit.record("user.role", "user", member.id, "dangvien7", actor=admin, old="member", new="secretary")
        audit.record("book.delete", "book", 999, "Sách đã xoá", actor=librarian, file="cu.pdf")
        audit.record("auth.login_failed", "user", None, "ai-do", actor=None)
        db.session.commit()
        return {"book": book.book_id, "member": member.id}


def rows(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]


def test_actions_and_details_read_in_words_with_links(admin_client, events):
    page = admin_client.get("/quan-tri/nhat-ky").text
    text = "\n".join(rows(page))
    assert "book.upload" not in text and "job:" not in text and "changes" not in text
    assert re.search(r"thuthu Đã tải sách lên Sổ tay đảng viên Mã tác vụ nhập: 3 Tên tệp: so-tay.pdf", text), text
    assert "Đã sửa thông tin sách Sổ tay đảng viên Năm: 2020 → 2021 Tủ sách: Chi bộ điện tử → " \
           "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh" in text
    assert "Đã đổi vai trò dangvien7 Vai trò: Đảng viên → Bí thư chi bộ" in text
    assert "dòng lệnh Đăng nhập không thành công ai-do" in text  # recorded outside a request
    # Links: the book's edit page, the job, the account; none for a deleted book.
    assert f'href="/thu-vien/sach/{events["book"]}"' in page
    assert 'href="/thu-vien/tac-vu/3"' in page
    assert f'href="/quan-tri/nguoi-dung/{events["member"]}"' in page
    assert 'href="/thu-vien/sach/999"' not in page and "Sách đã xoá" in page
    # The filter offers the actions in words too, and still filters by code.
    assert '<option value="book.upload">Đã tải sách lên</option>' in page
    only = rows(admin_client.get("/quan-tri/nhat-ky?action=user.role").text)
    assert len(only) == 2 and "Đã đổi vai trò" in only[1]  # the header row, one event


def test_the_log_in_english(admin_client, events):
    admin_client.set_cookie("lang", "en")
    text = "\n".join(rows(admin_client.get("/quan-tri/nhat-ky").text))
    assert "Uploaded a book" in text and "Import job: 3" in text and "File name: so-tay.pdf" in text
    assert "Changed role" in text and "Role: Member → Branch secretary" in text
    assert "Đã tải sách lên" not in text
