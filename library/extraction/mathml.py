"""MathML as a line of plain text: what the text mode shows and search indexes for a formula.

"x = (−b ± √(b^2 − 4ac))/(2a)" reads where the bare token text ran together ("x=−b±b2−4ac2a")
or, once the formula was dropped, left a sentence of commas. Presentation MathML only;
content MathML and annotations are left out.
"""
from __future__ import annotations

import re

_SPACED = set("=<>+−-±×÷≤≥≠≈≡→←↔⇒⇔∈∉⊂⊆⊃⊇∪∩∧∨|·∘")
_MAX_DEPTH = 60  # a formula nested deeper is no formula: its text, flat
_SPACES = re.compile(r"\s+")


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower() if isinstance(tag, str) else ""


def _children(el) -> list:
    return [c for c in el if _local(c)]


_TOKENS = ("mi", "mn", "mtext", "ms")


def _single(el):
    """The one token an operand comes down to (<mrow><mi>A</mi></mrow>), or None."""
    while _local(el) in ("mrow", "mstyle", "mpadded") and len(_children(el)) == 1:
        el = _children(el)[0]
    return el if _local(el) in _TOKENS + ("msqrt", "mfenced") else None


def _operand(el, depth: int) -> str:
    """A sub-expression as an operand: bare when it is one token, else in parentheses."""
    text = _linear(el, depth + 1).strip()
    return text if _single(el) is not None or not text else f"({text})"


def _join(children, depth: int) -> str:
    out: list[str] = []
    for child in children:
        piece = _linear(child, depth + 1)
        if _local(child) == "mo" and piece.startswith(" ") and (not out or out[-1].endswith(" ")):
            piece = piece.strip()  # a sign, not an operation: "−b", "= −1"
        out.append(piece)
    return "".join(out)


def _linear(el, depth: int = 0) -> str:
    name = _local(el)
    if depth > _MAX_DEPTH:
        return "".join(el.itertext())
    kids = _children(el)
    if name in ("mi", "mn", "mtext", "ms"):
        text = _SPACES.sub(" ", "".join(el.itertext())).strip()
        return f'"{text}"' if name == "ms" else text
    if name == "mo":
        text = "".join(el.itertext()).strip()
        if text in (",", ";"):
            return text + " "
        return f" {text} " if text in _SPACED else text
    if name == "mspace":
        return " "
    if name in ("annotation", "annotation-xml", "mprescripts", "none", "mphantom"):
        return ""
    if name == "semantics":
        return _linear(kids[0], depth + 1) if kids else ""
    if name == "maction":
        return _linear(kids[0], depth + 1) if kids else ""
    if name == "mfrac" and len(kids) == 2:
        return f"{_operand(kids[0], depth)}/{_operand(kids[1], depth)}"
    if name == "msqrt":
        inner = _join(kids, depth).strip()
        return f"√{inner}" if len(kids) == 1 and _single(kids[0]) is not None else f"√({inner})"
    if name == "mroot" and len(kids) == 2:
        return f"{_operand(kids[1], depth)}√{_operand(kids[0], depth)}"
    if name in ("msub", "munder") and len(kids) == 2:
        return f"{_linear(kids[0], depth + 1)}_{_operand(kids[1], depth)}"
    if name in ("msup", "mover") and len(kids) == 2:
        return f"{_linear(kids[0], depth + 1)}^{_operand(kids[1], depth)}"
    if name in ("msubsup", "munderover") and len(kids) == 3:
        return f"{_linear(kids[0], depth + 1)}_{_operand(kids[1], depth)}^{_operand(kids[2], depth)}"
    if name == "mfenced":
        separators = "".join(el.get("separators", ",").split())
        parts = []
        for index, kid in enumerate(kids):
            parts.append(_linear(kid, depth + 1).strip())
            if index < len(kids) - 1 and separators:
                parts.append(separators[min(index, len(separators) - 1)] + " ")
        return el.get("open", "(") + "".join(parts) + el.get("close", ")")
    if name == "mtable":
        return "; ".join(_linear(row, depth + 1).strip() for row in kids)
    if name in ("mtr", "mlabeledtr"):
        return "  ".join(_linear(cell, depth + 1).strip() for cell in kids)
    return _join(kids, depth)  # math, mrow, mstyle, mpadded, menclose, merror, mtd, maction...


def linear_text(math) -> str:
    """The formula on one line; its alttext when it has no readable content at all."""
    text = _SPACES.sub(" ", _linear(math)).strip()
    return text or (math.get("alttext") or "").strip()


def flatten_math(root) -> None:
    """Each <math> of the tree replaced by its linear text (before the tree becomes text)."""
    for math in list(root.iter("{*}math")):
        parent = math.getparent()
        if parent is None:
            continue
        text = linear_text(math) + (math.tail or "")
        previous = math.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(math)
