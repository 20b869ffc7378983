"""Factories for real book files with planted Vietnamese passages, made with the demo typesetter."""
from pathlib import Path

from library.demo import write_epub, write_pdf, write_scanned_pdf

FILLER = ("Chi bộ tổ chức sinh hoạt định kỳ, quán triệt nghị quyết và phân công nhiệm vụ "
          "cho từng đồng chí. ") * 6


def pdf_book(path: Path, pages: list[str] | None = None, title="Sổ tay sinh hoạt chi bộ",
             authors=("Ban Tổ chức",), year=2021) -> Path:
    """A PDF whose page i + 2 holds pages[i] (page 1 is the title page)."""
    write_pdf(path, title, list(authors), year, pages or [FILLER, FILLER])
    return path


def epub_book(path: Path, chapters: list[tuple[str, str]] | None = None,
              title="Chuyên đề học tập", authors=("Ban Tuyên giáo",), year=2022) -> Path:
    write_epub(path, title, list(authors), year, chapters or [("Mở đầu", FILLER)])
    return path


def scanned_pdf(path: Path) -> Path:
    write_scanned_pdf(path, "Biên bản chụp", ["Chi bộ 3"], 2020, [FILLER])
    return path
