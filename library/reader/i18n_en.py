"""English for the reader's pages (Vietnamese is the source language)."""

ENGLISH = {
    "Chưa có dấu trang nào.": "No bookmarks yet.",
    "Chế độ văn bản": "Text mode",
    "Dấu trang": "Bookmarks",
    "Không mở được trình đọc PDF; sách được hiển thị ở chế độ văn bản.":
        "The PDF reader could not start; the book is shown in text mode.",
    "Trình đọc PDF chưa được cài đặt trên máy chủ; sách được hiển thị ở chế độ văn bản.":
        "The PDF reader is not installed on the server; the book is shown in text mode.",
    "Mở trình đọc đầy đủ": "Open the full reader",
    "Mục lục": "Contents",
    "Tiếp tục từ chỗ bạn đọc lần trước.": "Continuing where you stopped last time.",
    "Tiếp tục đọc": "Continue reading",
    "Tải về": "Download",
    "Về trang sách": "Back to the book",
    "Vừa khung": "Fit width",
    "Xoá": "Delete",
    "Xoá dấu trang": "Delete bookmark",
    "Đang tải trang…": "Loading the page…",
    "Đi": "Go",
    "Đánh dấu chương này": "Bookmark this chapter",
    "Đánh dấu trang này": "Bookmark this page",
    "Đến trang": "Go to page",
    "Đọc từ đầu": "Start from the beginning",
    "Chuyển chương": "Chapters",
    "Chuyển trang": "Pages",
    "Chữ lớn hơn": "Larger text",
    "Chữ nhỏ hơn": "Smaller text",
    "Phóng to": "Zoom in",
    "Thu nhỏ": "Zoom out",
    "Trang sách": "Book page",
}
