"""Scanned, mixed and hostile PDFs for the recognition tests: small pages, known text."""
from __future__ import annotations

import io
import zlib
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from library.demo import write_pdf
from library.demo.scans import ScanStyle, write_scanned_book

# Small pages (A6 at 200 dpi: ~1 s each for tesseract) keep the suite fast.
SMALL = ScanStyle(dpi=200, size_inches=(4.1, 5.8), skew_degrees=0.4, blur=0.4, speckle=0.001,
                  jpeg_quality=80, font_points=10.5)
HEAD = "SỔ TAY CÔNG TÁC ĐẢNG"
PAGES = [
    ["Chi bộ họp thường kỳ vào ngày mồng năm hằng tháng, kiểm điểm việc thực hiện nghị quyết "
     "và phân công nhiệm vụ cho từng đồng chí đảng viên."],
    ["Mỗi đảng viên phải kiên định mục tiêu độc lập dân tộc gắn liền với chủ nghĩa xã hội, "
     "giữ gìn phẩm chất đạo đức cách mạng và thực hành tiết kiệm."],
    ["Bí thư chi bộ theo dõi việc học tập của từng đồng chí, nhắc nhở những người chưa đọc "
     "tài liệu và báo cáo kết quả với cấp ủy cấp trên."],
    ["Hội nghị lấy ý kiến quần chúng được tổ chức công khai, dân chủ; mọi ý kiến đóng góp đều "
     "được ghi nhận đầy đủ vào biên bản."],
]
PHRASE = "kiên định mục tiêu độc lập dân tộc"  # on page 2


def scanned_book(path: Path, pages: list[list[str]] | None = None) -> Path:
    write_scanned_book(path, pages or PAGES[:2], SMALL, head=HEAD)
    return path


def mixed_book(path: Path, folder: Path) -> Path:
    """PDF page 1: the typeset title page, 2: typeset text, 3: a scan of PAGES[1], 4: typeset."""
    typeset = folder / "typeset.pdf"
    write_pdf(typeset, "Sổ tay hỗn hợp", ["Ban Tổ chức"], 2021,
              ["Trang in sẵn thứ nhất: chi bộ sinh hoạt định kỳ, quán triệt nghị quyết. " * 4,
               "Trang in sẵn thứ hai: đảng viên gương mẫu, tận tụy với công việc được giao. " * 4])
    scan = scanned_book(folder / "scan-page.pdf", [PAGES[1]])
    writer = PdfWriter()
    typeset_pages = PdfReader(typeset).pages
    writer.add_page(typeset_pages[0])
    writer.add_page(typeset_pages[1])
    writer.add_page(PdfReader(scan).pages[0])
    writer.add_page(typeset_pages[2])
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1-based), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def hostile_book(path: Path, good_scan: Path) -> Path:
    """Page 1: a real scan; page 2: 14,400 × 14,400 points (the most PDF allows) with a picture
    on it; page 3: a decompression bomb, a 20,000 × 20,000 picture in a 400 KB stream."""
    squeeze = zlib.compressobj(9)
    bomb = b"".join(squeeze.compress(bytes(20_000 * 100)) for _ in range(200)) + squeeze.flush()
    small = zlib.compress(bytes([200]) * 64)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Resources << /XObject << /Im 5 0 R >> >> /Contents 4 0 R >>",
        _stream(b"", b"q 14400 0 0 14400 0 0 cm /Im Do Q"),
        _stream(b"/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", small),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 420] /Resources << /XObject << /Im 8 0 R >> >> /Contents 7 0 R >>",
        _stream(b"", b"q 300 0 0 420 0 0 cm /Im Do Q"),
        _stream(b"/Type /XObject /Subtype /Image /Width 20000 /Height 20000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", bomb),
    ]
    hostile = path.parent / "hostile-pages.pdf"
    hostile.write_bytes(_pdf(objects))
    writer = PdfWriter()
    writer.add_page(PdfReader(good_scan).pages[0])
    for page in PdfReader(hostile).pages:
        writer.add_page(page)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path
