"""`flask users activation-codes` and `flask users password` (CONTRACT.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from library import audit
from library.auth import accounts
from library.cli_language import N_, _, command, language, ngettext, option, said
from library.extensions import db
from library.members import activation, slips

WRITERS = {".csv": slips.to_csv, ".xlsx": slips.to_xlsx, ".pdf": slips.to_pdf}


def site_url(override: str | None = None) -> str:
    """Where members activate, as printed on the slips."""
    base = (override or current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        raise click.ClickException(_(
            "Cần địa chỉ của trang để in lên phiếu: đặt LIBRARY_PUBLIC_URL "
            "(vd. https://tusach.example.vn) hoặc dùng --url."))
    return base + "/kich-hoat"


@command("activation-codes", help=N_(
    "Mã kích hoạt dùng một lần, mới, cho các đảng viên chưa có mật khẩu.\n\n"
    "Mã đã cấp trước đây cho những người này hết hiệu lực."))
@option("--branch", "branch_code", help=N_("Chỉ chi bộ có mã này."))
@option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
        help=N_("Tệp ra: .csv, .xlsx hoặc .pdf (phiếu A4 để cắt)."))
@option("--url", help=N_("Địa chỉ của trang (mặc định LIBRARY_PUBLIC_URL)."))
@with_appcontext
def activation_codes(branch_code, out, url):
    """New one-time activation codes for the members without a password.

    Any code issued before to these members stops working.
    """
    path = Path(out)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise click.ClickException(_("Tệp ra phải là .csv, .xlsx hoặc .pdf"))
    address = site_url(url)
    branch = None
    if branch_code:
        branch = accounts.find_branch(branch_code)
        if branch is None:
            raise click.ClickException(_("Không có chi bộ mã {code}", code=branch_code))
    issued = activation.issue_many(activation.members_without_password(branch), None, branch)
    data = writer(issued, address, language=language())  # the operator's, like every line here
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(data)
    partial.replace(path)
    # Committed only once the file is written: no code dies without its replacement on paper.
    db.session.commit()
    click.echo(ngettext("Đã cấp {num} mã kích hoạt → {path}", "Đã cấp {num} mã kích hoạt → {path}",
                        len(issued), path=path))


@command("password", help=N_(
    "Đặt mật khẩu của một người dùng; mọi phiên đăng nhập và token API của người đó kết thúc."))
@click.argument("username")
@option("--password-stdin", is_flag=True,
        help=N_("Đọc mật khẩu từ dòng đầu của stdin (không có: hỏi, không hiện chữ)."))
@with_appcontext
def set_password(username, password_stdin):
    """Set a user's password; every session and API token of that user ends."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(_("Không có người dùng: {username}", username=username))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Mật khẩu mới"), hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(said(str(exc))) from None
    audit.record("user.password_reset", "user", user.id, user.username, how="cli")
    db.session.commit()
    click.echo(_("Đã đặt mật khẩu cho {username}; mọi phiên đăng nhập và token API đã bị thu hồi.",
                 username=user.username))
