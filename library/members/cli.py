"""`flask users activation-codes` and `flask users password` (CONTRACT.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from library import audit
from library.auth import accounts
from library.extensions import db
from library.members import activation, slips

WRITERS = {".csv": slips.to_csv, ".xlsx": slips.to_xlsx, ".pdf": slips.to_pdf}


def site_url(override: str | None = None) -> str:
    """Where members activate, as printed on the slips."""
    base = (override or current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        raise click.ClickException(
            "Cần địa chỉ của trang để in lên phiếu: đặt LIBRARY_PUBLIC_URL "
            "(vd. https://tusach.example.vn) hoặc dùng --url.")
    return base + "/kich-hoat"


@click.command("activation-codes")
@click.option("--branch", "branch_code", help="Chỉ chi bộ có mã này.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Tệp ra: .csv, .xlsx hoặc .pdf (phiếu A4 để cắt).")
@click.option("--url", help="Địa chỉ của trang (mặc định LIBRARY_PUBLIC_URL).")
@with_appcontext
def activation_codes(branch_code, out, url):
    """New one-time activation codes for the members without a password.

    Any code issued before to these members stops working.
    """
    path = Path(out)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise click.ClickException("Tệp ra phải là .csv, .xlsx hoặc .pdf")
    address = site_url(url)
    branch = None
    if branch_code:
        branch = accounts.find_branch(branch_code)
        if branch is None:
            raise click.ClickException(f"Không có chi bộ mã {branch_code}")
    issued = activation.issue_many(activation.members_without_password(branch), None, branch)
    data = writer(issued, address)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(data)
    partial.replace(path)
    # Committed only once the file is written: no code dies without its replacement on paper.
    db.session.commit()
    click.echo(f"Đã cấp {len(issued)} mã kích hoạt → {path}")


@click.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Đọc mật khẩu từ dòng đầu của stdin (không có: hỏi, không hiện chữ).")
@with_appcontext
def set_password(username, password_stdin):
    """Set a user's password; every session and API token of that user ends."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"Không có người dùng: {username}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu mới", hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    audit.record("user.password_reset", "user", user.id, user.username, how="cli")
    db.session.commit()
    click.echo(f"Đã đặt mật khẩu cho {user.username}; mọi phiên đăng nhập và token API đã bị thu hồi.")
