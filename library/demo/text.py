"""Vietnamese prose written for this project, generated deterministically from a random.Random."""
from __future__ import annotations

import random
import re
import unicodedata

THEMES = ("tu-tuong", "bac", "chi-bo")

SUBJECTS = [
    "mỗi đảng viên", "chi bộ", "cấp ủy các cấp", "bí thư chi bộ", "cán bộ, đảng viên",
    "người đứng đầu cơ quan", "đội ngũ cán bộ chủ chốt", "các tổ chức cơ sở đảng",
    "Ban Thường vụ Đảng ủy", "ủy ban kiểm tra", "đoàn viên thanh niên", "tổ chức công đoàn",
    "mỗi cán bộ trẻ", "các đồng chí đảng viên lớn tuổi", "chi ủy", "tập thể lãnh đạo",
    "các ban xây dựng Đảng", "đội ngũ báo cáo viên", "lực lượng tuyên truyền viên",
    "mỗi cơ quan, đơn vị", "đảng viên dự bị", "cán bộ làm công tác tư tưởng",
    "cộng tác viên dư luận xã hội", "hội đồng biên soạn", "tổ công tác",
]

VERBS = [
    "nghiên cứu", "quán triệt", "triển khai", "cụ thể hóa", "nhận diện", "tổ chức thực hiện",
    "giữ vững", "bảo vệ", "phát huy", "nêu cao", "tăng cường", "đổi mới", "nâng cao",
    "rèn luyện", "tu dưỡng", "kiểm tra, giám sát", "đánh giá đúng", "sơ kết", "tổng kết",
    "học tập", "làm theo", "lan tỏa", "xây dựng", "củng cố", "thảo luận", "góp ý",
    "bồi dưỡng", "tuyên truyền", "vận dụng sáng tạo", "chăm lo", "gìn giữ", "chủ động nắm bắt",
    "kịp thời định hướng", "thường xuyên rà soát", "cập nhật", "số hóa", "lưu trữ",
    "chia sẻ", "phổ biến", "thể chế hóa", "kiên trì thực hiện", "từng bước hoàn thiện",
]

OBJECTS = [
    "nghị quyết của Trung ương", "chỉ thị của Bộ Chính trị", "kết luận của Ban Bí thư",
    "tinh thần đoàn kết nội bộ", "kỷ luật, kỷ cương", "vai trò nêu gương",
    "chất lượng sinh hoạt chi bộ", "mối quan hệ mật thiết giữa Đảng với nhân dân",
    "lòng tin của nhân dân", "trách nhiệm nêu gương của người đứng đầu", "công tác cán bộ",
    "tinh thần phục vụ nhân dân", "công tác phát triển đảng viên", "nguyên tắc tập trung dân chủ",
    "chế độ tự phê bình và phê bình", "quy chế làm việc của cấp ủy", "chương trình hành động",
    "kế hoạch công tác năm", "hồ sơ đảng viên", "sổ tay nghiệp vụ", "tủ sách điện tử",
    "tài liệu học tập", "chính sách, pháp luật của Nhà nước", "quyền làm chủ của nhân dân",
    "các phong trào thi đua yêu nước", "kỹ năng làm việc nhóm", "văn hóa công sở",
    "kết quả thực hiện nhiệm vụ chính trị", "những mô hình hay, cách làm sáng tạo",
]

