"""Sign-in that cannot be turned against members: the throttle per account and address,
sign-in audit entries with the client's address, password rehash, reader chapter addresses
that end with the session."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import select

from library.audit import AuditEvent
from library.auth import passwords
from library.auth.accounts import create_user, find_user
from library.extensions import db
from tests.test_reader_epub import chapter_url, hostile  # noqa: F401  (the fixture)

GOOD = "mot-cau-de-nho-2026"


def sign_in(client, username, password, addr="10.0.0.1"):
    page = client.get("/dang-nhap", environ_base={"REMOTE_ADDR": addr}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def add(app, *names):
    with app.app_context():
        for name in names:
            create_user(name, "member", branch_code="CB-A", password=GOOD)
        db.session.commit()


def test_a_stranger_cannot_lock_a_member_out(app):
    add(app, "dangvien")
    stranger = app.test_client()
    statuses = [sign_in(stranger, "dangvien", f"doan-{n}", addr="203.0.113.9").status_code for n in range(8)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    blocked = sign_in(stranger, "dangvien", GOOD, addr="203.0.113.9")
    assert blocked.status_code == 429
    # It says how long: "thử lại sau 15 phút" (or seconds, as the throttle counts them).
    assert re.search(r"thử lại sau \d+ (giây|phút)", blocked.get_data(as_text=True))
    # The member, from the meeting site's address, signs in at once.
    assert sign_in(app.test_client(), "dangvien", GOOD, addr="198.51.100.7").status_code == 302


def test_forty_members_behind_one_address_some_mistyping(app):
    names = [f"dv{n:02d}" for n in range(40)]
    add(app, *names)
    site = "198.51.100.20"
    for n, name in enumerate(names):
        client = app.test_client()
        for _ in range(n % 4):  # up to three typos each: 60 failures from one address
            assert sign_in(client, name, "sai-mat-khau", addr=site).status_code == 200
        assert sign_in(client, name, GOOD, addr=site).status_code == 302, name


def test_sign_ins_are_audited_with_the_client_address(app):
    add(app, "dangvien")
    client = app.test_client()
    sign_in(client, "dangvien", "sai-mat-khau", addr="192.0.2.44")
    sign_in(client, "khong-co-ai", "sai-mat-khau", addr="192.0.2.45")
    sign_in(client, "dangvien", GOOD, addr="192.0.2.46")
    with app.app_context():
        rows = [(e.action, e.target_label, e.ip, e.actor_name)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert rows == [("auth.login_failed", "dangvien", "192.0.2.44", "ẩn danh"),
                    ("auth.login_failed", "khong-co-ai", "192.0.2.45", "ẩn danh"),
                    ("auth.login", "dangvien", "192.0.2.46", "dangvien")]


def test_an_older_hash_is_upgraded_at_sign_in(app):
    add(app, "dangvien")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(GOOD)
    with app.app_context():
        find_user("dangvien").password_hash = weak
        db.session.commit()
    assert sign_in(app.test_client(), "dangvien", GOOD).status_code == 302
    with app.app_context():
        upgraded = find_user("dangvien").password_hash
    assert upgraded != weak and "m=19456,t=2,p=1" in upgraded
    assert not passwords.needs_rehash(upgraded)


def test_reader_chapter_addresses_stop_working_after_sign_out(app, client, anonymous, hostile):  # noqa: F811
    src = chapter_url(client, hostile)
    assert anonymous.get(src).status_code == 200
    page = client.get("/tai-khoan").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/dang-xuat", data={"csrf_token": token})
    assert anonymous.get(src).status_code == 404


def test_the_wait_is_said_in_words():
    from library.auth.accounts import Throttled, wait_words

    assert [wait_words(s) for s in (1, 45, 60, 61, 900, 3600, 3900)] == [
        "1 giây", "45 giây", "1 phút", "2 phút", "15 phút", "1 giờ", "1 giờ 5 phút"]
    assert str(Throttled(900)) == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
