"""Highlights and notes through the JSON API: made, edited, located again in a replaced
file, exported as Markdown and CSV, and nobody's but their author's."""
import csv
import io

import pytest

from library.catalog.models import Section
from library.extensions import db
from tests.books import epub_book, pdf_book
from tests.conftest import bearer, make_user
from tests.test_reader_pages import imported

QUOTE = "Đảng viên phải gương mẫu"


class Api:
    """A test client speaking as one user with an API token (no CSRF token needed)."""

    def __init__(self, app, username):
        self.client, self.headers = app.test_client(), bearer(app, username)

    def __getattr__(self, method):
        call = getattr(self.client, method)
        return lambda *args, **kwargs: call(*args, headers=self.headers, **kwargs)


@pytest.fixture
def client(app, member):
    return Api(app, member)


@pytest.fixture
def book(app, tmp_path):
    pages = [f"Mở đầu. {QUOTE} trong công tác. Hết.", "Trang hai.", "=SUM(A1) trang ba."]
    return imported(app, pdf_book(tmp_path / "a.pdf", pages, title="Sổ tay"))


def add(client, book, **fields):
    body = {"position": 2, "exact": QUOTE, "prefix": "Mở đầu. ", "suffix": " trong công",
            "color": "green", "note": "Nhớ nhắc chi bộ."}
    return client.post(f"/api/books/{book}/highlights", json={**body, **fields})


def test_a_highlight_is_made_listed_edited_and_deleted(client, book):
    made = add(client, book)
    assert made.status_code == 201
    item = made.get_json()
    assert item["found"] and item["found_position"] == 2 and item["color"] == "green"
    assert item["selector"] == {"type": "TextQuoteSelector", "exact": QUOTE,
                                "prefix": "Mở đầu. ", "suffix": " trong công"}
    listed = client.get(f"/api/books/{book}/highlights").get_json()["highlights"]
    assert [h["id"] for h in listed] == [item["id"]]
    edited = client.patch(f"/api/highlights/{item['id']}", json={"note": "Đã nhắc.", "color": "pink"})
    assert edited.status_code == 200 and edited.get_json()["note"] == "Đã nhắc."
    assert client.delete(f"/api/highlights/{item['id']}").status_code == 204
    assert client.get(f"/api/books/{book}/highlights").get_json()["highlights"] == []


def test_bad_highlights_are_refused_with_a_reason(client, book):
    assert add(client, book, exact="  ").status_code == 400
    assert add(client, book, color="red").status_code == 400
    assert add(client, book, position=99).status_code == 400
    assert "error" in add(client, book, note=5).get_json()
    assert client.patch("/api/highlights/1", json={}).status_code == 400


def test_highlights_are_private_to_their_author_whatever_the_role(app, client, book):
    item = add(client, book).get_json()
    for username, role in [("thuthu1", "librarian"), ("quantri1", "admin"), ("bithu1", "secretary")]:
        make_user(app, username, role)
        other = Api(app, username)
        assert other.get(f"/api/books/{book}/highlights").get_json()["highlights"] == []
        assert other.patch(f"/api/highlights/{item['id']}", json={"note": "x"}).status_code == 404
        assert other.delete(f"/api/highlights/{item['id']}").status_code == 404
        assert QUOTE not in other.get(f"/api/books/{book}/highlights.md").get_data(as_text=True)
    assert client.get(f"/api/books/{book}/highlights").get_json()["highlights"][0]["note"]


def test_a_highlight_follows_its_words_and_says_when_they_are_gone(app, client, book):
    item = add(client, book).get_json()
    with app.app_context():  # a replaced file: the passage moved to page 3
        sections = {s.position: s for s in db.session.query(Section).filter_by(book_id=book)}
        sections[3].text, sections[2].text = "Lời mới.\n" + QUOTE.replace(" ", "\n"), "Khác hẳn."
        db.session.commit()
    moved = client.get(f"/api/books/{book}/highlights").get_json()["highlights"][0]
    assert moved["found"] and moved["found_position"] == 3 and moved["position"] == 2
    with app.app_context():
        for section in db.session.query(Section).filter_by(book_id=book):
            section.text = "Không còn đoạn ấy."
        db.session.commit()
    gone = client.get(f"/api/books/{book}/highlights").get_json()["highlights"][0]
    assert not gone["found"] and gone["found_position"] is None
    assert "không tìm thấy vị trí" in client.get(f"/api/books/{book}/highlights.md").get_data(as_text=True)
    assert item["id"] == gone["id"]


def test_notes_export_as_markdown_and_csv(client, book):
    add(client, book)
    add(client, book, position=4, exact="=SUM(A1)", prefix="", suffix=" trang", note="", color="blue")
    markdown = client.get(f"/api/books/{book}/highlights.md")
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["Content-Disposition"]
    text = markdown.get_data(as_text=True)
    assert text.startswith("# Sổ tay") and f"> {QUOTE}" in text and "Nhớ nhắc chi bộ." in text
    assert "## Trang 2" in text and "## Trang 4" in text
    exported = client.get(f"/api/books/{book}/highlights.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["text"] for r in rows] == [QUOTE, "'=SUM(A1)"]  # no formula for spreadsheets
    assert rows[0]["note"] == "Nhớ nhắc chi bộ." and rows[0]["page"] == "2" and rows[0]["found"] == "yes"


def test_epub_highlights_name_their_chapter(app, client, tmp_path):
    epub = imported(app, epub_book(tmp_path / "b.epub", [("Mở đầu", "Một câu."), ("Tiếp", QUOTE + ".")]))
    item = add(client, epub, position=2, prefix="", suffix=".").get_json()
    assert item["found"] and item["chapter"] == "Tiếp"
    assert "## Tiếp" in client.get(f"/api/books/{epub}/highlights.md").get_data(as_text=True)


def test_a_highlight_on_an_epub_picture_page_is_placed_on_that_page(app, client, tmp_path):
    from tests.test_epub_pictures import comic

    epub = imported(app, comic(tmp_path / "truyen.epub"))
    with app.app_context():  # as if page 3 had been recognised
        db.session.query(Section).filter_by(book_id=epub, position=3).update({"text": QUOTE + "."})
        db.session.commit()
    item = add(client, epub, position=3, prefix="", suffix=".").get_json()
    assert item["found"] and item["page"] == 3 and item["chapter"] is None
    assert "## Trang 3" in client.get(f"/api/books/{epub}/highlights.md").get_data(as_text=True)
    english = client.client.get(f"/api/books/{epub}/highlights.md",
                                headers={**client.headers, "Accept-Language": "en"})
    assert "## Page 3" in english.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/api/books/{epub}/highlights.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["page"] == "3"
