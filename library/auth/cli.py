"""`flask users create` and `flask users token` (CONTRACT.md)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from library import audit
from library.auth import accounts
from library.auth.models import ROLES
from library.auth.tokens import issue_token
from library.extensions import db
from library.instance import prepare_current

users_cli = AppGroup("users", help="Tài khoản: tạo người dùng, cấp token API.",
                     callback=prepare_current)  # the schema first, on a new instance too


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Vai trò.")
@click.option("--branch", "branch_code", help="Mã chi bộ (tạo mới nếu chưa có).")
@click.option("--full-name", default="", help="Họ và tên.")
@click.option("--password-stdin", is_flag=True,
              help="Đọc mật khẩu từ dòng đầu của stdin; không có: chỉ dùng được token.")
def create_user(username, role, branch_code, full_name, password_stdin):
    """Create a user; the branch is created when its code is new."""
    # From stdin, never an option: options show up in `ps` and shell history.
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user = accounts.create_user(username, role, branch_code=branch_code,
                                    full_name=full_name, password=password)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    audit.record("user.create", "user", user.id, user.username, role=user.role,
                 branch=user.branch.code if user.branch else None,
                 password="set" if password else "none")
    db.session.commit()
    branch = f", chi bộ {user.branch.code}" if user.branch else ""
    how = "có mật khẩu" if user.password_hash else "không có mật khẩu, chỉ dùng token"
    click.echo(f"Đã tạo {user.username} ({user.role}{branch}; {how}).")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="Tên token, để nhận ra sau này.")
def create_token(username, name):
    """Print a new API token for the user, alone on the last line."""
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"Không có người dùng: {username}")
    if not user.active:
        raise click.ClickException(f"Tài khoản đã bị khoá: {user.username}")
    raw = issue_token(user, name)
    db.session.commit()
    click.echo(f"Token API mới cho {user.username} (chỉ hiện một lần, hãy lưu lại):")
    click.echo(raw)
