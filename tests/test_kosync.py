"""/kosync as KOReader's sync plugin speaks it (plugins/kosync.koplugin: api.json and
KOSyncClient.lua; answers as koreader-sync-server's syncs_controller.lua and errors.lua).

The document hash is computed here from KOReader's published definition (frontend/util.lua,
util.partialMD5): MD5 over 1024-byte samples read at offset lshift(1024, 2*i) for
i = -1..10, where LuaJIT's 32-bit shift makes lshift(1024, -2) == 0.
"""
import hashlib
import json
import uuid

import pytest

from library.auth.accounts import find_user
from library.auth.tokens import issue_token
from library.extensions import db
from library.reader import progress
from tests.books import epub_book, pdf_book
from tests.conftest import make_user, sign_in
from tests.test_reader_pages import imported

ACCEPT = "application/vnd.koreader.v1+json"


def lua_lshift(value: int, count: int) -> int:
    """LuaJIT's bit.lshift: 32-bit, the count taken modulo 32, the result signed."""
    result = (value << (count % 32)) & 0xFFFFFFFF
    return result - (1 << 32) if result & 0x80000000 else result


def koreader_partial_md5(data: bytes) -> str:
    digest = hashlib.md5()
    for i in range(-1, 11):
        offset = lua_lshift(1024, 2 * i)
        sample = data[offset:offset + 1024]
        if not sample:  # file:read returns nil past the end: the loop breaks
            break
        digest.update(sample)
    return digest.hexdigest()


def koreader_headers(username: str, password: str) -> dict:
    # KOSync:login stores userkey = md5(password); the client sends it on every call
    return {"Accept": ACCEPT, "x-auth-user": username,
            "x-auth-key": hashlib.md5(password.encode()).hexdigest()}


@pytest.fixture
def koreader(app, tmp_path):
    make_user(app, "member1", "member")
    make_user(app, "member2", "member")
    with app.app_context():
        token = issue_token(find_user("member1"), "KOReader")
        other = issue_token(find_user("member2"), "KOReader")
        db.session.commit()
    pages = [f"Trang {n} về chi bộ." for n in range(2, 40)]  # big enough for several samples
    pdf = pdf_book(tmp_path / "a.pdf", pages, title="Sổ tay")
    epub = epub_book(tmp_path / "b.epub", [("Một", "Một."), ("Hai", "Hai."), ("Ba", "Ba.")])
    client = app.test_client()
    return type("K", (), dict(
        client=client, headers=koreader_headers("member1", token),
        other=koreader_headers("member2", other),
        pdf=imported(app, pdf), epub=imported(app, epub),
        pdf_doc=koreader_partial_md5(pdf.read_bytes()), epub_doc=koreader_partial_md5(epub.read_bytes()),
    ))


def put(k, body, headers=None):
    return k.client.put("/kosync/syncs/progress", data=json.dumps(body),
                        headers={**(headers or k.headers), "Content-Type": "application/json"})


def test_documents_are_named_by_the_hash_of_the_downloaded_file(app, koreader):
    reader = sign_in(app.test_client(), app, "member1")
    with reader.get(f"/sach/{koreader.pdf}/tep") as download:
        downloaded = download.data
    assert len(downloaded) > 4096 + 1024  # at least three samples
    put(koreader, {"document": koreader_partial_md5(downloaded), "progress": "2", "percentage": 0.1,
                   "device": "Kobo", "device_id": "A"})
    with app.app_context():
        assert progress.get_position(find_user("member1").id, koreader.pdf).position == 2
    assert koreader_partial_md5(b"") == hashlib.md5(b"").hexdigest()


def test_authorize_with_the_md5_of_an_api_token(koreader):
    answer = koreader.client.get("/kosync/users/auth", headers=koreader.headers)
    assert answer.status_code == 200 and answer.get_json() == {"authorized": "OK"}
    wrong = {**koreader.headers, "x-auth-key": hashlib.md5(b"mat-khau").hexdigest()}
    answer = koreader.client.get("/kosync/users/auth", headers=wrong)
    assert answer.status_code == 401 and answer.get_json() == {"code": 2001, "message": "Unauthorized"}
    someone_else = {**koreader.headers, "x-auth-user": "member2"}
    assert koreader.client.get("/kosync/users/auth", headers=someone_else).status_code == 401
    assert koreader.client.get("/kosync/users/auth", headers={"Accept": ACCEPT}).status_code == 401


def test_registration_is_refused_as_a_closed_server_refuses_it(koreader):
    answer = koreader.client.post("/kosync/users/create", json={"username": "moi", "password": "x"},
                                  headers={"Accept": ACCEPT})
    assert answer.status_code == 402
    assert answer.get_json() == {"code": 2005, "message": "User registration is disabled."}