THEME_OBJECTS = {
    "tu-tuong": [
        "nền tảng tư tưởng của Đảng", "chủ nghĩa Mác – Lênin", "các quan điểm sai trái, thù địch",
        "những luận điệu xuyên tạc", "thông tin trên không gian mạng", "trận địa tư tưởng ở cơ sở",
        "những biểu hiện “tự diễn biến”, “tự chuyển hóa”", "bản lĩnh chính trị",
        "sự suy thoái về tư tưởng chính trị, đạo đức, lối sống", "công tác tư tưởng",
        "Nghị quyết số 35-NQ/TW về bảo vệ nền tảng tư tưởng của Đảng", "dư luận xã hội",
        "niềm tin vào con đường đi lên chủ nghĩa xã hội", "mục tiêu độc lập dân tộc",
        "lập trường tư tưởng vững vàng", "thông tin chính thống", "các trang mạng xã hội",
        "âm mưu “diễn biến hòa bình”", "những tin giả, tin xấu độc", "lực lượng nòng cốt",
    ],
    "bac": [
        "tư tưởng, đạo đức, phong cách Hồ Chí Minh", "tấm gương đạo đức của Bác",
        "đức tính cần, kiệm, liêm, chính, chí công vô tư", "phong cách làm việc dân chủ, khoa học",
        "ý thức tôn trọng nhân dân", "tinh thần tự lực, tự cường", "lời dạy của Bác",
        "Chỉ thị số 05-CT/TW về học tập và làm theo Bác", "chuyên đề học tập hằng năm",
        "những tấm gương người tốt, việc tốt", "lối sống giản dị, khiêm tốn",
        "tinh thần nói đi đôi với làm", "đạo đức cách mạng", "khát vọng phát triển đất nước",
        "tình yêu thương con người", "ý chí vượt khó", "tác phong gần dân, trọng dân",
        "bản Di chúc thiêng liêng", "việc làm theo Bác bằng những việc cụ thể",
    ],
    "chi-bo": [
        "sinh hoạt chi bộ định kỳ", "sinh hoạt chuyên đề", "buổi họp chi bộ trực tuyến",
        "phần mềm sổ tay đảng viên", "hồ sơ đảng viên điện tử", "tài liệu sinh hoạt trực tuyến",
        "quy trình kết nạp đảng viên", "việc đánh giá, xếp loại đảng viên", "biên bản sinh hoạt",
        "nghị quyết của chi bộ", "việc thu, nộp đảng phí", "công tác chuyển sinh hoạt đảng",
        "an toàn thông tin", "chữ ký số", "hệ thống hội nghị truyền hình",
        "ứng dụng công nghệ thông tin", "chuyển đổi số trong công tác đảng", "dữ liệu đảng viên",
        "đường truyền kết nối các điểm cầu", "lịch sinh hoạt của chi bộ", "tài khoản cá nhân",
    ],
}

MODALS = ["cần", "phải", "cần phải", "luôn", "đã", "sẽ", "đang", "tiếp tục", "kiên quyết",
          "có trách nhiệm", "quyết tâm", "không ngừng", "đã và đang"]

MANNERS = [
    "một cách thường xuyên, liên tục", "với tinh thần cầu thị", "một cách nghiêm túc",
    "bằng những việc làm cụ thể", "thiết thực, hiệu quả", "có trọng tâm, trọng điểm",
    "sát với thực tiễn của cơ quan", "theo đúng quy định", "ngay từ cơ sở",
    "trên tinh thần dân chủ, cởi mở", "một cách sâu sắc, toàn diện", "kịp thời, chính xác",
    "gắn với nhiệm vụ chuyên môn", "trong từng việc nhỏ hằng ngày", "một cách sáng tạo",
    "không hình thức, không chiếu lệ", "với tinh thần trách nhiệm cao",
]

PURPOSES = [
    "nhằm góp phần giữ gìn sự trong sạch, vững mạnh của tổ chức đảng",
    "để mỗi người tự soi, tự sửa", "qua đó củng cố lòng tin của quần chúng",
    "nhằm tạo sự thống nhất cao trong nhận thức và hành động",
    "để kịp thời phát hiện, uốn nắn những lệch lạc", "góp phần hoàn thành tốt nhiệm vụ được giao",
    "nhằm nâng cao sức chiến đấu của chi bộ", "để văn bản, chính sách đi vào cuộc sống",
    "qua đó nâng cao năng lực lãnh đạo của cấp ủy", "tạo sức lan tỏa rộng rãi trong cơ quan",
    "để không ai bị bỏ lại phía sau", "nhằm tiết kiệm thời gian và chi phí đi lại",
    "để hướng dẫn đảng viên mới nắm vững nghiệp vụ", "góp phần đẩy lùi tiêu cực, lãng phí",
]

OPENERS = [
    "Thực tiễn cho thấy,", "Trong những năm qua,", "Bên cạnh đó,", "Vì vậy,", "Trước hết,",
    "Mặt khác,", "Có thể khẳng định,", "Trong bối cảnh hiện nay,", "Đặc biệt,", "Từ đó,",
    "Trên cơ sở đó,", "Ở nhiều nơi,", "Nhìn lại chặng đường đã qua,", "Qua theo dõi,",
    "Theo hướng dẫn của cấp trên,", "Tuy nhiên,", "Đồng thời,", "Hằng tháng,", "Cuối mỗi quý,",
]

