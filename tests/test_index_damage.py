"""A damaged index segment: searches and /healthz both say 503 with the reason (never a 500
from zlib or struct errors), `index check` finds it, and the reconciler rebuilds it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from library.search import damage, get_index
from tests.conftest import make_user, sign_in
from tests.test_reliability import library, results, same_instance  # noqa: F401 - fixture

ZLIB_STREAM = re.compile(rb"\x78[\x01\x5e\x9c\xda]")


def damage_segments(app, every: int = 1) -> int:
    """Overwrite the start of compressed streams inside the segments, as a bad disk block or
    a torn copy would: Whoosh opens the index, and a search reading them fails in zlib."""
    damaged = 0
    for segment in Path(app.config["INDEX_DIR"]).glob("*.seg"):
        data = bytearray(segment.read_bytes())
        for n, match in enumerate(ZLIB_STREAM.finditer(bytes(data))):
            if n % every == 0:
                data[match.start() + 2:match.start() + 12] = b"\xff" * 10
                damaged += 1
        segment.write_bytes(bytes(data))
    return damaged


def test_a_damaged_segment_answers_503_on_search_and_healthz_then_is_repaired(library):  # noqa: F811
    make_user(library, "member1")
    before_app = same_instance(library)
    member = sign_in(before_app.test_client(), before_app, "member1")
    before = results(member)
    assert any(before) and member.get("/healthz").status_code == 200
    with before_app.app_context():
        get_index().close()

    assert damage_segments(library) > 0
    app = same_instance(library)
    member = sign_in(app.test_client(), app, "member1")
    statuses = set()
    for query in ("suy thoái", "chi bo", '"đảng viên"'):
        api = member.get("/api/search", query_string={"q": query})
        page = member.get("/tim-kiem", query_string={"q": query})
        statuses |= {api.status_code, page.status_code}
        if api.status_code == 503:
            assert "Tạm thời không tìm kiếm được" in api.get_json()["error"]
            assert api.get_json()["reason"] in ("damaged", "unreadable")
    assert statuses == {503}, statuses  # never a 500, never a half answer
    health = member.get("/healthz")
    assert health.status_code == 503 and health.get_json()["failing"] == ["index"]
    assert "damaged" in health.get_json()["reasons"]["index"] \
        or "cannot be read" in health.get_json()["reasons"]["index"]
    assert member.get("/").status_code == 200  # the rest of the site works on

    runner = app.test_cli_runner()
    checked = runner.invoke(args=["index", "check"])
    assert checked.exit_code == 1 and "Chỉ mục tìm kiếm" in checked.output
    repaired = runner.invoke(args=["index", "check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Đã dựng lại chỉ mục tìm kiếm" in repaired.output
    assert damage.recorded(app.config["INDEX_DIR"]) is None
    assert member.get("/healthz").status_code == 200
    assert results(member) == before


def test_damage_no_search_has_reached_yet_is_found_by_index_check(library):  # noqa: F811
    runner = library.test_cli_runner()
    assert runner.invoke(args=["index", "check"]).exit_code == 0  # a sound index reads clean
    damage_segments(library, every=7)
    app = same_instance(library)
    checked = app.test_cli_runner().invoke(args=["index", "check"])
    assert checked.exit_code == 1
    assert "có phần bị hỏng" in checked.output or "không đọc được" in checked.output
    assert app.test_cli_runner().invoke(args=["index", "check", "--repair"]).exit_code == 0
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("error", [__import__("zlib").error("bad"), __import__("struct").error("x"),
                                   KeyError(3), Exception("whoosh")])
def test_decoder_errors_count_as_damage(error):
    assert damage.is_damage(error)


def test_a_programming_error_is_not_taken_for_damage():
    for error in (RuntimeError("bug"), NameError("x"), AttributeError("x"), TypeError("x")):
        assert not damage.is_damage(error)
