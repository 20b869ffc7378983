"""Reading list report timings on generated data in a temporary SQLite file.

    PYTHONPATH=. .venv/bin/python bench/reading_list_bench.py [--runs 5] [--org-items 5]

Builds 400 branches of 40 members (16,000), 20 PDF books of 40–120 pages, a branch list of
20 items for a branch of 60 members, and an organisation-wide list assigned to every branch;
pages seen are drawn so that some members finished, some are halfway, some never started.
Prints the time to render each page (Flask test client, whole response) and to build the
report alone. Goals (issue 7): branch report ≤ 300 ms, organisation overview ≤ 2 s.
"""
from __future__ import annotations

import argparse
import os
import hashlib
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from library import create_app
from library.instance import prepare
from library.auth.models import Branch, User
from library.catalog.models import PDF, Book, Section, Shelf
from library.extensions import db
from library.reader.models import SectionSeen
from library.reading_lists import report
from library.reading_lists.models import ReadingList, ReadingListAssignment, ReadingListItem

BRANCHES, PER_BRANCH, BIG_BRANCH, BOOKS, BRANCH_ITEMS = 400, 40, 60, 20, 20


def build(app, org_items: int, rng: random.Random) -> dict:
    started = time.perf_counter()
    with app.app_context():
        shelf_id = db.session.scalar(select(Shelf.id))
        sizes = [rng.randint(40, 120) for _ in range(BOOKS)]
        books = []
        for i, size in enumerate(sizes):
            book = Book(shelf_id=shelf_id, title=f"Tài liệu học tập số {i + 1}", authors=["Ban Tuyên giáo"],
                        media_type=PDF, sha256=hashlib.sha256(str(i).encode()).hexdigest(), size=1,
                        original_filename=f"{i}.pdf", stored_name=f"{i}.pdf", page_count=size)
            db.session.add(book)
            db.session.flush()
            books.append(book.id)
        db.session.execute(insert(Section), [
            {"book_id": b, "position": p, "page": p, "text": ""}
            for b, size in zip(books, sizes) for p in range(1, size + 1)])
        db.session.execute(insert(Branch), [
            {"code": f"CB{n:03d}", "name": f"Chi bộ {n}"} for n in range(1, BRANCHES + 1)])
        branch_ids = list(db.session.scalars(select(Branch.id).order_by(Branch.id)))
        users = []
        for index, branch_id in enumerate(branch_ids):
            count = BIG_BRANCH if index == 0 else PER_BRANCH
            for m in range(count):
                role = "secretary" if m == 0 else "member"
                users.append({"username": f"u{index:03d}.{m:02d}", "role": role, "branch_id": branch_id,
                              "full_name": f"Đảng viên {index}.{m}", "active": True,
                              "session_version": 1})
        users.append({"username": "thuvien", "role": "librarian", "branch_id": None,
                      "full_name": "", "active": True, "session_version": 1})
        db.session.execute(insert(User), users)
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        members = {b: [ids[f"u{i:03d}.{m:02d}"] for m in range(BIG_BRANCH if i == 0 else PER_BRANCH)]
                   for i, b in enumerate(branch_ids)}

        due = date.today() - timedelta(days=3)
        branch_list = ReadingList(title="Danh sách chi bộ", branch_id=branch_ids[0], due_date=due)
        branch_list.items = [ReadingListItem(position=i + 1, book_id=b) for i, b in enumerate(books[:BRANCH_ITEMS])]
        branch_list.assignments = [ReadingListAssignment(branch_id=branch_ids[0])]
        org_list = ReadingList(title="Chuyên đề toàn tổ chức", branch_id=None, due_date=due)
        org_list.items = [ReadingListItem(position=i + 1, book_id=b) for i, b in enumerate(books[:org_items])]
        org_list.assignments = [ReadingListAssignment(branch_id=b) for b in branch_ids]
        db.session.add_all([branch_list, org_list])
        db.session.flush()

        def pages_read(size):
            roll = rng.random()
            share = 1.0 if roll < 0.4 else (rng.uniform(0.1, 0.95) if roll < 0.7 else 0.0)
            return range(1, int(size * share) + 1)

        seen = 0
        now = datetime(2026, 3, 1)
        batch = []
        plan = [(u, books[:BRANCH_ITEMS] if b == branch_ids[0] else books[:org_items])
                for b, us in members.items() for u in us]
        for user_id, wanted in plan:
            for book_id in wanted:
                for page in pages_read(sizes[books.index(book_id)]):
                    batch.append({"user_id": user_id, "book_id": book_id, "position": page,
                                  "to_end": True, "first_seen_at": now, "last_seen_at": now})
            if len(batch) > 50_000:
                db.session.execute(insert(SectionSeen), batch)
                seen += len(batch)
                batch = []
        db.session.execute(insert(SectionSeen), batch)
        seen += len(batch)
        db.session.commit()
        result = {"branch_list": branch_list.id, "org_list": org_list.id, "seen": seen,
                  "users": len(users), "secretary": "u000.00"}
    result["build_s"] = time.perf_counter() - started
    return result


