"""`flask users create` and `flask users token` (CONTRACT.md)."""
from __future__ import annotations

import sys

import click

from library import audit
from library.auth import accounts
from library.auth.models import ROLES
from library.auth.tokens import issue_token
from library.cli_language import N_, Group, _, option, said
from library.extensions import db
from library.instance import prepare_current

users_cli = Group("users", help=N_("Tài khoản: tạo người dùng, cấp token API."),
                  callback=prepare_current)  # the schema first, on a new instance too


@users_cli.command("create", help=N_("Tạo một tài khoản; chi bộ được tạo khi mã của nó còn mới."))
@click.argument("username")
@option("--role", required=True, type=click.Choice(ROLES), help=N_("Vai trò."))
@option("--branch", "branch_code", help=N_("Mã chi bộ (tạo mới nếu chưa có)."))
@option("--full-name", default="", help=N_("Họ và tên."))
@option("--password-stdin", is_flag=True,
        help=N_("Đọc mật khẩu từ dòng đầu của stdin; không có: chỉ dùng được token."))
def create_user(username, role, branch_code, full_name, password_stdin):
    """Create a user; the branch is created when its code is new."""
    # From stdin, never an option: options show up in `ps` and shell history.
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user = accounts.create_user(username, role, branch_code=branch_code,
                                    full_name=full_name, password=password)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(said(str(exc))) from None
    audit.record("user.create", "user", user.id, user.username, role=user.role,
                 branch=user.branch.code if user.branch else None,
                 password="set" if password else "none")
    db.session.commit()
    values = {"username": user.username, "role": user.role,
              "branch": user.branch.code if user.branch else None}
    if user.password_hash:
        line = (_("Đã tạo {username} ({role}, chi bộ {branch}; có mật khẩu).", **values) if user.branch
                else _("Đã tạo {username} ({role}; có mật khẩu).", **values))
    else:
        line = (_("Đã tạo {username} ({role}, chi bộ {branch}; không có mật khẩu, chỉ dùng token).",
                  **values) if user.branch
                else _("Đã tạo {username} ({role}; không có mật khẩu, chỉ dùng token).", **values))
    click.echo(line)


@users_cli.command("token", help=N_("In một token API mới của người dùng, một mình trên dòng cuối."))
@click.argument("username")
@option("--name", default="cli", show_default=True, help=N_("Tên token, để nhận ra sau này."))
def create_token(username, name):
    """Print a new API token for the user, alone on the last line."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(_("Không có người dùng: {username}", username=username))
    if not user.active:
        raise click.ClickException(_("Tài khoản đã bị khoá: {username}", username=user.username))
    raw = issue_token(user, name)
    db.session.commit()
    click.echo(_("Token API mới cho {username} (chỉ hiện một lần, hãy lưu lại):", username=user.username))
    click.echo(raw)
