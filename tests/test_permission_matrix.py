"""Role × endpoint matrix: every rule of app.url_map, for every kind of visitor.

Each (endpoint, method) has one row in ROUTES saying what each visitor gets. A route
without a row fails test_every_route_is_classified, so a new route must be classified
here (one line) before the suite passes again. Writes carry a valid CSRF token, so a
refusal is the permission check speaking, not the CSRF check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user, find_user
from library.auth.tokens import issue_token
from library.extensions import db
from tests.books import pdf_book

# "outsider" is the secretary of another branch (cb02): the same role, none of the objects.
VISITORS = ("anonymous", "member", "secretary", "librarian", "admin", "outsider")
PAGE_LOGIN = 302  # a page sends the anonymous visitor to the sign-in form
API_LOGIN = 401   # the API and OPDS answer 401 with a JSON error


@dataclass
class Row:
    method: str
    path: str  # {book}, {victim}, {user}, {branch}, {token}, {list}, {item}, {job}, ... filled below
    expect: dict[str, int]
    data: dict = field(default_factory=dict)
    json: dict | None = None


def everyone(status=200, anonymous=PAGE_LOGIN) -> dict[str, int]:
    return {v: (anonymous if v == "anonymous" else status) for v in VISITORS}


def only(*allowed, ok=200, denied=403, anonymous=PAGE_LOGIN, outsider=None) -> dict[str, int]:
    """`allowed` get `ok`, other signed-in visitors `denied`, the anonymous one `anonymous`;
    the outsider gets what a secretary gets unless `outsider` says otherwise."""
    expect = {v: anonymous if v == "anonymous" else ok if v in allowed else denied for v in VISITORS}
    expect["outsider"] = expect["secretary"] if outsider is None else outsider
    return expect


def api(expect: dict[str, int]) -> dict[str, int]:
    return {**expect, "anonymous": API_LOGIN}


MANAGERS = ("secretary", "librarian", "admin")
CATALOGUE = ("librarian", "admin")
ADMIN = ("admin",)

ROUTES: dict[str, Row] = {
    # open to all
    "api.healthz GET": Row("GET", "/healthz", everyone(200, anonymous=200)),
    "auth.login GET": Row("GET", "/dang-nhap", {**everyone(302), "anonymous": 200}),
    "auth.login POST": Row("POST", "/dang-nhap", everyone(200, anonymous=200)),  # empty form re-shown
    "i18n.choose POST": Row("POST", "/ngon-ngu/vi", everyone(302, anonymous=302)),
    "static GET": Row("GET", "/static/app.css", everyone(200, anonymous=200)),
    "catalog.favicon GET": Row("GET", "/favicon.ico", everyone(200, anonymous=200)),
    "errors.too_long GET": Row("GET", "/qua-dai", everyone(414, anonymous=414)),  # nginx's 414 page
    # reading, for every signed-in user
    "catalog.home GET": Row("GET", "/", everyone()),
    "catalog.shelf GET": Row("GET", "/tu-sach/chi-bo-dien-tu", everyone()),
    "catalog.book GET": Row("GET", "/sach/{book}", everyone()),
    "catalog.cover GET": Row("GET", "/sach/{book}/anh-bia", everyone()),
    "reader.download GET": Row("GET", "/sach/{book}/tep", everyone()),
    "reader.read GET": Row("GET", "/doc/{book}", everyone()),
    "reader.reader_file GET": Row("GET", "/doc/{book}/tep-doc", everyone()),
    "reader.text GET": Row("GET", "/doc/{book}/van-ban", everyone()),
    # Loaded by the sandboxed chapter frame without cookies (signed per book instead), so
    # open to all; without a valid signature nobody learns anything: 404.
    "reader.chapter GET": Row("GET", "/doc/{epub}/chuong/1", everyone(200, anonymous=404)),
    "reader.book_resource GET": Row("GET", "/doc/{epub}/tep-sach/x/none.css", everyone(404, anonymous=404)),
    "reader.pdfjs GET": Row("GET", "/doc/pdfjs/x/none.js", everyone(404, anonymous=404)),
    "search.results GET": Row("GET", "/tim-kiem?q=chi+bo", everyone()),
    "auth.profile GET": Row("GET", "/tai-khoan", everyone()),
    "auth.logout POST": Row("POST", "/dang-xuat", everyone(302)),
    "auth.change_password POST": Row("POST", "/tai-khoan/mat-khau", everyone(400)),
    "auth.create_token POST": Row("POST", "/tai-khoan/token", everyone(400)),
    # another user's token is as good as none: 404 for all but its owner, the member
    "auth.revoke_token POST": Row("POST", "/tai-khoan/token/{token}/thu-hoi",
                                  {**everyone(404), "member": 302}),
    # the API and OPDS
    "api.list_books GET": Row("GET", "/api/books", api(everyone())),
    "api.get_book GET": Row("GET", "/api/books/{book}", api(everyone())),
    "api.search GET": Row("GET", "/api/search?q=chi", api(everyone())),
    "api.suggest GET": Row("GET", "/api/suggest?q=chi", api(everyone())),
    "api.upload_book POST": Row("POST", "/api/books", api(only(*CATALOGUE, ok=400))),
    "api.opds_root GET": Row("GET", "/opds", api(everyone())),
    "api.opds_new GET": Row("GET", "/opds/new", api(everyone())),
    "api.opds_search GET": Row("GET", "/opds/search?q=chi", api(everyone())),
    "api.opds_shelf GET": Row("GET", "/opds/shelf/chi-bo-dien-tu", api(everyone())),
    "api.opds_opensearch GET": Row("GET", "/opds/opensearch.xml", api(everyone())),
    "api.report_progress POST": Row("POST", "/api/progress", api(everyone(204)),
                                       json={"book_id": "{book}", "page": 1}),
    "api.get_position GET": Row("GET", "/api/books/{book}/position", api(everyone())),
    "api.put_position PUT": Row("PUT", "/api/books/{book}/position", api(everyone()),
                                   json={"position": 1}),
    "api.list_bookmarks GET": Row("GET", "/api/books/{book}/bookmarks", api(everyone())),
    "api.add_bookmark POST": Row("POST", "/api/books/{book}/bookmarks", api(everyone(201)),
                                    json={"position": 1}),
    # the member's bookmark: 404 for everyone else (IDOR)
    "api.delete_bookmark DELETE": Row("DELETE", "/api/bookmarks/{bookmark}",
                                         api({**everyone(404), "member": 204})),
    # search inside a book, marks, highlights and notes (issue 15): a highlight is its
    # author's alone, 404 for everyone else (IDOR), librarians and admins too
    "api.search_book GET": Row("GET", "/api/books/{book}/search?q=chi", api(everyone())),
    "api.page_marks GET": Row("GET", "/api/books/{book}/marks?q=chi&p=2", api(everyone())),
    "api.list_highlights GET": Row("GET", "/api/books/{book}/highlights", api(everyone())),
    "api.add_highlight POST": Row("POST", "/api/books/{book}/highlights", api(everyone(201)),
                                     json={"position": 1, "exact": "Sổ tay"}),
    "api.edit_highlight PATCH": Row("PATCH", "/api/highlights/{highlight}",
                                       api({**everyone(404), "member": 200}), json={"note": "x"}),
    "api.delete_highlight DELETE": Row("DELETE", "/api/highlights/{highlight_to_delete}",
                                          api({**everyone(404), "member": 204})),
    "api.export_highlights GET": Row("GET", "/api/books/{book}/highlights.md", api(everyone())),
    # KOReader's sync speaks its own credentials (x-auth-user / x-auth-key): a session is none
    "reader.kosync.auth_user GET": Row("GET", "/kosync/users/auth", {v: 401 for v in VISITORS}),
    "reader.kosync.create_user POST": Row("POST", "/kosync/users/create", {v: 402 for v in VISITORS},
                                          json={"username": "moi", "password": "x"}),
    "reader.kosync.get_progress GET": Row("GET", "/kosync/syncs/progress/abc", {v: 401 for v in VISITORS}),
    "reader.kosync.update_progress PUT": Row("PUT", "/kosync/syncs/progress", {v: 401 for v in VISITORS},
                                             json={}),
    "reader.kosync.healthcheck GET": Row("GET", "/kosync/healthcheck", everyone(200, anonymous=200)),
    # reading lists: the list is the secretary's, assigned to branch cb01, where the member
    # and the secretary are (both read it). Librarians and admins manage every list; a
    # member asking for a manager's page is refused by role (403) before any list is looked up.
    "reading_lists.mine GET": Row("GET", "/sach-can-doc", everyone()),
    "reading_lists.mark POST": Row("POST", "/sach-can-doc/{list}/muc/{item}",
                                   {**everyone(404), "member": 302, "secretary": 302}),
    "api.my_reading GET": Row("GET", "/api/my-reading", api(everyone())),
    "api.list_reading_lists GET": Row("GET", "/api/reading-lists", api(everyone())),
    "api.create_reading_list POST": Row("POST", "/api/reading-lists", api(only(*MANAGERS, ok=400))),
    "api.reading_list_books GET": Row("GET", "/api/reading-lists/books",
                                              api(only(*MANAGERS))),
    "api.get_reading_list GET": Row("GET", "/api/reading-lists/{list}",
                                        api(only("member", *MANAGERS, denied=404, outsider=404))),
    "api.update_reading_list PATCH": Row("PATCH", "/api/reading-lists/{list}",
                                          api(only(*MANAGERS, denied=404, outsider=404)), json={}),
    "api.mark_item_read POST": Row("POST", "/api/reading-lists/{list}/items/{item}/read",
                                            api(only("member", "secretary", denied=404, outsider=404))),
    "api.mark_item_read DELETE": Row("DELETE", "/api/reading-lists/{list}/items/{item}/read",
                                              api(only("member", "secretary", denied=404, outsider=404))),
    "api.reading_list_overview GET": Row("GET", "/api/reading-lists/{list}/overview",
                                          api(only("librarian", "admin", denied=404, outsider=404))),
    "api.reading_list_report GET": Row("GET", "/api/reading-lists/{list}/report",
                                        api(only(*MANAGERS, denied=404, outsider=404))),
    "reading_lists.manage GET": Row("GET", "/danh-sach-doc", only(*MANAGERS)),
    "reading_lists.new GET": Row("GET", "/danh-sach-doc/moi", only(*MANAGERS)),
    "reading_lists.new POST": Row("POST", "/danh-sach-doc/moi", only(*MANAGERS, ok=400)),
    "reading_lists.report_page GET": Row("GET", "/danh-sach-doc/{list}",
                                         only(*MANAGERS, denied=403, outsider=404)),
    "reading_lists.export_report GET": Row("GET", "/danh-sach-doc/{list}/bao-cao.csv",
                                           only(*MANAGERS, denied=403, outsider=404)),
    "reading_lists.edit GET": Row("GET", "/danh-sach-doc/{list}/sua",
                                  only(*MANAGERS, denied=403, outsider=404)),
    "reading_lists.edit POST": Row("POST", "/danh-sach-doc/{list}/sua",
                                   only(*MANAGERS, ok=400, denied=403, outsider=404)),
    "reading_lists.extend POST": Row("POST", "/danh-sach-doc/{list}/gia-han",
                                     only(*MANAGERS, ok=302, denied=403, outsider=404)),
    "reading_lists.copy POST": Row("POST", "/danh-sach-doc/{list}/sao-chep",
                                   only(*MANAGERS, ok=302, denied=403, outsider=404)),
    "reading_lists.change_status POST": Row("POST", "/danh-sach-doc/{list}/trang-thai",
                                            only(*MANAGERS, ok=302, denied=403, outsider=404)),
    # the librarian's console
    "console.index GET": Row("GET", "/thu-vien/", only(*CATALOGUE)),
    "console.book_list GET": Row("GET", "/thu-vien/sach", only(*CATALOGUE)),
    "console.edit GET": Row("GET", "/thu-vien/sach/{book}", only(*CATALOGUE)),
    "console.edit POST": Row("POST", "/thu-vien/sach/{book}", only(*CATALOGUE, ok=400)),
    "console.cover GET": Row("GET", "/thu-vien/sach/{book}/anh-bia", only(*CATALOGUE)),
    "console.withdraw POST": Row("POST", "/thu-vien/sach/{victim}/rut", only(*CATALOGUE, ok=303)),
    "console.reinstate POST": Row("POST", "/thu-vien/sach/{victim}/khoi-phuc",
                                  only(*CATALOGUE, ok=303)),
    "console.replace POST": Row("POST", "/thu-vien/sach/{victim}/thay-tep", only(*CATALOGUE, ok=303)),
    "console.delete GET": Row("GET", "/thu-vien/sach/{victim}/xoa", only(*CATALOGUE)),
    "console.delete POST": Row("POST", "/thu-vien/sach/{victim}/xoa", only(*CATALOGUE, ok=303)),
    "console.move POST": Row("POST", "/thu-vien/sach/chuyen-tu", only(*CATALOGUE, ok=303)),
    "console.upload POST": Row("POST", "/thu-vien/tai-len", only(*CATALOGUE, ok=400)),
    "console.job_list GET": Row("GET", "/thu-vien/tac-vu", only(*CATALOGUE)),
    "console.job GET": Row("GET", "/thu-vien/tac-vu/{job}", only(*CATALOGUE)),
    "console.job_status GET": Row("GET", "/thu-vien/tac-vu/{job}/trang-thai", only(*CATALOGUE)),
    "console.recognition GET": Row("GET", "/thu-vien/nhan-dang", only(*CATALOGUE)),
    "console.recognise_again POST": Row("POST", "/thu-vien/sach/{book}/nhan-dang", only(*CATALOGUE, ok=303)),
    "console.cancel_recognition POST": Row("POST", "/thu-vien/sach/{book}/nhan-dang/huy",
                                           only(*CATALOGUE, ok=303)),
    # administration
    "admin.index GET": Row("GET", "/quan-tri/", only(*ADMIN)),
    "admin.users GET": Row("GET", "/quan-tri/nguoi-dung?q=nguyen", only(*ADMIN)),
    "admin.user_new GET": Row("GET", "/quan-tri/nguoi-dung/moi", only(*ADMIN)),
    "admin.user_new POST": Row("POST", "/quan-tri/nguoi-dung/moi", only(*ADMIN, ok=400)),
    "admin.user_edit GET": Row("GET", "/quan-tri/nguoi-dung/{user}", only(*ADMIN)),
    "admin.user_edit POST": Row("POST", "/quan-tri/nguoi-dung/{user}", only(*ADMIN, ok=302),
                                data={"full_name": "Mục Tiêu", "role": "member", "branch_code": "cb02"}),
    "admin.user_deactivate POST": Row("POST", "/quan-tri/nguoi-dung/{user}/khoa", only(*ADMIN, ok=302)),
    "admin.user_reactivate POST": Row("POST", "/quan-tri/nguoi-dung/{user}/mo-khoa",
                                      only(*ADMIN, ok=302)),
    "admin.user_password POST": Row("POST", "/quan-tri/nguoi-dung/{user}/mat-khau", only(*ADMIN)),
    "admin.branches GET": Row("GET", "/quan-tri/chi-bo", only(*ADMIN)),
    "admin.branch_create POST": Row("POST", "/quan-tri/chi-bo", only(*ADMIN, ok=400)),
    "admin.branch_edit GET": Row("GET", "/quan-tri/chi-bo/{branch}", only(*ADMIN)),
    "admin.branch_edit POST": Row("POST", "/quan-tri/chi-bo/{branch}", only(*ADMIN, ok=400)),
    "admin.member_import GET": Row("GET", "/quan-tri/nhap-thanh-vien", only(*ADMIN)),
    "admin.member_import POST": Row("POST", "/quan-tri/nhap-thanh-vien", only(*ADMIN, ok=400)),
    "admin.import_sample GET": Row("GET", "/quan-tri/nhap-thanh-vien/mau.csv", only(*ADMIN)),
    "admin.import_report GET": Row("GET", "/quan-tri/nhap-thanh-vien/{event}", only(*ADMIN)),
    "admin.import_report_csv GET": Row("GET", "/quan-tri/nhap-thanh-vien/{event}/bao-cao.csv",
                                       only(*ADMIN)),
    "admin.audit_log GET": Row("GET", "/quan-tri/nhat-ky?action=user.create", only(*ADMIN)),
    # accounts and onboarding (issue 13); the outsider is the secretary of cb02, where the
    # target member is: the branch pages are the admin's and that branch's secretary's
    "auth.sign_out_everywhere POST": Row("POST", "/tai-khoan/dang-xuat-moi-noi", everyone(302)),
    "auth.oidc_start POST": Row("POST", "/dang-nhap/oidc", everyone(302, anonymous=302)),  # none set up
    "auth.oidc_callback GET": Row("GET", "/dang-nhap/oidc/ve", everyone(302, anonymous=302)),
    "members.activate GET": Row("GET", "/kich-hoat", everyone(200, anonymous=200)),
    "members.activate POST": Row("POST", "/kich-hoat", everyone(400, anonymous=400)),  # empty form
    "api.activate POST": Row("POST", "/api/activate", everyone(400, anonymous=400), json={}),
    "members.home GET": Row("GET", "/chi-bo", only("secretary", "admin", ok=302)),
    "members.branch GET": Row("GET", "/chi-bo/cb02/thanh-vien", only(*ADMIN, outsider=200)),
    "members.print_slips POST": Row("POST", "/chi-bo/cb02/phieu-kich-hoat", only(*ADMIN, outsider=200),
                                    data={"format": "xlsx"}),
    "members.reissue POST": Row("POST", "/chi-bo/cb02/thanh-vien/{user}/cap-ma",
                                only(*ADMIN, outsider=200)),
}


def _app(root):
    return prepare(create_app({
        "TESTING": True,
        "SECRET_KEY": "matrix-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
        "PROPAGATE_EXCEPTIONS": True,
    }))


def _import(app, path):
    from library.ingest import import_file

    with app.app_context():
        result = import_file(path, shelf="chi-bo-dien-tu", index_now=True)
        assert result.book_id, result.reason
        return result.book_id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app for the whole matrix: a book, an EPUB, a user per role, a reading list, a job."""
    from tests.books import epub_book

    root = tmp_path_factory.mktemp("matrix")
    app = _app(root)
    ids: dict[str, int] = {"book": _import(app, pdf_book(root / "sach.pdf")),
                           "epub": _import(app, epub_book(root / "sach.epub"))}
    with app.app_context():
        for visitor in VISITORS[1:]:
            create_user(visitor, "secretary" if visitor == "outsider" else visitor,
                        branch_code="cb02" if visitor == "outsider" else "cb01")
        target = create_user("muc-tieu", "member", branch_code="cb02", full_name="Mục Tiêu")
        create_user("chua-kich-hoat", "member", branch_code="cb02")  # always one slip to print
        db.session.commit()
        ids["user"], ids["branch"] = target.id, target.branch_id
        member_token = issue_token(find_user("member"), "matrix")
        db.session.commit()
        ids["token"] = find_user("member").tokens[0].id
        tokens = {v: issue_token(find_user(v), "matrix") for v in VISITORS[1:]}
        db.session.commit()
    assert member_token
    auth = lambda v: {"Authorization": f"Bearer {tokens[v]}"}  # noqa: E731
    client = app.test_client()
    made = client.post("/api/reading-lists", headers=auth("secretary"), json={
        "title": "Chuyên đề", "due": "2099-12-31", "items": [{"book_id": ids["book"]}],
        "assign": {"branch": "cb01"}})
    assert made.status_code == 201, made.get_data(as_text=True)
    ids["list"] = made.get_json()["id"]
    detail = client.get(f"/api/reading-lists/{ids['list']}", headers=auth("secretary")).get_json()
    ids["item"] = detail["items"][0]["item_id"]
    mark = client.post(f"/api/books/{ids['book']}/bookmarks", headers=auth("member"),
                       json={"position": 1})
    assert mark.status_code == 201, mark.get_data(as_text=True)
    ids["bookmark"] = mark.get_json()["id"]
    for key in ("highlight", "highlight_to_delete"):
        made = client.post(f"/api/books/{ids['book']}/highlights", headers=auth("member"),
                           json={"position": 1, "exact": "Sổ tay"})
        assert made.status_code == 201, made.get_data(as_text=True)
        ids[key] = made.get_json()["id"]
    with app.app_context():
        from library.admin.member_import import import_members
        from library.jobs.models import IngestJob

        job = IngestJob(source="web")
        db.session.add(job)
        _, ids["event"] = import_members(b"username,branch\nnhap1,cb03\n", find_user("admin"))
        db.session.commit()
        ids["job"] = job.id
    yield app, ids, root
    with app.app_context():
        db.engine.dispose()


