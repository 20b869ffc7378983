"""The words and phrases the demo prose is built from, written for this project."""

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

# Verbs by the kind of object they take, so that the prose reads sensibly.
VERBS = {
    "doc": ["nghiên cứu", "quán triệt", "triển khai", "cụ thể hóa", "tổ chức thực hiện",
            "tuyên truyền", "phổ biến", "học tập", "thảo luận", "góp ý xây dựng",
            "sơ kết việc thực hiện", "tổng kết việc thực hiện", "kiên trì thực hiện",
            "thể chế hóa", "số hóa", "lưu trữ", "chia sẻ", "đọc kỹ"],
    "idea": ["nghiên cứu", "học tập", "làm theo", "vận dụng sáng tạo", "bảo vệ", "kiên định",
             "lan tỏa", "tuyên truyền", "quán triệt", "giữ vững", "tìm hiểu sâu sắc", "thấm nhuần"],
    "value": ["giữ vững", "phát huy", "nêu cao", "tăng cường", "củng cố", "gìn giữ", "xây dựng",
              "vun đắp", "rèn luyện", "tu dưỡng", "bồi đắp", "đề cao", "nâng cao"],
    "hostile": ["nhận diện", "đấu tranh phản bác", "kiên quyết bác bỏ", "ngăn chặn", "vạch trần",
                "đẩy lùi", "chủ động phòng ngừa", "kịp thời xử lý", "cảnh giác trước"],
    "info": ["chủ động nắm bắt", "kịp thời định hướng", "sàng lọc", "kiểm chứng", "theo dõi sát",
             "phân tích", "tổng hợp"],
    "tool": ["sử dụng thành thạo", "triển khai", "cập nhật", "bảo mật", "khai thác hiệu quả",
             "từng bước hoàn thiện", "nâng cấp", "quản lý chặt chẽ", "ứng dụng", "kiểm tra định kỳ"],
    "activity": ["tổ chức", "chuẩn bị chu đáo", "đổi mới", "nâng cao chất lượng", "duy trì nền nếp",
                 "chủ trì", "tham gia đầy đủ", "điều hành", "đánh giá kết quả"],
    "work": ["đổi mới", "nâng cao chất lượng", "làm tốt", "thực hiện nghiêm", "kiểm tra, giám sát",
             "chăm lo", "tăng cường", "đánh giá đúng", "từng bước hoàn thiện", "thường xuyên rà soát",
             "đẩy mạnh", "chỉ đạo sát sao"],
}

OBJECTS = {
    "doc": ["nghị quyết của Trung ương", "chỉ thị của Bộ Chính trị", "kết luận của Ban Bí thư",
            "chính sách, pháp luật của Nhà nước", "chương trình hành động", "kế hoạch công tác năm",
            "tài liệu học tập", "sổ tay nghiệp vụ", "quy chế làm việc của cấp ủy"],
    "value": ["tinh thần đoàn kết nội bộ", "kỷ luật, kỷ cương", "vai trò nêu gương",
              "mối quan hệ mật thiết giữa Đảng với nhân dân", "lòng tin của nhân dân",
              "trách nhiệm nêu gương của người đứng đầu", "tinh thần phục vụ nhân dân",
              "nguyên tắc tập trung dân chủ", "quyền làm chủ của nhân dân", "văn hóa công sở",
              "chất lượng sinh hoạt chi bộ"],
    "work": ["công tác cán bộ", "công tác phát triển đảng viên", "chế độ tự phê bình và phê bình",
             "các phong trào thi đua yêu nước", "những mô hình hay, cách làm sáng tạo",
             "kỹ năng làm việc nhóm"],
    "tool": ["hồ sơ đảng viên", "tủ sách điện tử"],
}

THEME_OBJECTS = {
    "tu-tuong": {
        "idea": ["nền tảng tư tưởng của Đảng", "chủ nghĩa Mác – Lênin", "mục tiêu độc lập dân tộc",
                 "niềm tin vào con đường đi lên chủ nghĩa xã hội", "thông tin chính thống"],
        "value": ["bản lĩnh chính trị", "lập trường tư tưởng vững vàng", "trận địa tư tưởng ở cơ sở"],
        "hostile": ["các quan điểm sai trái, thù địch", "những luận điệu xuyên tạc",
                    "những biểu hiện “tự diễn biến”, “tự chuyển hóa”", "âm mưu “diễn biến hòa bình”",
                    "sự suy thoái về tư tưởng chính trị, đạo đức, lối sống", "những tin giả, tin xấu độc"],
        "info": ["dư luận xã hội", "thông tin trên không gian mạng", "các trang mạng xã hội"],
        "work": ["công tác tư tưởng", "lực lượng nòng cốt"],
        "doc": ["Nghị quyết số 35-NQ/TW về bảo vệ nền tảng tư tưởng của Đảng"],
    },
    "bac": {
        "idea": ["tư tưởng, đạo đức, phong cách Hồ Chí Minh", "tấm gương đạo đức của Bác",
                 "lời dạy của Bác", "bản Di chúc thiêng liêng", "những tấm gương người tốt, việc tốt"],
        "value": ["đức tính cần, kiệm, liêm, chính, chí công vô tư", "ý thức tôn trọng nhân dân",
                  "phong cách làm việc dân chủ, khoa học", "tinh thần tự lực, tự cường",
                  "lối sống giản dị, khiêm tốn", "tinh thần nói đi đôi với làm", "đạo đức cách mạng",
                  "khát vọng phát triển đất nước", "tình yêu thương con người", "ý chí vượt khó",
                  "tác phong gần dân, trọng dân"],
        "doc": ["Chỉ thị số 05-CT/TW về học tập và làm theo Bác", "chuyên đề học tập hằng năm"],
        "work": ["việc làm theo Bác bằng những việc cụ thể"],
    },
    "chi-bo": {
        "activity": ["sinh hoạt chi bộ định kỳ", "sinh hoạt chuyên đề", "buổi họp chi bộ trực tuyến",
                     "lịch sinh hoạt của chi bộ"],
        "tool": ["phần mềm sổ tay đảng viên", "hồ sơ đảng viên điện tử", "chữ ký số",
                 "hệ thống hội nghị truyền hình", "đường truyền kết nối các điểm cầu",
                 "tài khoản cá nhân", "dữ liệu đảng viên", "tài liệu sinh hoạt trực tuyến"],
        "work": ["quy trình kết nạp đảng viên", "việc đánh giá, xếp loại đảng viên",
                 "việc thu, nộp đảng phí", "công tác chuyển sinh hoạt đảng", "an toàn thông tin",
                 "ứng dụng công nghệ thông tin", "chuyển đổi số trong công tác đảng"],
        "doc": ["biên bản sinh hoạt", "nghị quyết của chi bộ"],
    },
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

PLACES = [
    "Chi bộ Văn phòng", "Chi bộ Phòng Tổng hợp", "Đảng bộ cơ quan", "các điểm cầu ở Hà Nội",
    "điểm cầu Đà Nẵng", "điểm cầu Thành phố Hồ Chí Minh", "Chi bộ Vụ Tổ chức cán bộ",
    "chi bộ khối nghiên cứu", "Hải Phòng và Cần Thơ", "các đơn vị ở Nghệ An, Thừa Thiên Huế",
    "chi bộ sinh hoạt ghép", "hội trường lớn của cơ quan", "vùng sâu, vùng xa",
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
