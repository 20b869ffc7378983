"""`flask lists overdue`: who is late with their reading, per branch."""
from __future__ import annotations

import click

from library.cli_language import N_, Group, _, ngettext, pgettext
from library.instance import prepare_current
from library.reading_lists.report import overdue_by_branch

lists_cli = Group("lists", help=N_("Danh sách đọc: theo dõi quá hạn."), callback=prepare_current)


@lists_cli.command("overdue", help=N_(
    "In, theo từng chi bộ, số lượt đảng viên quá hạn một danh sách đọc còn mở và số danh sách."))
def overdue():
    """Print, per branch, the members past due on an open list and how many lists."""
    lines = overdue_by_branch()
    if not lines:
        click.echo(_("Không có ai quá hạn."))
        return
    click.echo("\t".join([pgettext("overdue column", "chi bộ"), pgettext("overdue column", "quá hạn (lượt)"),
                          pgettext("overdue column", "danh sách"), pgettext("overdue column", "tên chi bộ")]))
    for code, name, members, lists in lines:
        click.echo(f"{code}\t{members}\t{lists}\t{name}")
    click.echo(ngettext("Tổng: {late} lượt quá hạn ở {num} chi bộ.", "Tổng: {late} lượt quá hạn ở {num} chi bộ.",
                        len(lines), late=sum(line[2] for line in lines)))
