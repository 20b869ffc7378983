"""Help with the query: "did you mean" from the index's vocabulary, and title/author typeahead."""
from __future__ import annotations

from library.search.analysis import fold_syllable, syllable_runs
from library.search.query import UserQuery
from library.search.snapshot import Snapshot
from library.vietnamese import clean_text

TYPEAHEAD_MAX_CHARS = 200


def did_you_mean(snapshot: Snapshot, user_query: UserQuery) -> str | None:
    """The query with unknown syllables replaced by near ones the library holds, accented."""
    changed = False
    rendered = []
    for clause in user_query.required:
        typed = clause.folded
        chosen = list(typed)
        for i, syllable in enumerate(typed):
            if snapshot.frequency("folded", syllable):
                continue
            candidates = snapshot.corrections(syllable)
            if candidates:
                chosen[i] = max(candidates, key=lambda c: _fit(snapshot, chosen, i, c))
                changed = True
        for i in range(len(chosen) - 1):
            if not snapshot.pair_frequency(chosen[i], chosen[i + 1]):
                changed |= _repair_pair(snapshot, chosen, i)
        words = [
            clause.syllables[k] if chosen[k] == typed[k] and user_query.accented
            else next(iter(snapshot.common_forms(chosen[k], 1)), chosen[k])
            for k in range(len(chosen))
        ]
        rendered.append(f'"{" ".join(words)}"' if clause.quoted else " ".join(words))
    return " ".join(rendered) if changed else None


def _fit(snapshot: Snapshot, chosen: list[str], i: int, candidate: str) -> tuple[int, int]:
    """A candidate making pairs the library knows with its neighbours wins, then the commonest."""
    together = 0
    if i > 0:
        together += snapshot.pair_frequency(chosen[i - 1], candidate)
    if i + 1 < len(chosen):
        together += snapshot.pair_frequency(candidate, chosen[i + 1])
    return together, snapshot.frequency("folded", candidate)


def _repair_pair(snapshot: Snapshot, chosen: list[str], i: int) -> bool:
    """Two known syllables never found side by side: try correcting either one."""
    best = None
    for j in (i, i + 1):
        for candidate in snapshot.corrections(chosen[j], limit=12):
            first, second = (candidate, chosen[i + 1]) if j == i else (chosen[i], candidate)
            together = snapshot.pair_frequency(first, second)
            if together and (best is None or together > best[0]):
                best = (together, j, candidate)
    if best is None:
        return False
    chosen[best[1]] = best[2]
    return True


def _entries(snapshot: Snapshot) -> list[tuple]:
    entries = snapshot.memo.get("typeahead")
    if entries is None:
        entries = []
        for info in snapshot.books.values():
            title = _folded_words(info.title)
            authors = [w for a in info.authors for w in _folded_words(a)]
            entries.append((info, title, authors))
        entries.sort(key=lambda e: e[0].title)
        snapshot.memo["typeahead"] = entries
    return entries


def _folded_words(text: str) -> list[str]:
    return [fold_syllable(s) for run in syllable_runs(text) for s in run]


def typeahead(snapshot: Snapshot, text: str, limit: int = 8) -> list[dict]:
    """Books whose title or authors hold the words typed, the last one possibly unfinished."""
    words = _folded_words(clean_text((text or "")[:TYPEAHEAD_MAX_CHARS]))
    if not words or limit <= 0:
        return []
    *whole, last = words
    ranked = []
    for info, title, authors in _entries(snapshot):
        for rank, field in ((1, title), (2, authors), (3, title + authors)):
            if all(w in field for w in whole) and any(w.startswith(last) for w in field):
                starts = field[: len(whole)] == whole and len(field) > len(whole) \
                    and field[len(whole)].startswith(last)
                ranked.append((0 if starts and rank == 1 else rank, info))
                break
    ranked.sort(key=lambda r: r[0])
    return [{"book_id": info.book_id, "title": info.title, "authors": list(info.authors)}
            for _, info in ranked[:limit]]
