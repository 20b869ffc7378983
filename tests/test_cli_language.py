"""The command line in the language its environment names (library/cli_language.py): English
for `LANG=en_US.UTF-8`, Vietnamese when the environment names no language; what programs read
(`imported:` / `duplicate:` / `failed:`, the token alone on the last line, exit status) the same."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from library import cli_language
from tests.books import FILLER, epub_book, pdf_book

REPO = Path(__file__).resolve().parent.parent
ENGLISH = {"LANG": "en_US.UTF-8"}
NO_LANGUAGE = {"LANG": "C.UTF-8"}
# Letters only Vietnamese writes (lower and upper case): English output has none of them
# outside what users wrote themselves (a title between « », a file name).
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
                        re.IGNORECASE)


def vietnamese_outside_users_words(text: str) -> list[str]:
    """Lines of `text` with Vietnamese letters once titles («…») are set aside."""
    return [line for line in text.splitlines() if VIETNAMESE.search(re.sub(r"«[^»]*»", "", line))]


@pytest.mark.parametrize("environ, expected", [
    ({}, "vi"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "vi_VN.UTF-8"}, "vi"),
    ({"LANG": "C.UTF-8"}, "vi"),
    ({"LANG": "POSIX"}, "vi"),
    ({"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, "en"),        # C names no language: passed over
    ({"LC_MESSAGES": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, "vi"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "vi_VN.UTF-8"}, "en"),
    ({"LANGUAGE": "fr:en:vi", "LANG": "vi_VN.UTF-8"}, "en"),  # gettext's list, first one we have
    ({"LANGUAGE": "", "LANG": "en"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "vi"),
])
def test_the_language_is_the_first_the_environment_names_in_gettexts_order(environ, expected):
    assert cli_language.language(environ) == expected


def test_import_speaks_english_and_keeps_its_keywords(app, runner, tmp_path):
    folder = tmp_path / "shelf"
    folder.mkdir()
    pdf_book(folder / "a.pdf", [FILLER, "Nghị quyết về xây dựng chỉnh đốn Đảng."])
    epub_book(folder / "b.epub")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")

    result = runner.invoke(args=["books", "import", str(folder)], env=ENGLISH)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["imported", "imported", "failed"]
    assert lines[0].startswith("imported: a.pdf → #") and "«Sổ tay sinh hoạt chi bộ»" in lines[0]
    assert lines[2].startswith("failed: broken.pdf — ")
    assert lines[-1] == "In all 3 files: 2 imported, 0 duplicate, 1 failed."
    assert not vietnamese_outside_users_words(result.output), result.output

    again = runner.invoke(args=["books", "import", str(folder / "a.pdf")], env=ENGLISH)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("duplicate: a.pdf — duplicate of «Sổ tay sinh hoạt chi bộ» (id ")
    assert again.output.splitlines()[-1] == "In all 1 file: 0 imported, 1 duplicate, 0 failed."

    # The demo on a library that has books: no demo books, its accounts, said in English.
    demo = runner.invoke(args=["demo"], env=ENGLISH)
    assert demo.exit_code == 0, demo.output
    assert demo.output.splitlines() == [
        "The library already has books: no demo books added.",
        "Demo accounts (password: tusach-demo-2026): quantri (admin), thuvien (librarian), "
        "bithu (secretary), dangvien (member)"]

    # The same duplicate, for an environment that names no language: Vietnamese.
    vietnamese = runner.invoke(args=["books", "import", str(folder / "a.pdf")], env=NO_LANGUAGE)
    assert vietnamese.exit_code == 0
    assert vietnamese.output.startswith("duplicate: a.pdf — trùng lặp với «Sổ tay sinh hoạt chi bộ»")
    assert vietnamese.output.splitlines()[-1] == "Tổng cộng 1 tệp: 0 đã nhập, 1 trùng lặp, 0 lỗi."


def test_users_and_index_commands_in_english_with_the_token_alone_on_the_last_line(runner, tmp_path):
    created = runner.invoke(args=["users", "create", "ann", "--role", "member", "--branch", "cb01"],
                            env=ENGLISH)
    assert created.exit_code == 0, created.output
    assert created.output == "Created ann (member, branch cb01; no password, API tokens only).\n"
    refused = runner.invoke(args=["users", "create", "ann", "--role", "member"], env=ENGLISH)
    assert refused.exit_code == 1
    assert "ann" in refused.output and not vietnamese_outside_users_words(refused.output), refused.output
    missing = runner.invoke(args=["users", "token", "nobody"], env=ENGLISH)
    assert missing.exit_code == 1 and "No such user: nobody" in missing.output

    for env, heading in ((ENGLISH, "New API token for ann"), (NO_LANGUAGE, "Token API mới cho ann")):
        token = runner.invoke(args=["users", "token", "ann"], env=env)
        assert token.exit_code == 0
        first, last = token.output.splitlines()
        assert first.startswith(heading)
        assert re.fullmatch(r"tsdt_[\w-]{20,}", last)

    for env, words in ((ENGLISH, "Password set for ann; all of their sessions and API tokens have been revoked."),
                       (NO_LANGUAGE, "Đã đặt mật khẩu cho ann; mọi phiên đăng nhập và token API đã bị thu hồi.")):
        password = runner.invoke(args=["users", "password", "ann", "--password-stdin"],
                                 input="a long enough passphrase 2026\n", env=env)
        assert password.exit_code == 0 and password.output == words + "\n", password.output
    runner.invoke(args=["users", "create", "bob", "--role", "member", "--branch", "cb01"])
    slips = tmp_path / "codes.csv"
    codes = runner.invoke(args=["users", "activation-codes", "--out", str(slips), "--url", "https://tusach.example.vn"],
                          env=ENGLISH)
    assert codes.exit_code == 0 and codes.output == f"Issued 1 activation code → {slips}\n", codes.output
    runner.invoke(args=["users", "create", "cuc", "--role", "member", "--branch", "cb01"])
    sheet = tmp_path / "codes.xlsx"
    made = runner.invoke(args=["users", "activation-codes", "--out", str(sheet), "--url", "https://tusach.example.vn"],
                         env=ENGLISH)
    assert made.exit_code == 0, made.output
    from openpyxl import load_workbook

    header = [c.value for c in next(load_workbook(sheet).active.iter_rows())]
    assert "Username" in header and "Tên đăng nhập" not in header  # the sheet speaks as the lines do
    wrong = runner.invoke(args=["users", "activation-codes", "--out", str(tmp_path / "codes.txt"),
                                "--url", "https://tusach.example.vn"], env=ENGLISH)
    assert wrong.exit_code == 1 and "The output file must be .csv, .xlsx or .pdf" in wrong.output
    assert runner.invoke(args=["lists", "overdue"], env=ENGLISH).output == "No one is overdue.\n"
    assert runner.invoke(args=["books", "ocr"], env=ENGLISH).output == "No pages need recognising.\n"
    rebuilt = runner.invoke(args=["index", "rebuild"], env=ENGLISH)
    assert rebuilt.exit_code == 0 and rebuilt.output == "Indexed 0 books.\n"
    assert runner.invoke(args=["index", "rebuild"], env=NO_LANGUAGE).output == "Đã lập chỉ mục 0 cuốn sách.\n"


def test_a_scan_imported_and_recognised_in_english(app, runner, tmp_path):
    from tests.ocr_books import scanned_book

    app.config.update(OCR_DPI=200, OCR_TIMEOUT_SECONDS=60)
    imported = runner.invoke(args=["books", "import", str(scanned_book(tmp_path / "scan.pdf"))], env=ENGLISH)
    assert imported.exit_code == 0, imported.output
    first = imported.output.splitlines()[0]
    assert first.startswith("imported: scan.pdf → #") and first.endswith(
        " — scan, 2 pages queued for text recognition"), imported.output
    book_id = int(first.split("#")[1].split()[0])
    recognised = runner.invoke(args=["books", "ocr", "--book", str(book_id)], env=ENGLISH)
    assert recognised.exit_code == 0, recognised.output
    assert recognised.output.startswith(f"#{book_id}: 2/2 pages recognised, 0 failed, average confidence ")
    assert not vietnamese_outside_users_words(recognised.output), recognised.output
    unknown = runner.invoke(args=["books", "ocr", "--book", "999"], env=ENGLISH)
    assert unknown.exit_code == 2 and "No book with id 999." in unknown.output


def test_index_check_says_what_differs_in_english_with_plurals(app, runner, tmp_path):
    pdf_book(tmp_path / "a.pdf")
    assert runner.invoke(args=["books", "import", str(tmp_path / "a.pdf")]).exit_code == 0
    books = Path(app.config["BOOKS_DIR"])
    (books / ("0" * 32 + ".pdf")).write_bytes(b"%PDF-1.4 left behind by a killed import")

    found = runner.invoke(args=["index", "check", "--grace", "0"], env=ENGLISH)
    assert found.exit_code == 1, found.output
    assert f"1 file that belongs to no book: {'0' * 32}.pdf" in found.output
    assert "Run again with --repair to fix it." in found.output
    assert found.output.splitlines()[-1] == "Books in the database: 1; in the index: 1."
    assert not vietnamese_outside_users_words(found.output), found.output

    repaired = runner.invoke(args=["index", "check", "--repair", "--grace", "0"], env=ENGLISH)
    assert "Moved 1 file that belongs to no book into quarantine/" in repaired.output, repaired.output
    shutil.rmtree(app.config["INDEX_DIR"])
    lost = runner.invoke(args=["index", "check"], env=ENGLISH)
    assert lost.exit_code == 1 and "Search index: missing — needs rebuilding" in lost.output, lost.output
    assert runner.invoke(args=["index", "check", "--repair"], env=ENGLISH).exit_code == 0
    clean = runner.invoke(args=["index", "check"], env=NO_LANGUAGE)
    assert clean.exit_code == 0
    assert clean.output.splitlines() == ["1 sách trong cơ sở dữ liệu, 1 sách trong chỉ mục.",
                                         "Không có gì cần sửa: tệp, cơ sở dữ liệu và chỉ mục khớp nhau."]


def test_backup_refusal_and_help_follow_the_environment(app, runner, tmp_path):
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "something").write_text("not a backup")
    refused = runner.invoke(args=["backup", str(occupied)], env=ENGLISH)
    assert refused.exit_code == 1 and f"Backup folder {occupied} is not empty" in refused.output

    # Help is translated when shown: the same process shows it in each language in turn.
    english = runner.invoke(args=["books", "import", "--help"], env=ENGLISH)
    assert "Import PDF/EPUB files or whole folders" in english.output
    assert "Shelf code (slug), e.g. hoc-tap-lam-theo-bac." in english.output
    assert not vietnamese_outside_users_words(english.output), english.output
    vietnamese = runner.invoke(args=["books", "import", "--help"], env=NO_LANGUAGE)
    assert "Nhập các tệp PDF/EPUB hoặc cả thư mục" in vietnamese.output
    assert "Mã tủ sách (slug)" in vietnamese.output
    listing = runner.invoke(args=["--help"], env=ENGLISH)
    assert "Accounts: create users, issue API tokens." in listing.output
    assert "Import and manage books." in listing.output


def test_the_web_keeps_its_own_choice_whatever_the_servers_environment(app, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    page = app.test_client().get("/dang-nhap")
    assert page.status_code == 200 and 'lang="vi"' in page.get_data(as_text=True)


def _instance_env(root: Path) -> dict:
    return {
        "LIBRARY_DATABASE_URL": f"sqlite:///{root / 'library.db'}",
        "LIBRARY_BOOKS_DIR": str(root / "books"),
        "LIBRARY_INDEX_DIR": str(root / "index"),
        "LIBRARY_INSTANCE_DIR": str(root / "instance"),
        "LIBRARY_SECRET_KEY": "cli-language-test-secret-key-0123456789abcdef",
    }


def _flask(root: Path, env_extra: dict, *args) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` on the instance under `root`, with only `env_extra`'s locale."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LIBRARY_") and k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(_instance_env(root), **env_extra)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240)


def test_a_real_flask_process_speaks_its_environments_language(tmp_path):
    root = tmp_path / "instance"
    book = pdf_book(tmp_path / "so-tay.pdf", [FILLER])
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")

    english = _flask(root, ENGLISH, "books", "import", str(book), str(broken))
    assert english.returncode == 1, english.stderr
    out = english.stdout.splitlines()
    assert out[0].startswith("imported: so-tay.pdf → #1 «") and out[1].startswith("failed: hong.pdf — ")
    assert out[-1] == "In all 2 files: 1 imported, 0 duplicate, 1 failed."
    assert not vietnamese_outside_users_words(english.stdout + english.stderr), english.stdout + english.stderr

    unset = _flask(root, {}, "books", "import", str(book))  # no LANG at all: Vietnamese
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.startswith("duplicate: so-tay.pdf — trùng lặp với «")
    assert unset.stdout.splitlines()[-1] == "Tổng cộng 1 tệp: 0 đã nhập, 1 trùng lặp, 0 lỗi."

    helped = _flask(root, {"LANGUAGE": "en", "LANG": "C.UTF-8"}, "users", "create", "--help")
    words = " ".join(helped.stdout.split())  # as Click wraps it to the terminal's width
    assert helped.returncode == 0
    assert "Create an account; the branch is created when its code is new." in words
    assert "Read the password from the first line of stdin; without it: API tokens only." in words


def test_the_worker_says_when_it_starts_and_stops_in_english(tmp_path):
    root = tmp_path / "instance"
    assert _flask(root, ENGLISH, "index", "rebuild").returncode == 0  # the schema, before the worker
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(_instance_env(root), **ENGLISH)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=REPO, env=env,
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        started = ""
        while "Background process on host" not in started:
            line = worker.stderr.readline()
            assert line, f"the worker ended without saying it started: {started}"
            started += line
        assert "Background process on host" in started and ": 1 thread." in started, started
        worker.send_signal(signal.SIGTERM)
        rest = worker.communicate(timeout=20)[1]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert "Stopping: finishing the current step, then returning the tasks to the queue…" in rest, rest
    assert rest.rstrip().endswith("Stopped."), rest
