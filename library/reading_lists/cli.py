"""`flask lists overdue`: who is late with their reading, per branch."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from library.instance import prepare_current
from library.reading_lists.report import overdue_by_branch

lists_cli = AppGroup("lists", help="Danh sách đọc: theo dõi quá hạn.", callback=prepare_current)


@lists_cli.command("overdue")
def overdue():
    """Print, per branch, the members past due on an open list and how many lists."""
    lines = overdue_by_branch()
    if not lines:
        click.echo("Không có ai quá hạn.")
        return
    click.echo("chi bộ\tquá hạn (lượt)\tdanh sách\ttên chi bộ")
    for code, name, members, lists in lines:
        click.echo(f"{code}\t{members}\t{lists}\t{name}")
    click.echo(f"Tổng: {sum(line[2] for line in lines)} lượt quá hạn ở {len(lines)} chi bộ.")
