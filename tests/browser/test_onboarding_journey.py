"""The onboarding journey in a real Chromium: the secretary gives a new member a code, the
member opens the first sign-in page, sets a password and is in."""
import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the same rule as the browser fixture: fail unless told to skip
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1", allow_module_level=True)
    pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)

from library.auth.accounts import create_user, find_user
from library.extensions import db

pytestmark = pytest.mark.browser


def test_secretary_issues_a_code_and_the_member_activates(new_context, live_server, browser_helpers):
    with live_server.app.app_context():
        branch = find_user("bithu").branch.code
        create_user("thanhvien.moi", "member", branch_code=branch, full_name="Đỗ Thành Viên Mới")
        db.session.commit()

    secretary = new_context().new_page()
    browser_helpers.sign_in(secretary, "bithu")
    secretary.get_by_role("link", name="Chi bộ của tôi").click()
    row = secretary.locator("tr", has_text="thanhvien.moi")
    expect(row).to_contain_text("Chưa có mã")
    row.get_by_role("button", name="Cấp lại mã", exact=True).click()
    code = secretary.locator(".activation-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    browser_helpers.keep_screenshot(secretary, "onboarding-code")

    member = new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    member.goto("/dang-nhap")
    member.get_by_role("link", name="Lần đầu đăng nhập? Dùng mã kích hoạt").click()
    member.fill("#username", "thanhvien.moi")
    member.fill("#code", code.lower())
    member.fill("#password", "123456789")
    member.fill("#confirm", "123456789")
    member.get_by_role("button", name="Đặt mật khẩu và đăng nhập").click()
    expect(member.locator(".form-error")).to_contain_text("quá phổ biến")
    member.fill("#password", "sen-no-tren-ao-2026")
    member.fill("#confirm", "sen-no-tren-ao-2026")
    member.get_by_role("button", name="Đặt mật khẩu và đăng nhập").click()
    expect(member.locator(".flash")).to_contain_text("Đã đặt mật khẩu")

    secretary.goto(f"/chi-bo/{branch}/thanh-vien")
    expect(secretary.locator("tr", has_text="thanhvien.moi")).to_contain_text("Đã kích hoạt")
