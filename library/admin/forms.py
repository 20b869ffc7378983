"""The administrator's forms. Each lists exactly the fields a view may change (no mass assignment)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from library.auth.models import ROLE_LABELS, ROLES
from library.auth.passwords import MAX_LENGTH
from library.i18n import FlaskForm, lazy_gettext
from library.i18n import gettext as _

REQUIRED = lazy_gettext("Vui lòng nhập trường này.")
TOO_LONG = lazy_gettext("Tối đa %(max)d ký tự.")
def ROLE_CHOICES() -> dict[str, str]:
    """A plain {value: label} dict (WTForms 3.3 deprecates tuples), in the reader's language:
    WTForms calls it when it renders or checks the field."""
    return {role: _(ROLE_LABELS[role]) for role in ROLES}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class UserCreateForm(FlaskForm):
    username = StringField(lazy_gettext("Tên đăng nhập"), [DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)],
                           filters=[_strip])
    full_name = StringField(lazy_gettext("Họ và tên"), [Optional(), Length(max=200, message=TOO_LONG)])
    role = SelectField(lazy_gettext("Vai trò"), choices=ROLE_CHOICES, default="member")
    branch_code = StringField(lazy_gettext("Mã chi bộ"), [Optional(), Length(max=50, message=TOO_LONG)],
                              filters=[_strip])
    password = PasswordField(lazy_gettext("Mật khẩu (để trống: chưa đặt)"),
                             [Optional(), Length(max=MAX_LENGTH, message=TOO_LONG)])


class UserEditForm(FlaskForm):
    full_name = StringField(lazy_gettext("Họ và tên"), [Optional(), Length(max=200, message=TOO_LONG)])
    role = SelectField(lazy_gettext("Vai trò"), choices=ROLE_CHOICES)
    branch_code = StringField(lazy_gettext("Mã chi bộ"), [Optional(), Length(max=50, message=TOO_LONG)],
                              filters=[_strip])


class PasswordResetForm(FlaskForm):
    password = PasswordField(lazy_gettext("Mật khẩu mới (để trống: tạo ngẫu nhiên)"),
                             [Optional(), Length(max=MAX_LENGTH, message=TOO_LONG)])


class BranchForm(FlaskForm):
    code = StringField(lazy_gettext("Mã chi bộ"), [DataRequired(REQUIRED), Length(max=50, message=TOO_LONG)],
                       filters=[_strip])
    name = StringField(lazy_gettext("Tên chi bộ"), [DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)])


class ImportForm(FlaskForm):
    sheet = FileField(lazy_gettext("Tệp danh sách (CSV UTF-8 hoặc XLSX)"), [DataRequired(lazy_gettext("Hãy chọn một tệp."))])


class ButtonForm(FlaskForm):
    """Only the CSRF token: deactivate and reactivate buttons."""


class AuditFilterForm(FlaskForm):
    """Read from the query string; a GET filter needs no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField(lazy_gettext("Người thực hiện"), [Optional(), Length(max=80)])
    action = SelectField(lazy_gettext("Thao tác"), choices=[], validate_choice=False)
    target = StringField(lazy_gettext("Đối tượng"), [Optional(), Length(max=200)])
    since = DateField(lazy_gettext("Từ ngày"), [Optional()])
    until = DateField(lazy_gettext("Đến ngày"), [Optional()])
