"""The administrator's journey in a real Chromium: a branch, a secretary, an imported sheet,
its report and the audit log."""
import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the same rule as the browser fixture: fail unless told to skip
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1", allow_module_level=True)
    pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)

pytestmark = pytest.mark.browser

SHEET = ("Tên đăng nhập,Họ và tên,Mã chi bộ,Vai trò\n"
         "journey.an,Nguyễn Văn An,CB-HANH-TRINH,đảng viên\n"
         "journey.binh,Trần Thị Bình,CB-HANH-TRINH,\n"
         "Sai Tên,Lê Sai,CB-HANH-TRINH,đảng viên\n")


def test_admin_creates_a_branch_and_a_secretary_imports_members_and_reads_the_log(
        page, browser_helpers, tmp_path):
    browser_helpers.sign_in(page, "quantri")
    page.get_by_role("link", name="Quản trị", exact=True).click()
    expect(page.get_by_role("heading", name="Quản trị")).to_be_visible()

    page.locator(".admin-nav").get_by_role("link", name="Chi bộ").click()
    page.fill("#code", "CB-HANH-TRINH")
    page.fill("#name", "Chi bộ Hành trình")
    page.get_by_role("button", name="Tạo chi bộ").click()
    expect(page.locator("table.branches")).to_contain_text("Chi bộ Hành trình")

    page.locator(".admin-nav").get_by_role("link", name="Người dùng").click()
    page.get_by_role("link", name="Tạo tài khoản").first.click()
    page.fill("#username", "journey.bithu")
    page.fill("#full_name", "Phạm Bí Thư")
    page.select_option("#role", "secretary")
    page.fill("#branch_code", "CB-HANH-TRINH")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="journey.bithu")).to_be_visible()
    expect(page.locator("dl.meta")).to_contain_text("Bí thư chi bộ")

    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(page.locator(".one-time-password")).to_have_text(
        re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){3}$"))

    sheet = tmp_path / "danh-sach.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    page.locator(".admin-nav").get_by_role("link", name="Nhập danh sách").click()
    page.set_input_files("#sheet", str(sheet))
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.get_by_role("heading", name="Kết quả nhập danh sách")).to_be_visible()
    expect(page.locator(".count-created strong")).to_have_text("2")
    expect(page.locator(".count-error strong")).to_have_text("1")
    expect(page.locator("tr.row-error")).to_contain_text("tên đăng nhập không hợp lệ")

    page.locator(".admin-nav").get_by_role("link", name="Người dùng").click()
    page.fill("#q", "tran thi binh")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("table.users tbody tr")).to_have_count(1)
    expect(page.locator("table.users")).to_contain_text("chưa đặt mật khẩu")

    # The log reads in words, with links to what each event concerns.
    page.locator(".admin-nav").get_by_role("link", name="Nhật ký").click()
    log = page.locator("table.audit")
    newest = log.locator("tbody tr").first
    expect(newest.locator("td.action")).to_have_text("Đã nhập danh sách thành viên")
    expect(newest.locator("td.details")).to_contain_text("Kết quả: Tạo mới 2, Lỗi 1")
    for words in ("Đã đặt lại mật khẩu", "Đã tạo tài khoản", "Đã tạo chi bộ"):
        expect(log.locator("td.action", has_text=words).first).to_be_visible()
    expect(log).not_to_contain_text("user.password_reset")
    expect(log.locator("tr", has_text="Đã đặt lại mật khẩu").first.locator("td.details")).to_contain_text(
        "Cách đặt: tạo tự động")
    page.select_option("#action", label="Đã tạo chi bộ")
    page.get_by_role("button", name="Lọc").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    with page.expect_navigation():
        log.get_by_role("link", name="CB-HANH-TRINH").click()
    expect(page.locator("#name")).to_have_value("Chi bộ Hành trình")
    page.go_back()
    browser_helpers.keep_screenshot(page, "admin-audit-log")
