"""The OPDS catalogue: feeds that parse, list shelves and books, page, search and download."""
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from library.api import opds
from library.catalog.manifest import BookMetadata
from library.catalog.models import EPUB, PDF, SHELVES, Book, BookStatus
from library.demo import render_cover, write_epub, write_pdf
from library.extensions import db
from library.ingest import import_file

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/terms/",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
}
ACQUISITION = "http://opds-spec.org/acquisition"
FIRST_SHELF, _, LAST_SHELF = (slug for slug, _ in SHELVES)
HOSTILE = '<script>alert("x")</script> & \'quotes\' "too"'


def import_book(app, path, shelf=None, **metadata) -> int:
    with app.app_context():
        result = import_file(path, shelf=shelf, metadata=BookMetadata(**metadata) if metadata else None)
        assert result.status == "imported", result.reason
        return result.book_id


@pytest.fixture
def books(app, tmp_path):
    """A PDF with a planted phrase on the first shelf and an EPUB with a cover on the last."""
    pdf = tmp_path / "hai-dang.pdf"
    write_pdf(pdf, "Sổ tay đảng viên", ["Đặng Thị Hương"], 2021,
              ["Trang này kể về ngọn hải đăng trên đảo xa.", "Trang thứ hai."])
    epub = tmp_path / "lam-theo-bac.epub"
    write_epub(epub, "Làm theo Bác", ["Cao Văn Sơn", "Tạ Thu Trang"], 2022,
               [("Chương một", "Đoạn văn đầu tiên.\nĐoạn văn thứ hai.")], language="vi",
               cover_png=render_cover("Làm theo Bác", ["Cao Văn Sơn"], 2022),
               description="Những bài học & kể chuyện.")
    return SimpleNamespace(
        pdf=import_book(app, pdf, FIRST_SHELF), pdf_data=pdf.read_bytes(),
        epub=import_book(app, epub, LAST_SHELF), epub_data=epub.read_bytes(),
    )


