"""The administrator's forms. Each lists exactly the fields a view may change (no mass assignment)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from library.auth.models import ROLE_LABELS, ROLES
from library.auth.passwords import MAX_LENGTH

REQUIRED = "Vui lòng nhập trường này."
TOO_LONG = "Tối đa %(max)d ký tự."
# A plain {value: label} dict: WTForms 3.3 deprecates tuples.
ROLE_CHOICES = {role: ROLE_LABELS[role] for role in ROLES}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class UserCreateForm(FlaskForm):
    username = StringField("Tên đăng nhập", [DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)],
                           filters=[_strip])
    full_name = StringField("Họ và tên", [Optional(), Length(max=200, message=TOO_LONG)])
    role = SelectField("Vai trò", choices=ROLE_CHOICES, default="member")
    branch_code = StringField("Mã chi bộ", [Optional(), Length(max=50, message=TOO_LONG)],
                              filters=[_strip])
    password = PasswordField("Mật khẩu (để trống: chưa đặt)",
                             [Optional(), Length(max=MAX_LENGTH, message=TOO_LONG)])


class UserEditForm(FlaskForm):
    full_name = StringField("Họ và tên", [Optional(), Length(max=200, message=TOO_LONG)])
    role = SelectField("Vai trò", choices=ROLE_CHOICES)
    branch_code = StringField("Mã chi bộ", [Optional(), Length(max=50, message=TOO_LONG)],
                              filters=[_strip])


class PasswordResetForm(FlaskForm):
    password = PasswordField("Mật khẩu mới (để trống: tạo ngẫu nhiên)",
                             [Optional(), Length(max=MAX_LENGTH, message=TOO_LONG)])


class BranchForm(FlaskForm):
    code = StringField("Mã chi bộ", [DataRequired(REQUIRED), Length(max=50, message=TOO_LONG)],
                       filters=[_strip])
    name = StringField("Tên chi bộ", [DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)])


class ImportForm(FlaskForm):
    sheet = FileField("Tệp danh sách (CSV UTF-8 hoặc XLSX)", [DataRequired("Hãy chọn một tệp.")])


class ButtonForm(FlaskForm):
    """Only the CSRF token: deactivate and reactivate buttons."""


class AuditFilterForm(FlaskForm):
    """Read from the query string; a GET filter needs no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField("Người thực hiện", [Optional(), Length(max=80)])
    action = SelectField("Thao tác", choices=[], validate_choice=False)
    target = StringField("Đối tượng", [Optional(), Length(max=200)])
    since = DateField("Từ ngày", [Optional()])
    until = DateField("Đến ngày", [Optional()])
