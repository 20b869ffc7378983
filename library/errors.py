"""Errors as pages for people and as JSON for the API: never a bare traceback."""
from flask import Flask, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from library.exceptions import Refused, http_status
from library.i18n import gettext as _, message as stored_message
from library.translatable import N_

API_PREFIXES = ("/api/", "/opds")

# Werkzeug's own texts are English; a page the code aborts without words of its own
# gets these instead. A description given with abort() is kept.
PAGES = {
    400: (N_("Yêu cầu không hợp lệ"), N_("Địa chỉ hoặc biểu mẫu có dữ liệu không đúng. Xin kiểm tra rồi thử lại.")),
    401: (N_("Cần đăng nhập"), N_("Vui lòng đăng nhập để tiếp tục.")),
    403: (N_("Không có quyền truy cập"), N_("Tài khoản của bạn không được phép mở trang này.")),
    404: (N_("Không tìm thấy trang"), N_("Trang bạn tìm không có ở đây.")),
    405: (N_("Thao tác không được hỗ trợ"), N_("Trang này không nhận kiểu yêu cầu vừa gửi.")),
    409: (N_("Xung đột dữ liệu"), N_("Dữ liệu vừa bị thay đổi ở nơi khác. Xin tải lại trang rồi thử lại.")),
    410: (N_("Không còn nữa"), N_("Nội dung này đã bị gỡ bỏ.")),
    414: (N_("Địa chỉ quá dài"), N_("Câu tìm kiếm hoặc địa chỉ trang quá dài. Hãy rút gọn câu tìm "
                                    "(tối đa 500 ký tự) rồi tìm lại.")),
    416: (N_("Đoạn tệp không hợp lệ"), N_("Phần tệp được yêu cầu nằm ngoài độ dài của tệp.")),
    429: (N_("Quá nhiều yêu cầu"), N_("Xin đợi một lát rồi thử lại.")),
    500: (N_("Đã xảy ra lỗi"), N_("Xin thử lại sau ít phút.")),
    503: (N_("Dịch vụ tạm thời gián đoạn"), N_("Xin thử lại sau ít phút.")),
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


def _handle_refused(error: Refused):
    """A typed domain error nobody nearer handled: the one JSON error of the API, or a page
    with the service's own words. What the refused request had changed is rolled back."""
    from library.extensions import db

    db.session.rollback()
    status = http_status(error)
    # The domain speaks Vietnamese msgids (with their values, library.translatable); the
    # reader's language here.
    message = stored_message(error.args[0] if error.args else str(error))
    if wants_json():
        return {"error": message}, status
    heading = _(PAGES[status][0])
    return render_template("errors/error.html", heading=heading, message=message), status


def _handle_unexpected(error: Exception):
    # Flask has logged the traceback; the user sees a plain page or JSON.
    if wants_json():
        return {"error": _("Lỗi máy chủ, xin thử lại sau")}, 500
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
    app.register_error_handler(Refused, _handle_refused)
    app.register_error_handler(Exception, _handle_unexpected)
