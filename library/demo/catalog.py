"""The demo library's plan (three shelves of generated books) and the code that writes it."""
from __future__ import annotations

import csv
import os
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from library.demo import text
from library.demo.epubbook import render_cover, write_epub
from library.demo.pdfbook import write_pdf, write_scanned_pdf

# slug -> (name users see, prose theme, cover colour)
SHELVES = {
    "bao-ve-nen-tang-tu-tuong": ("Bảo vệ nền tảng tư tưởng của Đảng", "tu-tuong", (140, 24, 24)),
    "hoc-tap-lam-theo-bac": ("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
                             "bac", (30, 70, 120)),
    "chi-bo-dien-tu": ("Chi bộ điện tử", "chi-bo", (20, 100, 70)),
}
TU_TUONG, BAC, CHI_BO = SHELVES
NOTE = "Tài liệu minh họa: nội dung được sinh tự động cho bản trình diễn."
MEDIA_TYPES = {"pdf": "application/pdf", "scan": "application/pdf", "epub": "application/epub+zip"}


@dataclass(frozen=True)
class DemoBook:
    """One planned book. `pages` is the page count of a PDF, the printed-page equivalent of an EPUB."""

    slug: str                     # the file name without its extension
    shelf: str
    kind: str                     # "pdf" | "epub" | "scan" (a PDF whose pages are pictures: no text)
    pages: int
    year: int
    title: str
    authors: tuple[str, ...]
    publisher: str
    about: str
    new_style_tones: bool = False  # "hoá", "thuỷ": the placement some publishers use
    chapter_pages: tuple[int, int] = (1, 3)  # EPUB: printed pages per chapter

    @property
    def filename(self) -> str:
        return f"{self.slug}.{'epub' if self.kind == 'epub' else 'pdf'}"

    @property
    def seed(self) -> int:
        return zlib.crc32(self.slug.encode("utf-8"))

    @property
    def description(self) -> str:
        return f"{self.about} {NOTE}"


@dataclass
class DemoFile:
    """A written book and the metadata a librarian would give with it."""

    path: Path
    shelf: str
    title: str
    authors: list[str]
    year: int
    publisher: str
    description: str
    media_type: str
    searchable: bool              # False for the picture-only PDF
    pages: int                    # PDF pages written (title page included), or EPUB chapters


BTG, TC, KT, VP = ("Ban Tuyên giáo Đảng ủy Khối", "Ban Tổ chức Đảng ủy Khối",
                   "Ủy ban Kiểm tra Đảng ủy Khối", "Văn phòng Đảng ủy Khối")
HDBS, TTBD = "Hội đồng biên soạn", "Trung tâm Bồi dưỡng chính trị"
NXB_CS, NXB_TT, NXB_SH = ("Nhà xuất bản Thông tin Cơ sở", "Nhà xuất bản Tư liệu Học tập",
                          "Tủ sách Sinh hoạt Chi bộ")


def _b(shelf, kind, pages, year, slug, title, authors, publisher, about, **extra) -> DemoBook:
    return DemoBook(slug, shelf, kind, pages, year, title, tuple(authors), publisher, about, **extra)


