"""A host's index replica following the change log: late commits, rebuilds beside the live
index with writes going on, and a new replica built from the database."""
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import insert

from library import indexing
from library.catalog.models import Book
from library.extensions import db
from library.indexing import changes, replica
from library.ingest import import_file
from library.search import get_index
from tests.books import FILLER, pdf_book


@pytest.fixture
def books(app, tmp_path):
    with app.app_context():
        return [import_file(pdf_book(tmp_path / f"{n}.pdf", [FILLER, f"Đề mục số {n}."],
                                     title=f"Tài liệu {n}")).book_id for n in range(3)]


def _cursor(app):
    return json.loads((Path(app.config["INDEX_DIR"]) / replica.CURSOR).read_text())


def test_a_change_committed_late_with_an_earlier_number_is_still_applied(app, books):
    """On PostgreSQL a transaction that drew number 5 may commit after one that drew 6."""
    with app.app_context():
        top = changes.latest()
        db.session.get(Book, books[0]).title = "Tài liệu được sửa muộn"
        db.session.execute(insert(changes.IndexChange).values(seq=top + 2, book_id=books[1],
                                                              kind=changes.UPDATE))
        db.session.commit()
        assert replica.follow(blocking=True) == 1
        assert _cursor(app)["seq"] == top + 2 and str(top + 1) in _cursor(app)["gaps"]
        # the earlier number commits now
        db.session.execute(insert(changes.IndexChange).values(seq=top + 1, book_id=books[0],
                                                              kind=changes.UPDATE))
        db.session.commit()
        assert replica.follow(blocking=True) == 1
        assert _cursor(app)["gaps"] == {}
        assert get_index().search("sửa muộn").total == 1


def test_index_writes_go_on_during_a_rebuild_and_survive_the_swap(app, books):
    with app.app_context():
        written = []

        def meanwhile(done):
            if done == 1 and not written:  # the rebuild is under way: edit and index a book
                db.session.get(Book, books[2]).title = "Bản sửa trong lúc dựng lại"
                db.session.commit()
                indexing.index_book(books[2])  # would wait for the rebuild's lock before
                written.append(get_index().search("trong lúc dựng lại").total)

        assert replica.rebuild(progress=meanwhile) == 3
        assert written == [1], "the write landed in the live index at once"
        assert get_index().search("trong lúc dựng lại").total == 1, "and survived the swap"
        assert get_index().indexed_book_ids() == set(books)
        index_dir = Path(app.config["INDEX_DIR"])
        assert not [p for p in index_dir.iterdir() if p.name.startswith(".next-")]


def test_a_lost_replica_is_built_from_the_database(app, books):
    with app.app_context():
        get_index().close()
        shutil.rmtree(app.config["INDEX_DIR"])
        assert get_index().state() == "missing"
        replica.follow(blocking=True)
        assert get_index().indexed_book_ids() == set(books)
        assert _cursor(app)["seq"] == changes.latest()
        assert replica.building() is None


def test_a_replica_ahead_of_the_log_is_built_again(app, books):
    """A database restored from a backup: its log ends before the host's cursor."""
    with app.app_context():
        cursor = replica.Cursor(changes.latest() + 50)
        cursor.save(Path(app.config["INDEX_DIR"]))
        get_index().remove_book(books[0])  # what the replica held differs from the database
        replica.follow(blocking=True)
        assert _cursor(app)["seq"] == changes.latest()
        assert get_index().indexed_book_ids() == set(books)