def feed(client, url, kind="acquisition", status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == f"application/atom+xml;profile=opds-catalog;kind={kind}"
    root = etree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root


def entries(root) -> dict[str, etree._Element]:
    return {e.findtext("a:title", namespaces=NS): e for e in root.findall("a:entry", NS)}


def link(element, rel):
    found = element.xpath("a:link[@rel=$rel]", namespaces=NS, rel=rel)
    return found[0] if found else None


def download(client, href):
    with client.get(href) as response:
        response.get_data()  # read, then close the file as a WSGI server would
    return response


def test_root_lists_every_shelf_with_counts_new_books_and_search(client, books):
    root = feed(client, "/opds", kind="navigation")
    shelves = {e.findtext("a:id", namespaces=NS): e for e in root.findall("a:entry", NS)}
    assert set(shelves) == {f"urn:tu-sach:shelf:{slug}" for slug, _ in SHELVES} | {"urn:tu-sach:new"}
    counts = {slug: link(shelves[f"urn:tu-sach:shelf:{slug}"], "subsection").get(f"{{{NS['thr']}}}count")
              for slug, _ in SHELVES}
    assert counts == {FIRST_SHELF: "1", SHELVES[1][0]: "0", LAST_SHELF: "1"}
    shelf_link = link(shelves[f"urn:tu-sach:shelf:{FIRST_SHELF}"], "subsection")
    assert shelf_link.get("href") == f"/opds/shelf/{FIRST_SHELF}"
    assert "kind=acquisition" in shelf_link.get("type")
    assert link(shelves["urn:tu-sach:new"], "http://opds-spec.org/sort/new").get("href") == "/opds/new"
    search = root.xpath("a:link[@rel='search']", namespaces=NS)
    assert {s.get("type") for s in search} >= {"application/opensearchdescription+xml"}


def test_shelf_feed_describes_each_book(client, books):
    root = feed(client, f"/opds/shelf/{LAST_SHELF}")
    (entry,) = root.findall("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == "Làm theo Bác"
    assert entry.findtext("a:id", namespaces=NS) == f"urn:tu-sach:book:{books.epub}"
    assert [a.text for a in entry.findall("a:author/a:name", NS)] == ["Cao Văn Sơn", "Tạ Thu Trang"]
    assert entry.findtext("dc:issued", namespaces=NS) == "2022"
    assert entry.findtext("dc:language", namespaces=NS) == "vi"
    assert entry.findtext("a:summary", namespaces=NS) == "Những bài học & kể chuyện."
    assert entry.findtext("a:updated", namespaces=NS).endswith("Z")
    acquisition = link(entry, ACQUISITION)
    assert acquisition.get("type") == EPUB
    assert acquisition.get("length") == str(len(books.epub_data))
    for rel in ("http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"):
        cover = link(entry, rel)
        assert cover.get("href").startswith(f"/sach/{books.epub}/anh-bia?v=")
        assert download(client, cover.get("href")).status_code == 200
    assert root.findtext("os:totalResults", namespaces=NS) == "1"


@pytest.mark.parametrize("which", ["pdf", "epub"])
def test_acquisition_links_download_the_stored_bytes(client, books, which):
    root = feed(client, "/opds/new")
    entry = next(e for e in root.findall("a:entry", NS)
                 if e.findtext("a:id", namespaces=NS) == f"urn:tu-sach:book:{getattr(books, which)}")
    acquisition = link(entry, ACQUISITION)
    response = download(client, acquisition.get("href"))
    assert response.status_code == 200
    assert response.data == getattr(books, f"{which}_data")
    assert response.mimetype == acquisition.get("type") == (PDF if which == "pdf" else EPUB)
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_new_feed_lists_newest_first(client, books):
    root = feed(client, "/opds/new")
    ids = [e.findtext("a:id", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert ids == [f"urn:tu-sach:book:{books.epub}", f"urn:tu-sach:book:{books.pdf}"]


def test_feeds_page_with_first_previous_next(client, books, monkeypatch):
    monkeypatch.setattr(opds, "PER_PAGE", 1)
    first = feed(client, "/opds/new")
    assert len(first.findall("a:entry", NS)) == 1
    assert link(first, "previous") is None
    assert link(first, "first").get("href") == "/opds/new?page=1"
    second = feed(client, link(first, "next").get("href"))
    assert link(second, "next") is None
    assert link(second, "previous").get("href") == "/opds/new?page=1"
    seen = {e.findtext("a:id", namespaces=NS) for page in (first, second)
            for e in page.findall("a:entry", NS)}
    assert len(seen) == 2
    assert feed(client, "/opds/new?page=99").findall("a:entry", NS) == []


def test_search_finds_a_planted_phrase_without_diacritics(client, books):
    root = feed(client, "/opds/search?q=ngon+hai+dang")
    assert list(entries(root)) == ["Sổ tay đảng viên"]
    assert link(entries(root)["Sổ tay đảng viên"], ACQUISITION).get("href") == f"/sach/{books.pdf}/tep"


def test_a_bad_query_gives_an_empty_feed(client, books):
    for query in ["", "!!!", "-dang", '"', "a" * 5000, "\x00<>&"]:
        root = feed(client, "/opds/search", query_string={"q": query})
        assert root.findall("a:entry", NS) == [], query


def test_opensearch_description_points_at_the_search_feed(client):
    response = client.get("/opds/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = etree.fromstring(response.data)
    templates = root.xpath("os:Url/@template", namespaces=NS)
    assert templates and all(t.endswith("/opds/search?q={searchTerms}") for t in templates)


def test_withdrawn_books_leave_every_feed(app, client, books):
    with app.app_context():
        db.session.get(Book, books.pdf).status = BookStatus.WITHDRAWN
        db.session.commit()  # the index still holds it: the feed must not
    assert feed(client, f"/opds/shelf/{FIRST_SHELF}").findall("a:entry", NS) == []
    assert feed(client, "/opds/search?q=ngon+hai+dang").findall("a:entry", NS) == []
    assert list(entries(feed(client, "/opds/new"))) == ["Làm theo Bác"]


def test_unknown_shelf_is_404(client):
    assert client.get("/opds/shelf/khong-co").status_code == 404


def test_a_hostile_title_is_escaped(app, client, tmp_path):
    path = tmp_path / "x.epub"
    write_epub(path, "Tên", ["A"], 2020, [("Một", "Chữ.")])
    import_book(app, path, title=HOSTILE, authors=["<b>Tác giả</b> & co"], description="</summary>&")
    response = client.get("/opds/new")
    assert b"<script>" not in response.data and b"<b>" not in response.data
    assert b"&lt;script&gt;" in response.data
    (entry,) = etree.fromstring(response.data).findall("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == HOSTILE
    assert entry.findtext("a:author/a:name", namespaces=NS) == "<b>Tác giả</b> & co"
    assert entry.findtext("a:summary", namespaces=NS) == "</summary>&"


@pytest.mark.parametrize("url", ["/opds", f"/opds/shelf/{FIRST_SHELF}", "/opds/new",
                                 "/opds/search?q=dang", "/opds/opensearch.xml"])
def test_bearer_token_works_and_anonymous_gets_401(anonymous, api_headers, url):
    assert anonymous.get(url, headers=api_headers).status_code == 200
    refused = anonymous.get(url)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401


# --- Conformance: every feed against OPDS 1.2's RelaxNG schema and RFC 4287's -------------

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def jing(schema: str, documents: dict[str, bytes], tmp_path) -> str:
    """jing's complaints about the documents (empty when all are valid), one call for all."""
    files = []
    for number, (url, body) in enumerate(documents.items()):
        files.append(tmp_path / f"feed-{number}.xml")
        files[-1].write_bytes(body)
    run = subprocess.run(["jing", "-c", str(SCHEMAS / schema), *map(str, files)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr
    names = {str(f): url for f, url in zip(files, documents)}
    return "\n".join(line.replace(path, names[path]) for line in run.stdout.splitlines()
                     for path in names if line.startswith(path))


def test_every_feed_is_valid_opds_and_atom(app, client, books, tmp_path, monkeypatch):
    path = tmp_path / "x.epub"
    write_epub(path, "Tên", ["A"], 2020, [("Một", "Chữ.")])
    import_book(app, path, title=HOSTILE, authors=["<b>Tác giả</b> & co"], description="</summary>&")
    monkeypatch.setattr(opds, "PER_PAGE", 2)
    urls = ["/opds", "/opds/new", "/opds/new?page=2", "/opds/search?q=ngon+hai+dang",
            "/opds/search?q=dang", "/opds/search?q=", "/opds/search?q=%22", "/opds/search?q=khong+co+dau"]
    urls += [f"/opds/shelf/{slug}" for slug, _ in SHELVES]
    documents = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        documents[url] = response.data
    assert any(b'rel="search"' in body for body in documents.values())
    assert jing("atom.rnc", documents, tmp_path) == ""
    assert jing("opds.rnc", documents, tmp_path) == ""


def test_the_schema_check_catches_a_templated_search_link(client, tmp_path):
    body = client.get("/opds").data
    bad = body.replace(b"</feed>", b'<link rel="search" type="application/atom+xml" '
                                   b'href="/opds/search?q={searchTerms}"/></feed>')
    complaints = jing("opds.rnc", {"/opds (templated link)": bad}, tmp_path)
    assert "/opds (templated link)" in complaints and "href" in complaints