DEMO_BOOKS: list[DemoBook] = [
    _b(TU_TUONG, "pdf", 36, 2019, "bao-ve-nen-tang-tu-tuong-tinh-hinh-moi",
       "Bảo vệ nền tảng tư tưởng của Đảng trong tình hình mới", [BTG, "Nguyễn Văn An"], NXB_CS,
       "Những vấn đề cơ bản về bảo vệ nền tảng tư tưởng của Đảng ở cơ sở."),
    _b(TU_TUONG, "pdf", 28, 2020, "nhan-dien-quan-diem-sai-trai",
       "Nhận diện và đấu tranh phản bác các quan điểm sai trái, thù địch", ["Lê Minh Châu"], NXB_CS,
       "Cách nhận diện các luận điệu xuyên tạc và phương pháp phản bác."),
    _b(TU_TUONG, "pdf", 22, 2018, "hoi-dap-nghi-quyet-35",
       "Hỏi – đáp về Nghị quyết số 35-NQ/TW", [BTG], NXB_TT,
       "Các câu hỏi thường gặp khi học tập nghị quyết về bảo vệ nền tảng tư tưởng."),
    _b(TU_TUONG, "epub", 24, 2021, "phong-chong-tu-dien-bien",
       "Phòng, chống “tự diễn biến”, “tự chuyển hóa” trong nội bộ", ["Đặng Thị Hương"], NXB_CS,
       "Biểu hiện, nguyên nhân và giải pháp phòng, chống suy thoái trong nội bộ."),
    _b(TU_TUONG, "pdf", 40, 2017, "kien-dinh-chu-nghia-mac-lenin",
       "Kiên định chủ nghĩa Mác – Lênin trong thời đại số", ["Phạm Quốc Dũng", "Hoàng Thu Hà"], NXB_TT,
       "Giữ vững lập trường tư tưởng trước những tác động của môi trường số.", new_style_tones=True),
    _b(TU_TUONG, "epub", 18, 2022, "dau-tranh-tren-khong-gian-mang",
       "Đấu tranh trên không gian mạng: kỹ năng cho cán bộ cơ sở", ["Vũ Đức Hạnh"], NXB_CS,
       "Kỹ năng kiểm chứng thông tin và phản bác tin giả trên mạng xã hội."),
    _b(TU_TUONG, "pdf", 16, 2016, "nhung-luan-diem-sai-trai-va-loi-giai-dap",
       "Những luận điểm sai trái và lời giải đáp", [HDBS], NXB_TT,
       "Tập hợp các luận điểm sai trái thường gặp kèm lời giải đáp ngắn gọn."),
    _b(TU_TUONG, "epub", 14, 2023, "giu-vung-tran-dia-tu-tuong",
       "Giữ vững trận địa tư tưởng ở cơ sở", ["Bùi Văn Khánh"], NXB_SH,
       "Kinh nghiệm của các chi bộ trong công tác tư tưởng.", new_style_tones=True),
    _b(TU_TUONG, "pdf", 12, 2015, "so-tay-tuyen-truyen-vien",
       "Sổ tay tuyên truyền viên", [BTG], NXB_CS,
       "Những việc cần làm của tuyên truyền viên ở cơ quan, đơn vị."),
    _b(TU_TUONG, "epub", 20, 2024, "ban-linh-chinh-tri-dang-vien-tre",
       "Bản lĩnh chính trị của đảng viên trẻ", ["Đỗ Thanh Lâm", "Ngô Thị Mai"], NXB_SH,
       "Rèn luyện bản lĩnh chính trị cho đảng viên trẻ trong môi trường mới."),
    _b(TU_TUONG, "pdf", 10, 2021, "muoi-cau-hoi-suy-thoai-tu-tuong",
       "Mười câu hỏi về suy thoái tư tưởng chính trị", [KT], NXB_TT,
       "Mười câu hỏi giúp đảng viên tự soi, tự sửa."),
    _b(TU_TUONG, "pdf", 26, 2018, "chong-chu-nghia-ca-nhan",
       "Chống chủ nghĩa cá nhân – nhiệm vụ thường xuyên", ["Dương Quang Nghĩa"], NXB_CS,
       "Nhận diện chủ nghĩa cá nhân và các giải pháp khắc phục."),
    _b(TU_TUONG, "pdf", 8, 2025, "thong-tin-dinh-huong-bao-cao-vien",
       "Thông tin định hướng dành cho báo cáo viên", [BTG], NXB_TT,
       "Các nội dung định hướng thông tin cho đội ngũ báo cáo viên."),
    _b(TU_TUONG, "epub", 30, 2016, "ly-luan-chinh-tri-pho-thong",
       "Lý luận chính trị phổ thông: tài liệu bồi dưỡng", [TTBD], NXB_TT,
       "Tài liệu bồi dưỡng lý luận chính trị cho quần chúng ưu tú."),
    _b(TU_TUONG, "pdf", 18, 2023, "tu-dien-thuat-ngu-cong-tac-tu-tuong",
       "Từ điển thuật ngữ công tác tư tưởng", [HDBS, "Lý Thị Oanh"], NXB_TT,
       "Giải thích ngắn gọn các thuật ngữ thường dùng trong công tác tư tưởng."),
    _b(BAC, "pdf", 34, 2021, "chuyen-de-hoc-tap-nam-2021",
       "Chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm 2021",
       [BTG], NXB_TT, "Tài liệu sinh hoạt chuyên đề năm 2021 của các chi bộ."),
    _b(BAC, "pdf", 30, 2023, "chuyen-de-hoc-tap-nam-2023",
       "Chuyên đề năm 2023: Tôn trọng nhân dân, phát huy dân chủ", [BTG], NXB_TT,
       "Tài liệu sinh hoạt chuyên đề năm 2023 của các chi bộ."),
    _b(BAC, "epub", 22, 2020, "bac-ho-voi-cong-tac-xay-dung-dang",
       "Bác Hồ với công tác xây dựng Đảng", ["Trần Thị Bình"], NXB_CS,
       "Những bài học về xây dựng Đảng rút ra từ tư tưởng Hồ Chí Minh."),
    _b(BAC, "epub", 16, 2019, "mau-chuyen-dao-duc-ho-chi-minh",
       "Những mẩu chuyện về đạo đức Hồ Chí Minh", ["Hoàng Thu Hà"], NXB_SH,
       "Các câu chuyện ngắn về đạo đức, lối sống giản dị của Bác.", new_style_tones=True),
    _b(BAC, "pdf", 24, 2017, "can-kiem-liem-chinh",
       "Cần, kiệm, liêm, chính, chí công vô tư trong công việc hằng ngày", ["Phan Văn Phúc"], NXB_CS,
       "Vận dụng các đức tính cần, kiệm, liêm, chính vào công việc ở cơ quan."),
    _b(BAC, "pdf", 20, 2018, "phong-cach-lam-viec-ho-chi-minh",
       "Phong cách làm việc Hồ Chí Minh: dân chủ, khoa học, cụ thể", ["Trịnh Minh Quân"], NXB_TT,
       "Phong cách làm việc của Bác và bài học cho cán bộ hôm nay."),
    _b(BAC, "epub", 12, 2022, "tam-guong-nguoi-tot-viec-tot",
       "Tấm gương người tốt, việc tốt ở cơ quan Trung ương", [HDBS], NXB_SH,
       "Những tấm gương bình dị trong học tập và làm theo Bác."),
    _b(BAC, "pdf", 14, 2016, "so-tay-hoc-tap-lam-theo-bac",
       "Sổ tay học tập và làm theo Bác", [BTG], NXB_CS,
       "Sổ tay ngắn gọn giúp đảng viên xây dựng kế hoạch làm theo Bác."),
    _b(BAC, "pdf", 18, 2016, "hoi-dap-chi-thi-05",
       "Hỏi – đáp về Chỉ thị số 05-CT/TW", [BTG], NXB_TT,
       "Các câu hỏi về việc đẩy mạnh học tập và làm theo Bác."),
    _b(BAC, "pdf", 12, 2024, "neu-guong-noi-di-doi-voi-lam",
       "Nêu gương – nói đi đôi với làm", ["Đinh Thị Thủy"], NXB_CS,
       "Trách nhiệm nêu gương của cán bộ, đảng viên.", new_style_tones=True),
    _b(BAC, "epub", 26, 2019, "di-chuc-cua-bac-va-the-he-hom-nay",
       "Di chúc của Bác và trách nhiệm của thế hệ hôm nay", ["Hồ Ngọc Tuấn"], NXB_TT,
       "Suy ngẫm về bản Di chúc và trách nhiệm của thế hệ trẻ."),
    _b(BAC, "pdf", 28, 2020, "tu-tuong-ho-chi-minh-ve-doan-ket",
       "Tư tưởng Hồ Chí Minh về đoàn kết", [TTBD, "Tạ Thu Trang"], NXB_TT,
       "Tư tưởng đoàn kết của Bác và việc giữ gìn đoàn kết nội bộ."),
    _b(BAC, "pdf", 10, 2025, "lam-theo-bac-tu-nhung-viec-nho",
       "Làm theo Bác từ những việc nhỏ", ["Cao Văn Sơn"], NXB_SH,
       "Gợi ý những việc làm cụ thể, thiết thực mỗi ngày."),
    _b(BAC, "epub", 10, 2022, "tai-lieu-sinh-hoat-chuyen-de-chi-bo",
       "Tài liệu sinh hoạt chuyên đề dành cho chi bộ", [BTG], NXB_SH,
       "Gợi ý nội dung và cách tổ chức buổi sinh hoạt chuyên đề."),
    _b(BAC, "pdf", 22, 2015, "ho-chi-minh-va-van-hoa-cong-so",
       "Hồ Chí Minh và văn hóa ứng xử nơi công sở", ["Nguyễn Văn An", "Trần Thị Bình"], NXB_CS,
       "Văn hóa ứng xử nơi công sở theo tấm gương của Bác."),
    _b(CHI_BO, "pdf", 40, 2024, "so-tay-dang-vien",
       "Sổ tay đảng viên", [TC], NXB_SH, "Những điều đảng viên cần biết trong sinh hoạt đảng."),
    _b(CHI_BO, "pdf", 24, 2021, "huong-dan-sinh-hoat-chi-bo-truc-tuyen",
       "Hướng dẫn sinh hoạt chi bộ trực tuyến", [VP], NXB_SH,
       "Các bước chuẩn bị và điều hành buổi họp chi bộ trực tuyến."),
    _b(CHI_BO, "epub", 20, 2022, "chi-bo-dien-tu-tu-y-tuong-den-thuc-tien",
       "Chi bộ điện tử: từ ý tưởng đến thực tiễn", ["Phạm Quốc Dũng"], NXB_CS,
       "Kinh nghiệm xây dựng chi bộ điện tử ở các cơ quan Trung ương."),
    _b(CHI_BO, "pdf", 30, 2019, "so-tay-bi-thu-chi-bo",
       "Sổ tay bí thư chi bộ", [TC, "Đặng Thị Hương"], NXB_SH,
       "Nghiệp vụ của bí thư chi bộ từ chuẩn bị nghị quyết đến đánh giá đảng viên."),
    _b(CHI_BO, "pdf", 20, 2018, "hoi-dap-nghiep-vu-cong-tac-dang",
       "Hỏi – đáp về nghiệp vụ công tác đảng", [TC], NXB_TT,
       "Giải đáp các tình huống nghiệp vụ thường gặp ở chi bộ."),
    _b(CHI_BO, "epub", 18, 2020, "nang-cao-chat-luong-sinh-hoat-chi-bo",
       "Nâng cao chất lượng sinh hoạt chi bộ", ["Vũ Đức Hạnh"], NXB_SH,
       "Giải pháp nâng cao chất lượng sinh hoạt chi bộ.", new_style_tones=True),
    _b(CHI_BO, "pdf", 16, 2017, "quy-trinh-ket-nap-dang-vien",
       "Quy trình kết nạp đảng viên và chuyển đảng chính thức", [TC], NXB_SH,
       "Các bước, hồ sơ và biểu mẫu kết nạp đảng viên."),
    _b(CHI_BO, "pdf", 26, 2023, "chuyen-doi-so-trong-cong-tac-xay-dung-dang",
       "Chuyển đổi số trong công tác xây dựng Đảng", ["Bùi Văn Khánh", "Ngô Thị Mai"], NXB_CS,
       "Ứng dụng công nghệ thông tin và chuyển đổi số trong công tác đảng."),
    _b(CHI_BO, "epub", 14, 2024, "sinh-hoat-chi-bo-theo-chuyen-de",
       "Sinh hoạt chi bộ theo chuyên đề: gợi ý nội dung", [HDBS], NXB_SH,
       "Gợi ý chủ đề và cách tổ chức các buổi sinh hoạt chuyên đề."),
    _b(CHI_BO, "pdf", 12, 2022, "an-toan-thong-tin-khi-hop-truc-tuyen",
       "An toàn thông tin khi họp trực tuyến", [VP], NXB_TT,
       "Những quy tắc bảo đảm an toàn thông tin cho buổi họp trực tuyến."),
    _b(CHI_BO, "scan", 9, 2016, "bien-ban-sinh-hoat-chi-bo-ban-chup",
       "Biên bản sinh hoạt chi bộ – bản chụp lưu trữ", [VP], NXB_SH,
       "Bản chụp các trang biên bản mẫu; tệp chỉ có ảnh, không có lớp chữ để tìm kiếm."),
    _b(CHI_BO, "pdf", 22, 2020, "kiem-tra-giam-sat-trong-chi-bo",
       "Kiểm tra, giám sát trong chi bộ", [KT], NXB_TT,
       "Nội dung, phương pháp kiểm tra, giám sát của chi bộ."),
    _b(CHI_BO, "epub", 12, 2018, "mau-van-ban-dung-trong-chi-bo",
       "Mẫu văn bản dùng trong chi bộ", [VP], NXB_SH,
       "Các mẫu nghị quyết, biên bản, báo cáo thường dùng."),
    _b(CHI_BO, "pdf", 18, 2025, "danh-gia-xep-loai-dang-vien",
       "Đánh giá, xếp loại chất lượng đảng viên hằng năm", [TC, "Lý Thị Oanh"], NXB_SH,
       "Tiêu chí và quy trình đánh giá, xếp loại đảng viên."),
    _b(CHI_BO, "epub", 16, 2023, "dang-vien-o-noi-cu-tru",
       "Sổ tay công tác đảng viên ở nơi cư trú", ["Đỗ Thanh Lâm"], NXB_CS,
       "Trách nhiệm của đảng viên đang công tác đối với nơi cư trú."),
]


