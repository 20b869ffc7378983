"""Synthetic Vietnamese-like books for the search benchmark: real words, Zipf-distributed."""
from __future__ import annotations

import itertools
import random
import unicodedata

# Words of the library's subject, one to three syllables, most frequent first.
COMMON = (
    "của,và,là,các,những,trong,có,được,cho,với,không,để,một,đã,này,người,theo,về,từ,khi,"
    "cũng,phải,đến,nhiều,như,thì,sẽ,đó,lại,ra,vào,trên,nhưng,mà,nên,còn,rất,đều,hơn,bằng"
).split(",")
WORDS = (
    "Đảng,đảng viên,chi bộ,cán bộ,nhân dân,cách mạng,tư tưởng,Hồ Chí Minh,chủ nghĩa,xã hội,"
    "Mác-Lênin,xây dựng,phát triển,kinh tế,văn hóa,đạo đức,phong cách,học tập,làm theo,"
    "tổ chức,lãnh đạo,nhiệm vụ,giải pháp,nghị quyết,chỉ thị,kết luận,Trung ương,Bộ Chính trị,"
    "đất nước,dân tộc,độc lập,tự do,hạnh phúc,trong sạch,vững mạnh,tự diễn biến,tự chuyển hóa,"
    "suy thoái,chính trị,thế lực thù địch,âm mưu,luận điệu,sai trái,bảo vệ,nền tảng,"
    "đấu tranh,phản bác,quan điểm,thông tin,mạng xã hội,tuyên truyền,giáo dục,lý luận,"
    "thực tiễn,đổi mới,công nghiệp hóa,hiện đại hóa,hội nhập,quốc tế,hòa bình,an ninh,"
    "quốc phòng,pháp luật,Nhà nước,pháp quyền,dân chủ,kỷ luật,kỷ cương,tham nhũng,lãng phí,"
    "tiêu cực,cần,kiệm,liêm,chính,chí công vô tư,gương mẫu,trách nhiệm,nêu gương,người đứng đầu,"
    "sinh hoạt,định kỳ,chuyên đề,thảo luận,kiểm tra,giám sát,đánh giá,xếp loại,chất lượng,"
    "hiệu quả,năng lực,phẩm chất,uy tín,niềm tin,quần chúng,đoàn kết,thống nhất,tập trung,"
    "tự phê bình,phê bình,thường xuyên,kiên quyết,kiên trì,mục tiêu,phương hướng,chiến lược,"
    "kế hoạch,thực hiện,triển khai,tổng kết,kinh nghiệm,bài học,lịch sử,truyền thống,vẻ vang,"
    "thanh niên,phụ nữ,công nhân,nông dân,trí thức,doanh nhân,lực lượng,vũ trang,quân đội,"
    "công an,biên giới,biển đảo,chủ quyền,lãnh thổ,toàn vẹn,sách,sạch,trong sách,dạng,đang,"
    "đáng,viên,dạng viên,tài liệu,hướng dẫn,sổ tay,bồi dưỡng,tuyên giáo,báo chí,xuất bản,"
    "cơ sở,địa phương,huyện,tỉnh,thành phố,xã,phường,thôn,bản,vùng sâu,vùng xa,đồng bào,"
    "dân tộc thiểu số,tôn giáo,tín ngưỡng,khoa học,công nghệ,chuyển đổi số,điện tử,trực tuyến,"
    "môi trường,biến đổi khí hậu,y tế,sức khỏe,giáo viên,học sinh,sinh viên,nhà trường,"
    "gia đình,cộng đồng,đời sống,vật chất,tinh thần,tiến bộ,công bằng,văn minh,giàu mạnh,"
    "hoà hợp,khoẻ mạnh,thuý,quý báu,vĩ đại,Bác Hồ,Người,di chúc,lời dạy,tấm gương,noi theo"
).split(",")
ONSETS = "b c ch d đ g gh gi h k kh l m n ng nh p ph qu r s t th tr v x".split() + [""]
RHYMES = (
    "a ai am an ang anh ao au ay e em en eng i ia im in inh iu o oa oai oan oang oi om on ong "
    "u ua ui um un ung uy uyên ưa ươi ương ơ ơi ôi ông"
).split()
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]


def _random_syllable(rng: random.Random) -> str:
    rhyme = rng.choice(RHYMES)
    tone = rng.choice(TONES)
    vowel = next((i for i, ch in enumerate(rhyme) if ch in "aăâeêioôơuưy"), 0)
    syllable = rng.choice(ONSETS) + rhyme[: vowel + 1] + tone + rhyme[vowel + 1:]
    return unicodedata.normalize("NFC", syllable)


class Corpus:
    """Deterministic pages and titles: the same seed gives the same library."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        rare = {_random_syllable(self.rng) for _ in range(6000)}
        rare_words = sorted(rare)
        self.vocabulary = COMMON + WORDS + rare_words
        # Zipf: the n-th word has weight 1/n, as in real text
        self.weights = list(itertools.accumulate(1 / (n + 1) for n in range(len(self.vocabulary))))

    def sentence(self) -> str:
        size = self.rng.randint(8, 22)
        words = self.rng.choices(self.vocabulary, cum_weights=self.weights, k=size)
        if self.rng.random() < 0.4:
            words.insert(self.rng.randrange(1, len(words)), ",")
        text = " ".join(words).replace(" ,", ",")
        return text[0].upper() + text[1:] + self.rng.choice(".....;:!?")

    def page(self, size: int = 2000) -> str:
        lines, line, length = [], [], 0
        while length < size:
            for word in self.sentence().split(" "):
                line.append(word)
                if sum(len(w) + 1 for w in line) > 75:  # a PDF page's line breaks, mid-sentence
                    lines.append(" ".join(line))
                    length += len(lines[-1]) + 1
                    line = []
        return "\n".join(lines + [" ".join(line)]).strip()

    def title(self) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(3, 7))
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def author(self) -> str:
        family = self.rng.choice(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"])
        given = self.rng.choice(["Văn", "Thị", "Đức", "Minh", "Quốc", "Hữu"])
        return f"{family} {given} {_random_syllable(self.rng).capitalize()}"
