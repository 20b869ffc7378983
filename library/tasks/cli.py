"""`flask --app wsgi worker [--threads N]`: background work in a process of its own."""
import logging
import signal

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from library.cli_language import N_, _, command, ngettext, option


@command("worker", help=N_(
    "Chạy các tác vụ nền (nhập sách, nhận dạng chữ, chỉ mục, sửa chữa) trong tiến trình này."))
@option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
        help=N_("Số tác vụ chạy cùng lúc trong tiến trình này."))
@with_appcontext
def worker(threads):
    """Background work (ingest, recognition, indexing, repairs) in this process until stopped."""
    from library.instance import prepare
    from library.tasks import host_id
    from library.tasks.runner import Runner

    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.config["IS_WORKER"] = True
    prepare(app)  # the schema, the key, a new instance's index: this process does background work
    runner = Runner(app, threads)
    app.extensions["task_runner"] = runner

    def stop(signum, frame):
        click.echo(_("Đang dừng: làm xong bước đang làm rồi trả tác vụ về hàng đợi…"), err=True)
        runner.stopping.set()
        runner.wake_only()

    # Started before the handlers: start() clears `stopping`, which would lose a SIGTERM that
    # came in between. The line below says the worker runs and a stop will be graceful.
    runner.start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(ngettext("Tiến trình nền trên máy {host}: {num} luồng.", "Tiến trình nền trên máy {host}: {num} luồng.",
                        threads, host=host_id(app)), err=True)
    runner.join()
    click.echo(_("Đã dừng."), err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
