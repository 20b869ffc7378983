"""English, complete: every page every kind of visitor can open, rendered in English, shows
no Vietnamese outside the library's own content (titles, names, shelves: what people typed).

Vietnamese is told by its letters (ă â đ ê ô ơ ư and the tone marks). The pages come from the
role × endpoint matrix (tests/test_permission_matrix.py), so a new page is checked as soon as
it is classified there.
"""
from __future__ import annotations

import re

import lxml.html
import pytest
from sqlalchemy import JSON, String, Text, select

from library.extensions import db
from tests.test_permission_matrix import ROUTES, VISITORS, _client, world  # noqa: F401  (fixture)

VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
                        re.IGNORECASE)
# Columns that hold what the service says rather than what people wrote: never excused.
SERVICE_WORDS = ("reason", "error", "warning", "message", "status", "state", "action", "kind")
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "label")


def user_content(app) -> list[str]:
    """Every text people put into the library (titles, names, notes...), longest first."""
    found = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
                       and not any(word in c.name for word in SERVICE_WORDS)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    values = value if isinstance(value, list) else [value]
                    found.update(str(v) for v in values if v and VIETNAMESE.search(str(v)))
    return sorted(found, key=len, reverse=True)


def vietnamese_left(html: str, content: list[str]) -> list[str]:
    tree = lxml.html.fromstring(html)
    for element in tree.xpath('//script|//style|//textarea|//*[@lang="vi"]'):
        element.drop_tree() if element.getparent() is not None else None
    shown = [text for text in tree.itertext()]
    shown += [value for element in tree.iter() if isinstance(element.tag, str)
              for name, value in element.attrib.items()
              if name in SHOWN_ATTRIBUTES or name.startswith("data-label") or
              (name == "value" and element.get("type") in ("submit", "button"))]
    everything = _plain("\n".join(content))
    left = []
    for text in shown:
        # a snippet is a piece of a book's text, cut at "…" and split by highlights
        for part in re.split(r"[…·]", text):
            if not VIETNAMESE.search(part) or _plain(part) in everything:
                continue
            for piece in content:  # a line that mixes words of ours with a title, a name...
                part = part.replace(piece, "")
            if VIETNAMESE.search(part):
                left.append(" ".join(text.split())[:120])
                break
    return left


def _plain(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" ·—–-")


def html_pages(visitor: str):
    for name, row in sorted(ROUTES.items()):
        if row.method == "GET" and row.expect[visitor] == 200 and "{victim}" not in row.path:
            yield name, row


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_is_english_for_every_visitor(world, visitor):  # noqa: F811
    app, ids, _ = world
    content = user_content(app)
    client, _ = _client(app, visitor)
    client.set_cookie("lang", "en")
    problems = []
    for name, row in html_pages(visitor):
        response = client.get(row.path.format(**ids))
        response.close()  # file responses hold their file open
        if not response.mimetype == "text/html":
            continue
        assert response.status_code == 200, f"{name}: {response.status_code}\n{response.get_data(as_text=True)[:2000]}"
        left = vietnamese_left(response.get_data(as_text=True), content)
        problems += [f"{name}: {text}" for text in dict.fromkeys(left)]
    assert not problems, f"{len(problems)} Vietnamese texts in English pages:\n" + "\n".join(problems)


def test_the_check_sees_vietnamese_and_excuses_what_people_wrote():
    html = ('<p>Tải lên</p><p title="Xoá">x</p><p>Sổ tay sinh hoạt · 2021</p><p lang="vi">Tiếng Việt</p>'
            '<p><span>…đảng viên <mark>chi bộ</mark>…</span></p>')
    content = ["Sổ tay sinh hoạt", "Nghị quyết về đảng viên chi bộ"]
    assert vietnamese_left(html, content) == ["Tải lên", "Xoá"]


def test_failures_read_in_english_too(world):  # noqa: F811
    """What went wrong says so in English: a refused upload's reasons on the job page and in
    its JSON status, a page that does not exist, an unknown API route."""
    import io

    app, ids, _ = world
    app.config["JOBS_INLINE"] = True
    client, csrf = _client(app, "librarian")
    client.set_cookie("lang", "en")
    files = [(io.BytesIO(b"<html><script>alert(1)</script></html>"), "trang.pdf"),
             (io.BytesIO(b""), "rong.pdf"), (io.BytesIO(b"%PDF-1.4\n%%EOF"), "hong.pdf")]
    response = client.post("/thu-vien/tai-len", content_type="multipart/form-data", data={
        "csrf_token": csrf, "shelf": "chi-bo-dien-tu", "files": files})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    status = client.get(response.headers["Location"] + "/trang-thai").get_json()
    reasons = [f["reason"] for f in status["files"]]
    assert len(reasons) == 3 and all(reasons), status
    assert not [r for r in reasons if VIETNAMESE.search(r)], reasons
    assert {f["label"] for f in status["files"]} == {"Failed"}
    content = user_content(app)
    for path in (response.headers["Location"], "/thu-vien/tac-vu", "/khong-co-trang-nay"):
        page = client.get(path)
        assert not vietnamese_left(page.get_data(as_text=True), content), path
    assert client.get("/api/khong-co").get_json()["error"] == "The page you are looking for is not here."