def test_a_pdf_page_read_in_koreader_becomes_the_web_position_and_is_seen(app, koreader):
    body = {"document": koreader.pdf_doc, "progress": "12", "percentage": 0.3077,
            "device": "Kobo Libra 2", "device_id": "A1B2C3"}
    answer = put(koreader, body)
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["document"] == koreader.pdf_doc and isinstance(data["timestamp"], int)
    with app.app_context():
        user_id = find_user("member1").id
        assert progress.get_position(user_id, koreader.pdf).position == 12
        assert 12 in progress.seen_positions(user_id, koreader.pdf, to_end_only=True)
    got = koreader.client.get(f"/kosync/syncs/progress/{koreader.pdf_doc}", headers=koreader.headers)
    assert got.status_code == 200
    assert got.get_json() == {**body, "timestamp": data["timestamp"]}
    # another user sees nothing of it
    assert koreader.client.get(f"/kosync/syncs/progress/{koreader.pdf_doc}",
                               headers=koreader.other).get_json() == {}


def test_a_newer_web_position_is_offered_back(app, koreader):
    put(koreader, {"document": koreader.pdf_doc, "progress": "3", "percentage": 0.08,
                   "device": "Kobo", "device_id": "A1"})
    with app.app_context():
        user = find_user("member1")
        progress.save_position(user.id, koreader.pdf, 20, 0.0)
        db.session.commit()
    got = koreader.client.get(f"/kosync/syncs/progress/{koreader.pdf_doc}", headers=koreader.headers)
    data = got.get_json()
    assert data["progress"] == "20" and data["device"] != "Kobo"
    assert 0.5 < data["percentage"] < 0.6 and data["document"] == koreader.pdf_doc


def test_an_epub_docfragment_becomes_its_chapter_and_comes_back(app, koreader):
    # spine: the cover and nav documents of tests.books' EPUB may come first
    from library.catalog.models import Book
    from library.reader.epub import spine_paths
    from library.storage import get_store

    with app.app_context():
        book = db.session.get(Book, koreader.epub)
        spine = spine_paths(get_store().path(book.stored_name))
    fragment = next(i for i, path in enumerate(spine, 1) if path.endswith("chapter-002.xhtml"))
    xpointer = f"/body/DocFragment[{fragment}]/body/section/p[1]/text().0"
    assert put(koreader, {"document": koreader.epub_doc, "progress": xpointer, "percentage": 0.5,
                          "device": "Kindle", "device_id": "K"}).status_code == 200
    with app.app_context():
        user = find_user("member1")
        assert progress.get_position(user.id, koreader.epub).position == 2
        progress.save_position(user.id, koreader.epub, 3, 0.0)
        db.session.commit()
    data = koreader.client.get(f"/kosync/syncs/progress/{koreader.epub_doc}",
                               headers=koreader.headers).get_json()
    assert data["progress"] == f"/body/DocFragment[{fragment + 1}]"


def test_documents_outside_the_library_are_kept_as_the_reference_server_keeps_them(koreader):
    body = {"document": "0123456789abcdef0123456789abcdef", "progress": "/body/DocFragment[3].0",
            "percentage": 0.1, "device": "PocketBook", "device_id": "P"}
    assert put(koreader, body).status_code == 200
    data = koreader.client.get(f"/kosync/syncs/progress/{body['document']}", headers=koreader.headers).get_json()
    assert data["progress"] == body["progress"] and data["device"] == "PocketBook"


def test_bad_requests_get_the_reference_servers_errors(koreader):
    assert put(koreader, {"progress": "1", "percentage": 0.1, "device": "x"}).get_json()["code"] == 2004
    answer = put(koreader, {"document": "abc", "progress": "1", "device": "x"})
    assert answer.status_code == 403 and answer.get_json()["code"] == 2003
    assert put(koreader, {"document": "a:b", "progress": "1", "percentage": 0.1,
                          "device": "x"}).get_json()["code"] == 2004
    assert put(koreader, {"document": "abc", "progress": "1", "percentage": 0.1, "device": "x"},
               headers={"Accept": ACCEPT}).status_code == 401
    answer = koreader.client.put("/kosync/syncs/progress", data="không phải json",
                                 headers={**koreader.headers, "Content-Type": "application/json"})
    assert answer.status_code == 403


def test_a_replaced_file_is_hashed_anew(app, koreader, tmp_path):
    from library.catalog.models import Book
    from library.storage import get_store

    assert put(koreader, {"document": koreader.pdf_doc, "progress": "4", "percentage": 0.1,
                          "device": "Kobo", "device_id": "A"}).status_code == 200
    replacement = pdf_book(tmp_path / "moi.pdf", [f"Bản mới, trang {n}." for n in range(2, 40)], title="Sổ tay")
    with app.app_context():
        book = db.session.get(Book, koreader.pdf)
        stored = get_store().path(book.stored_name)
        new_name = uuid.uuid4().hex + ".pdf"  # a name the store accepts
        (stored.parent / new_name).write_bytes(replacement.read_bytes())
        book.stored_name = new_name
        db.session.commit()
    document = koreader_partial_md5(replacement.read_bytes())
    assert document != koreader.pdf_doc
    assert put(koreader, {"document": document, "progress": "9", "percentage": 0.2,
                          "device": "Kobo", "device_id": "A"}).status_code == 200
    with app.app_context():
        assert progress.get_position(find_user("member1").id, koreader.pdf).position == 9