def signed_in(app, username):
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        session_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def timed(runs, action):
    """Wall-clock min, median, max and the median CPU time of this process, in ms: on a
    shared machine the wall clock includes waiting for a core, the CPU time does not."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return min(times), statistics.median(times), max(times), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--org-items", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it; reuse it if there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        reuse = bool(args.keep) and (Path(tmp) / "bench.db").exists()
        Path(tmp).mkdir(parents=True, exist_ok=True)
        app = prepare(create_app({"SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                                  "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                                  "BOOKS_DIR": str(Path(tmp) / "books"), "INDEX_DIR": str(Path(tmp) / "index"),
                                  "INDEX_INLINE": True}))
        if reuse:
            with app.app_context():
                lists = list(db.session.scalars(select(ReadingList.id).order_by(ReadingList.id)))
                data = {"branch_list": lists[0], "org_list": lists[1], "build_s": 0.0,
                        "seen": db.session.query(SectionSeen).count(),
                        "users": db.session.query(User).count(), "secretary": "u000.00"}
        else:
            data = build(app, args.org_items, random.Random(2026))
        print(f"data: {data['users']:,} users in {BRANCHES} branches, {data['seen']:,} pages seen, "
              f"built in {data['build_s']:.1f} s")
        secretary, librarian = signed_in(app, data["secretary"]), signed_in(app, "thuvien")
        branch_url = f"/danh-sach-doc/{data['branch_list']}"
        org_url = f"/danh-sach-doc/{data['org_list']}"

        def page(client, url, fragment):
            response = client.get(url)
            assert response.status_code == 200 and fragment.encode() in response.data, url

        def service(list_id, overview=False):
            with app.app_context():
                reading_list = db.session.get(ReadingList, list_id)
                result = report.overview(reading_list) if overview else report.build(reading_list)
                assert result
        checks = [
            (f"branch report page, {BIG_BRANCH} members x {BRANCH_ITEMS} items", 300,
             lambda: page(secretary, branch_url, "rl-grid")),
            ("branch report, build only", None, lambda: service(data["branch_list"])),
            ("branch report JSON (API)", None,
             lambda: page(secretary, f"/api/reading-lists/{data['branch_list']}/report", "rows")),
            ("branch report XLSX export", None,
             lambda: page(secretary, branch_url + "/bao-cao.xlsx", "")),
            (f"organisation overview page, {BRANCHES} branches, {args.org_items} items", 2000,
             lambda: page(librarian, org_url, "rl-overview")),
            ("organisation overview, build only", None, lambda: service(data["org_list"], True)),
        ]
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'what':58} {'min ms':>8} {'median':>8} {'max':>8} {'cpu ms':>8}  goal (median)")
        for label, goal, action in checks:
            action()  # warm: templates compiled, pages cached by SQLite
            low, mid, high, cpu = timed(args.runs, action)
            verdict = "" if goal is None else (f"≤ {goal} ms " + ("met" if mid <= goal else "MISSED"))
            print(f"{label:58} {low:8.1f} {mid:8.1f} {high:8.1f} {cpu:8.1f}  {verdict}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
