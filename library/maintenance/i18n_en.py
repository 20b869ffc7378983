"""English for the maintenance area's page strings."""
ENGLISH = {
    "Tệp sách không còn trong kho lưu trữ: hãy thay tệp hoặc khôi phục từ bản sao lưu":
        "The book's file is missing from the store: replace it or restore it from a backup",
}