def _chapter_every(pages: int) -> tuple[int, int]:
    return max(2, min(8, pages // 10)), max(4, min(30, pages // 4))


def write_book(book: DemoBook, out_dir: str | Path) -> DemoFile:
    """Writes one planned book into out_dir; the same plan always gives the same bytes."""
    rng = random.Random(book.seed)
    shelf_name, theme, color = SHELVES[book.shelf]
    path = Path(out_dir) / book.filename
    restyle = text.new_style_tones if book.new_style_tones else (lambda s: s)
    if book.kind == "epub":
        chapters = text.chapters_for_pages(rng, book.pages, theme, chapter_pages=book.chapter_pages)
        chapters = [(title, restyle(body)) for title, body in chapters]
        cover = render_cover(book.title, list(book.authors), book.year, color)
        write_epub(path, book.title, list(book.authors), book.year, chapters, "vi", cover,
                   publisher=book.publisher, description=book.description, subject=shelf_name)
        count = len(chapters)
    else:
        pages, outline = text.outlined_pages(rng, book.pages, theme=theme,
                                             chapter_every=_chapter_every(book.pages))
        pages = [restyle(page) for page in pages]
        if book.kind == "scan":
            count = write_scanned_pdf(path, book.title, list(book.authors), book.year, pages, shelf_name)
        else:
            outline = [(restyle(title), number) for title, number in outline]
            count = write_pdf(path, book.title, list(book.authors), book.year, pages, outline, shelf_name)
    return DemoFile(path, book.shelf, book.title, list(book.authors), book.year, book.publisher,
                    book.description, MEDIA_TYPES[book.kind], book.kind != "scan", count)


def build_demo_files(out_dir: str | Path, books: list[DemoBook] | None = None) -> list[DemoFile]:
    """Writes the demo library (DEMO_BOOKS unless told otherwise) into out_dir, in plan order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_book(book, out) for book in (DEMO_BOOKS if books is None else books)]


def write_manifest_csv(files: list[DemoFile], path: str | Path) -> Path:
    """The librarian's metadata sheet: UTF-8, a header, one row per file, its path relative to the sheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "title", "authors", "shelf", "year", "publisher", "description"])
        for f in files:
            relative = Path(os.path.relpath(Path(f.path).resolve(), path.parent.resolve())).as_posix()
            writer.writerow([relative, f.title, "; ".join(f.authors), f.shelf, f.year, f.publisher,
                             f.description])
    return path