TIMES = [
    "trong nhiệm kỳ 2020–2025", "từ đầu năm 2022", "trong năm 2019", "sau hội nghị sơ kết",
    "trong đợt sinh hoạt chính trị vừa qua", "từ khi triển khai chi bộ điện tử",
    "trong giai đoạn 2016–2020", "trước mỗi kỳ đại hội", "vào dịp kỷ niệm ngày thành lập Đảng",
    "trong tháng thanh niên", "suốt mùa mưa bão năm ngoái",
]

EVALUATIONS = [
    "một nhiệm vụ vừa cơ bản, vừa cấp bách", "yêu cầu khách quan của công tác xây dựng Đảng",
    "việc làm thường xuyên, lâu dài", "trách nhiệm của cả hệ thống chính trị",
    "điều kiện tiên quyết để giữ vững ổn định", "thước đo phẩm chất của người đảng viên",
    "bài học kinh nghiệm quý báu", "giải pháp then chốt trong giai đoạn mới",
    "nét đẹp trong văn hóa của chi bộ", "nội dung trọng tâm của năm",
]

VICES = [
    "chủ nghĩa cá nhân", "lối sống thực dụng", "bệnh hình thức", "tư tưởng cơ hội",
    "sự thờ ơ với chính trị", "nói không đi đôi với làm", "tệ quan liêu, xa dân",
    "tham nhũng, lãng phí", "nể nang, né tránh", "cục bộ, bè phái", "cờ bạc, rượu chè",
    "lợi dụng chức vụ để vụ lợi", "ngại khó, ngại khổ", "dao động, hoài nghi",
    "phát ngôn tùy tiện trên mạng xã hội", "chạy chức, chạy quyền",
]

MAXIMS = [
    "việc gì có lợi cho dân thì phải dốc sức làm", "muốn dạy người khác thì trước hết phải sửa mình",
    "đoàn kết là sức mạnh của mọi thắng lợi", "cán bộ là công bộc của nhân dân",
    "học phải đi đôi với hành", "mỗi ngày làm một việc tốt là điều ai cũng làm được",
    "sự trong sạch của Đảng bắt đầu từ mỗi đảng viên", "sức mạnh nằm ở lòng dân",
]

ASIDES = [
    "Chi bộ đã tra cứu từ điển thuật ngữ chính trị để thống nhất cách hiểu các khái niệm mới.",
    "Nhiều đồng chí đề nghị bổ sung sách báo, tài liệu vào tủ sách điện tử của cơ quan.",
    "Buổi sinh hoạt được kết nối tới các điểm cầu ở miền Bắc, miền Trung và miền Nam.",
    "Các ý kiến đều thống nhất bác bỏ những luận điệu xuyên tạc lịch sử.",
    "Mọi thủ tục được hướng dẫn cụ thể, dễ dàng thực hiện trên điện thoại.",
    "Nội dung phong phú, đa dạng giúp đảng viên trẻ tiếp cận dễ dàng hơn.",
    "Biên bản được ký số và lưu trữ ngay sau buổi họp.",
    "Mảng công tác này mang lại nhiều kết quả thiết thực cho cơ quan.",
    "Đồng chí Đặng Văn Minh, bí thư chi bộ, chủ trì phần thảo luận.",
    "Lời nói phải đi đôi với việc làm, lợi ích chung phải đặt lên trên lợi ích riêng.",
    "Đảng viên đang công tác ở nơi xa vẫn tham gia đầy đủ qua đường truyền trực tuyến.",
    "Trang thông tin nội bộ đăng tải bản tóm tắt để mọi người cùng đọc và góp ý.",
    "Hội nghị lấy ý kiến quần chúng được tổ chức công khai, minh bạch.",
]

COUNTED = [
    ("tổ chức", "buổi sinh hoạt chuyên đề"), ("biên soạn", "tài liệu hướng dẫn"),
    ("kết nạp", "đảng viên mới"), ("khen thưởng", "tập thể, cá nhân tiêu biểu"),
    ("tiếp nhận", "ý kiến góp ý"), ("số hóa", "đầu sách, tài liệu"),
    ("kết nối", "điểm cầu trực tuyến"), ("phát hiện và xử lý", "tin, bài sai sự thật"),
]

