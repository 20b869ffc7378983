"""Cells for the CSV and XLSX files people open in a spreadsheet: text that never becomes a formula.

A spreadsheet runs a cell starting with = + - @ (tab and CR are tricks to the same end). A CSV
is worse: Excel and LibreOffice split a line on the separator of the regional settings, and
Vietnamese settings use ";" — so "x;=cmd|' /C calc'!A0" arrives as two cells, the second a
formula. Every part a spreadsheet could split off (after , ; | tab or a line break) that starts
with one of those characters gets an apostrophe in front, and every CSV cell is quoted.
"""
from __future__ import annotations

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The start of the text, or of a part after a separator a spreadsheet may split on; spaces may
# come before the formula character (LibreOffice trims them on import if asked to).
_PART_START = re.compile(r"(^|[,;|\t\r\n])([ \u00a0]*)(?=[=+\-@\t\r])")
CSV_TYPE = "text/csv; charset=utf-8"


def safe_cell(value):
    """Text with every splittable part defused; numbers, dates and None stay what they are."""
    if not isinstance(value, str) or not value:
        return value
    return _PART_START.sub(lambda m: m.group(1) + m.group(2) + "'", value)


def csv_text(rows, header: list | None = None) -> str:
    """The rows as CSV text with every cell quoted and defused, after a byte-order mark so
    that Excel reads the Vietnamese text as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    if header is not None:
        writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff" + out.getvalue()
