"""The catalogs: every text the code marks has its English, the catalogs are valid gettext,
and the translation machinery does what a reader sees (contexts, plurals, forms, the API)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po

from library import i18n

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "translations" / "en" / "LC_MESSAGES" / "messages.po"
WTFORMS_VI = REPO / "translations" / "vi" / "LC_MESSAGES" / "wtforms.po"
# Keep in step with bin/translations.
KEYWORDS = ("lazy_gettext", "lazy_pgettext:1c,2", "lazy_ngettext:1,2", "N_")
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)[sd]")


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def _key(message) -> tuple[str, str | None]:
    return (message.id if isinstance(message.id, str) else message.id[0], message.context)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `pybabel extract` finds in library/ and templates/ (as bin/translations runs it)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    # --ignore-dirs: pybabel skips folders starting with "_" unless told, and templates/_partials
    # and templates/_macros hold texts too.
    command = [str(pybabel), "-q", "extract", "-F", "babel.cfg", "--no-location", "--ignore-dirs", ".*",
               "-o", str(pot)]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    subprocess.run(command + ["."], cwd=REPO, check=True, capture_output=True, timeout=120)
    return _read(pot)


def test_every_marked_text_has_its_english(extracted):
    catalog = _read(CATALOG)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found and isinstance(found.string, tuple) else (found.string if found else "",)
        if found is None or not all(strings) or found.fuzzy:
            missing.append(_key(message))
    assert not missing, (f"{len(missing)} texts without English in {CATALOG.relative_to(REPO)} "
                         "(bin/translations update, then translate them):\n"
                         + "\n".join(f"  {text!r} [{context}]" if context else f"  {text!r}"
                                     for text, context in missing))


def test_the_catalog_has_nothing_the_code_no_longer_says(extracted):
    marked = {_key(m) for m in extracted if m.id}
    stale = sorted((_key(m) for m in _read(CATALOG) if m.id and _key(m) not in marked), key=str)
    assert not stale, "entries no code marks any more (bin/translations update drops them): " + repr(stale)


@pytest.mark.parametrize("path", [CATALOG, WTFORMS_VI], ids=["messages-en", "wtforms-vi"])
def test_catalogs_are_valid_gettext(path):
    catalog = _read(path)
    assert not catalog.fuzzy, "a fuzzy header makes the compiler skip the catalog"
    problems = [f"{m.id!r}: {error}" for m, errors in catalog.check() for error in errors]
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - set().union(*(PLACEHOLDER.findall(i) for i in ids)):
                problems.append(f"{message.id!r}: placeholders {PLACEHOLDER.findall(string)} not in the source")
            if len(strings) == 1 and wanted - set(PLACEHOLDER.findall(string)) - {"{num}"}:
                problems.append(f"{message.id!r}: the translation drops {wanted - set(PLACEHOLDER.findall(string))}")
    assert not problems, "\n".join(problems)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:  # GNU gettext's own check, as translators' tools run it
        result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


def test_wtforms_own_messages_have_vietnamese():
    pot = _read(Path(wtforms.__file__).parent / "locale" / "wtforms.pot")
    ours = _read(WTFORMS_VI)
    missing = [m.id for m in pot if m.id and not (ours.get(m.id) and ours.get(m.id).string)]
    assert not missing, f"WTForms messages without Vietnamese in {WTFORMS_VI.name}: {missing}"


def test_a_missing_or_older_compiled_catalog_is_compiled_at_start(tmp_path):
    source = tmp_path / "translations"
    shutil.copytree(REPO / "translations", source, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    assert i18n.compiled_catalogs(source) == source
    compiled = source / "en" / "LC_MESSAGES" / "messages.mo"
    assert compiled.stat().st_size > 10_000
    # a read-only repository: compiled into the instance folder instead
    readonly = tmp_path / "readonly"
    shutil.copytree(REPO / "translations", readonly, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    for folder in readonly.rglob("LC_MESSAGES"):
        folder.chmod(0o555)
    try:
        if _writable(readonly / "en" / "LC_MESSAGES"):
            pytest.skip("running as root: a read-only folder is still writable")
        fallback = tmp_path / "instance" / "translations"
        assert i18n.compiled_catalogs(readonly, fallback=fallback) == fallback
        assert (fallback / "en" / "LC_MESSAGES" / "messages.mo").exists()
    finally:
        for folder in readonly.rglob("LC_MESSAGES"):
            folder.chmod(0o755)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
        (folder / ".probe").unlink()
        return True
    except OSError:
        return False