HEADINGS = {
    "tu-tuong": [
        "Nhận diện các quan điểm sai trái, thù địch", "Bảo vệ nền tảng tư tưởng trên không gian mạng",
        "Phòng, chống “tự diễn biến”, “tự chuyển hóa”", "Vai trò của báo chí và dư luận xã hội",
        "Giữ vững lập trường tư tưởng của đảng viên", "Những bài học từ thực tiễn cơ sở",
        "Kỹ năng phản bác luận điệu xuyên tạc", "Trách nhiệm của người đứng đầu",
    ],
    "bac": [
        "Tư tưởng Hồ Chí Minh về xây dựng Đảng", "Đạo đức cách mạng trong giai đoạn mới",
        "Phong cách dân chủ, khoa học, cụ thể", "Học tập và làm theo Bác ở cơ quan",
        "Những tấm gương bình dị mà cao quý", "Cần, kiệm, liêm, chính trong công việc hằng ngày",
        "Gần dân, trọng dân, vì dân", "Nói đi đôi với làm",
    ],
    "chi-bo": [
        "Chuẩn bị nội dung sinh hoạt chi bộ", "Tổ chức họp chi bộ trực tuyến",
        "Quản lý hồ sơ đảng viên điện tử", "Kết nạp đảng viên và chuyển đảng chính thức",
        "Đánh giá, xếp loại chất lượng đảng viên", "An toàn thông tin trong sinh hoạt đảng",
        "Ghi biên bản và ra nghị quyết của chi bộ", "Kiểm tra, giám sát trong chi bộ",
    ],
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _object(rng: random.Random, theme: str | None) -> str:
    pool = THEME_OBJECTS.get(theme) if theme else None
    if pool is None:
        pool = THEME_OBJECTS[rng.choice(THEMES)]
    return rng.choice(pool) if rng.random() < 0.65 else rng.choice(OBJECTS)


def sentence(rng: random.Random, theme: str | None = None) -> str:
    """One sentence, NFC, ending with punctuation."""
    c = rng.choice
    o = lambda: _object(rng, theme)  # noqa: E731 - a short local shorthand
    kind = rng.randrange(12)
    if kind == 0:
        s = f"{c(OPENERS)} {c(SUBJECTS)} {c(MODALS)} {c(VERBS)} {o()} {c(MANNERS)}."
    elif kind == 1:
        s = f"{_cap(c(SUBJECTS))} {c(MODALS)} {c(VERBS)} {o()}, {c(PURPOSES)}."
    elif kind == 2:
        s = f"Việc {c(VERBS)} {o()} là {c(EVALUATIONS)}."
    elif kind == 3:
        s = f"Muốn {c(VERBS)} {o()}, {c(SUBJECTS)} phải {c(VERBS)} {o()} {c(MANNERS)}."
    elif kind == 4:
        s = f"Không chỉ {c(VERBS)} {o()}, {c(SUBJECTS)} còn {c(VERBS)} {o()}, {c(PURPOSES)}."
    elif kind == 5:
        verb, noun = c(COUNTED)
        s = (f"{_cap(c(TIMES))}, {c(SUBJECTS)} đã {verb} {rng.randint(2, 60)} {noun}, "
             f"thu hút {rng.randint(70, 100)}% đảng viên tham gia.")
    elif kind == 6:
        vices = rng.sample(VICES, 3)
        s = (f"{_cap(c(SUBJECTS))} cần kịp thời phát hiện, ngăn chặn những biểu hiện "
             f"{vices[0]}, {vices[1]} và {vices[2]}.")
    elif kind == 7:
        s = f"Theo tinh thần lời dạy của Bác, {c(MAXIMS)}; vì thế {c(SUBJECTS)} {c(MODALS)} {c(VERBS)} {o()}."
    elif kind == 8:
        s = f"Câu hỏi đặt ra là: {c(SUBJECTS)} cần làm gì để {c(VERBS)} {o()} {c(MANNERS)}?"
    elif kind == 9:
        s = c(ASIDES)
    elif kind == 10:
        s = (f"Một là, {c(VERBS)} {o()}; hai là, {c(VERBS)} {o()}; "
             f"ba là, {c(VERBS)} {o()} {c(MANNERS)}.")
    else:
        s = f"{_cap(o())} là {c(EVALUATIONS)} {c(TIMES)}."
    return s


def paragraph(rng: random.Random, theme: str | None = None, sentences: int | None = None) -> str:
    n = sentences or rng.randint(3, 6)
    return " ".join(sentence(rng, theme) for _ in range(n))


def paragraphs(rng: random.Random, n: int, theme: str | None = None) -> list[str]:
    return [paragraph(rng, theme) for _ in range(n)]


def heading(rng: random.Random, theme: str | None = None) -> str:
    return rng.choice(HEADINGS.get(theme) or HEADINGS[rng.choice(THEMES)])


def chapter(rng: random.Random, title: str, n_paragraphs: int, theme: str | None = None) -> tuple[str, str]:
    """(title, text); paragraphs separated by a newline."""
    return title, "\n".join(paragraphs(rng, n_paragraphs, theme))


def chapters_for_pages(rng: random.Random, n_pages: int, theme: str | None = None,
                       chars_per_page: int = 2000) -> list[tuple[str, str]]:
    """EPUB chapters whose text adds up to about n_pages printed pages."""
    out, left, number = [], max(1, n_pages), 1
    while left > 0:
        size = min(left, rng.randint(4, 14))
        target = size * chars_per_page
        parts, length = [], 0
        while length < target:
            p = paragraph(rng, theme)
            parts.append(p)
            length += len(p) + 1
        out.append((f"Chương {number}. {heading(rng, theme)}", "\n".join(parts)))
        left -= size
        number += 1
    return out


def book_pages(rng: random.Random, n_pages: int, chars_per_page: tuple[int, int] = (1800, 2200),
               theme: str | None = None) -> list[str]:
    """Pages of running prose, each ending on a full sentence; paragraphs split by newlines."""
    return outlined_pages(rng, n_pages, chars_per_page, theme, chapter_every=None)[0]


def outlined_pages(rng: random.Random, n_pages: int, chars_per_page: tuple[int, int] = (1800, 2200),
                   theme: str | None = None, chapter_every: tuple[int, int] | None = (4, 20),
                   ) -> tuple[list[str], list[tuple[str, int]]]:
    """(pages, outline); a chapter starts a page with its title on the first line.

    Outline pages are 1-based indices into `pages`.
    """
    pages: list[str] = []
    outline: list[tuple[str, int]] = []
    next_chapter = 1
    for number in range(1, n_pages + 1):
        lo, hi = chars_per_page
        target = rng.randint(lo, hi)
        lines: list[str] = []
        length = 0
        if chapter_every and number == next_chapter:
            title = f"Chương {len(outline) + 1}. {heading(rng, theme)}"
            outline.append((title, number))
            lines.append(title)
            length += len(title) + 1
            next_chapter += rng.randint(*chapter_every)
        current: list[str] = []
        while True:
            s = sentence(rng, theme)
            if length + len(s) + 1 > hi and length >= lo - 300:
                break
            current.append(s)
            length += len(s) + 1
            if length >= target:
                break
            if len(current) >= 3 and rng.random() < 0.3:
                lines.append(" ".join(current))
                current = []
        if current:
            lines.append(" ".join(current))
        pages.append("\n".join(lines))
    return pages, outline


_NEW_STYLE = re.compile(r"(?<![qQ])([oO])([\u0300\u0301\u0303\u0309\u0323])([aAeE])(?![^\W\d_])")
_NEW_STYLE_UY = re.compile(r"([uU])([\u0300\u0301\u0303\u0309\u0323])([yY])(?![^\W\d_])")


def new_style_tones(text: str) -> str:
    """'chuyển hóa' -> 'chuyển hoá': the other tone placement some publishers use."""
    nfd = unicodedata.normalize("NFD", text)
    nfd = _NEW_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), nfd)
    nfd = _NEW_STYLE_UY.sub(lambda m: m.group(1) + m.group(3) + m.group(2), nfd)
    return unicodedata.normalize("NFC", nfd)