def _client(app, visitor: str):
    client = app.test_client()
    if visitor != "anonymous":
        with app.app_context():
            session_id = find_user(visitor).get_id()  # the current version: earlier rows may sign out
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    page = client.get("/dang-nhap" if visitor == "anonymous" else "/tai-khoan")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    return client, token.group(1)


def _fill(text, ids):
    return text.format(**ids) if isinstance(text, str) else text


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_visitor_as_it_should(world, route, visitor):
    app, ids, root = world
    row = ROUTES[route]
    if "{victim}" in row.path:  # destructive rows get a book of their own
        ids = {**ids, "victim": _import(app, pdf_book(root / f"{route}-{visitor}.pdf".replace(" ", "-"),
                                                      title=f"Sách {route} {visitor}"))}
    client, csrf = _client(app, visitor)
    kwargs = {"headers": {"X-CSRFToken": csrf}}
    if row.json is not None:
        kwargs["json"] = {k: (int(_fill(v, ids)) if isinstance(v, str) and v.startswith("{") else v)
                          for k, v in row.json.items()}
    elif row.method != "GET":
        kwargs["data"] = row.data
    response = client.open(row.path.format(**ids), method=row.method, **kwargs)
    response.close()  # file responses (covers, downloads, static) hold their file open
    expected = row.expect[visitor]
    assert response.status_code == expected, (
        f"{visitor} {row.method} {row.path}: {response.status_code}, expected {expected}\n"
        + response.get_data(as_text=True)[:300])
    if response.status_code == 302 and visitor == "anonymous" and expected == PAGE_LOGIN \
            and route not in ("i18n.choose POST",):
        assert "/dang-nhap" in response.headers["Location"]


def test_every_route_is_classified(world):
    app, _, _ = world
    present = {f"{rule.endpoint} {method}" for rule in app.url_map.iter_rules()
               for method in rule.methods - {"HEAD", "OPTIONS"}}
    unclassified = sorted(present - ROUTES.keys())
    stale = sorted(ROUTES.keys() - present)
    assert not unclassified, "routes without a row in ROUTES (classify them): " + ", ".join(unclassified)
    assert not stale, "rows in ROUTES for routes that no longer exist: " + ", ".join(stale)
