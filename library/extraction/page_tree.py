"""A reader's tail for a PDF with a flat page tree: an incremental update (written with
pypdf) that rebuilds /Pages as a balanced tree, to be served after the original bytes.

pdf.js always looks up the last page when it opens a file; in a flat tree of N pages that
reads all N page objects, which most producers scatter between the content streams, so the
reader downloads nearly the whole book. Through a tree of nodes of FAN_OUT kids it reads a
handful of objects; the tail holds every page object again (each has a new /Parent), side
by side. The original file is never changed: the tail is only appended when serving.
"""
from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)

FAN_OUT = 16
MIN_PAGES = 64          # below this a flat tree costs the reader little
FLAT_KIDS = 32          # a /Pages node with more pages among its kids makes the tree flat
MAX_PAGES = 20_000
MAX_DEPTH = 64
# Attributes a page inherits from its ancestors (ISO 32000-1, table 30).
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class _GiveUp(Exception):
    pass


def _leaves(root) -> tuple[list, int]:
    """The page objects in order (indirect references), and the most pages that are kids of
    one node (a tree of 60 nodes of 10 pages is cheap to walk; a node of 600 pages is not).
    Refuses cycles, depth, sizes and anything that is neither /Pages nor /Page."""
    leaves, widest, seen = [], [0], set()

    def walk(node, depth):
        from pypdf.generic import IndirectObject

        kids = node.get("/Kids")
        kids = kids.get_object() if kids is not None else None
        if not isinstance(kids, list) or depth > MAX_DEPTH:
            raise _GiveUp("odd /Pages node")
        direct = 0
        for kid in kids:
            if not isinstance(kid, IndirectObject) or kid.idnum in seen:
                raise _GiveUp("direct or repeated kid")
            seen.add(kid.idnum)
            obj = kid.get_object()
            kind = obj.get("/Type") if hasattr(obj, "get") else None
            if kind == "/Pages":
                walk(obj, depth + 1)
            elif kind == "/Page":
                leaves.append(kid)
                direct += 1
                if len(leaves) > MAX_PAGES:
                    raise _GiveUp("too many pages")
            else:
                raise _GiveUp("kid is neither /Pages nor /Page")
        widest[0] = max(widest[0], direct)

    walk(root, 0)
    return leaves, widest[0]


def _inherited(page, root) -> dict:
    """What the page inherits from ancestors below the root (the root itself is kept)."""
    found = {}
    parent = page.get("/Parent")
    for _ in range(MAX_DEPTH):
        if parent is None:
            break
        node = parent.get_object()
        if node is root:
            break
        for key in INHERITED:
            if key not in page and key not in found and key in node:
                found[key] = node.raw_get(key)
        parent = node.get("/Parent")
    return found


def _rebuild(writer, root_ref) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    root = root_ref.get_object()
    leaves, widest = _leaves(root)
    if len(leaves) <= MIN_PAGES or widest <= FLAT_KIDS:
        raise _GiveUp("balanced enough")
    pages = [ref.get_object() for ref in leaves]
    for page in pages:
        page.update(_inherited(page, root))
    # Bottom-up: each level groups the one below by FAN_OUT until the root can hold them.
    level = [(ref, page, 1) for ref, page in zip(leaves, pages)]
    while len(level) > FAN_OUT:
        parents = []
        for start in range(0, len(level), FAN_OUT):
            group = level[start:start + FAN_OUT]
            node = DictionaryObject({
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject([ref for ref, _, _ in group]),
                NameObject("/Count"): NumberObject(sum(count for _, _, count in group)),
                NameObject("/Parent"): root_ref,
            })
            node_ref = writer._add_object(node)
            for _, kid, _ in group:
                kid[NameObject("/Parent")] = node_ref
            parents.append((node_ref, node, node["/Count"]))
        level = parents
    for _, kid, _ in level:
        kid[NameObject("/Parent")] = root_ref
    root[NameObject("/Kids")] = ArrayObject([ref for ref, _, _ in level])
    root[NameObject("/Count")] = NumberObject(len(leaves))


def balanced_tail(path, max_bytes: int = 128 << 20) -> bytes | None:
    """The bytes to append to the file at `path` so that its page tree is balanced, or None
    (small, already balanced, encrypted, damaged, too large, or anything unexpected)."""
    try:
        with open(path, "rb") as fh:
            original = fh.read(max_bytes + 1)
        if len(original) > max_bytes:
            return None
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import IndirectObject

        # strict: a file pypdf would have to repair gets no tail (offsets it guessed would lie)
        reader = PdfReader(io.BytesIO(original), strict=True)
        if reader.is_encrypted:
            return None
        writer = PdfWriter(reader, incremental=True)
        root_ref = writer._root_object.raw_get("/Pages")
        if not isinstance(root_ref, IndirectObject):
            return None
        _rebuild(writer, root_ref)
        out = io.BytesIO()
        writer.write(out)
        written = out.getvalue()
    except _GiveUp:
        return None
    except (Exception, MemoryError, RecursionError) as exc:  # noqa: BLE001 - no tail is always safe
        log.info("no reader tail for %s: %s: %s", path, type(exc).__name__, exc)
        return None
    if len(written) <= len(original) or not written.startswith(original):
        return None
    return written[len(original):]
