"""Errors as pages for people and as JSON for the API: never a bare traceback."""
from flask import Flask, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from library.i18n import gettext as _

API_PREFIXES = ("/api/", "/opds")

# Werkzeug's own texts are English; a page the code aborts without words of its own
# gets these instead. A description given with abort() is kept.
PAGES = {
    400: ("Yêu cầu không hợp lệ", "Địa chỉ hoặc biểu mẫu có dữ liệu không đúng. Xin kiểm tra rồi thử lại."),
    401: ("Cần đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép mở trang này."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không có ở đây."),
    405: ("Thao tác không được hỗ trợ", "Trang này không nhận kiểu yêu cầu vừa gửi."),
    409: ("Xung đột dữ liệu", "Dữ liệu vừa bị thay đổi ở nơi khác. Xin tải lại trang rồi thử lại."),
    410: ("Không còn nữa", "Nội dung này đã bị gỡ bỏ."),
    414: ("Địa chỉ quá dài", "Câu tìm kiếm hoặc địa chỉ trang quá dài. Hãy rút gọn câu tìm "
                             "(tối đa 500 ký tự) rồi tìm lại."),
    416: ("Đoạn tệp không hợp lệ", "Phần tệp được yêu cầu nằm ngoài độ dài của tệp."),
    429: ("Quá nhiều yêu cầu", "Xin đợi một lát rồi thử lại."),
    500: ("Đã xảy ra lỗi", "Xin thử lại sau ít phút."),
    503: ("Dịch vụ tạm thời gián đoạn", "Xin thử lại sau ít phút."),
}


def _words(error: HTTPException) -> tuple[str, str]:
    """Heading and message for an error, in the reader's language."""
    heading, message = PAGES.get(error.code, (error.name, error.description))
    if error.description and error.description != type(error).description:
        message = error.description  # the view's own explanation
    return _(heading), _(message)


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.path == "/healthz"


def _handle_http(error: HTTPException):
    heading, message = _words(error)
    if wants_json():
        return {"error": message}, error.code
    return render_template("errors/error.html", heading=heading, message=message), error.code


def _handle_too_large(error: RequestEntityTooLarge):
    """The upload is over MAX_CONTENT_LENGTH: say what the limit is, in the reader's words."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    megabytes = f"{limit / (1024 * 1024):.0f}" if limit >= 1024 * 1024 else f"{limit / (1024 * 1024):.2f}"
    message = _("Tệp tải lên quá lớn: tối đa {mb} MB mỗi lần. Hãy chia thành nhiều lần tải "
                "hoặc dùng lệnh books import trên máy chủ.", mb=megabytes)
    if wants_json():
        return {"error": message, "max_bytes": limit}, 413
    return render_template("errors/error.html", heading=_("Tệp quá lớn"), message=message), 413


def _handle_unexpected(error: Exception):
    # Flask has logged the traceback; the user sees a plain page or JSON.
    if wants_json():
        return {"error": "Lỗi máy chủ, xin thử lại sau"}, 500
    heading, message = PAGES[500]
    return render_template("errors/error.html", heading=_(heading), message=_(message)), 500


def too_long():
    """Where the reverse proxy sends a request whose address it refused as too long (414)."""
    abort(414)


too_long.is_public = True  # read by the sign-in guard: anyone may be told this


def init_app(app: Flask) -> None:
    app.add_url_rule("/qua-dai", "errors.too_long", too_long)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
