"""The console's forms (Flask-WTF: each carries its CSRF token)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REQUIRED = "Vui lòng nhập trường này."
TOO_LONG = "Tối đa %(max)d ký tự."
YEAR = "Năm phải trong khoảng %(min)s–%(max)s."


def shelf_choices(shelves) -> list[tuple[str, str]]:
    return [(shelf.slug, shelf.name) for shelf in shelves]


class MetadataFields(FlaskForm):
    title = StringField("Tên sách", [Optional(), Length(max=500, message=TOO_LONG)])
    authors = StringField("Tác giả (cách nhau bằng dấu ;)", [Optional(), Length(max=1000, message=TOO_LONG)])
    year = IntegerField("Năm xuất bản", [Optional(), NumberRange(1000, 2999, message=YEAR)])
    publisher = StringField("Nhà xuất bản", [Optional(), Length(max=300, message=TOO_LONG)])
    description = TextAreaField("Giới thiệu", [Optional(), Length(max=20000, message=TOO_LONG)])


class UploadForm(MetadataFields):
    files = MultipleFileField("Tệp PDF hoặc EPUB (chọn được nhiều tệp)")
    shelf = SelectField("Tủ sách")
    manifest = FileField("Bảng kê CSV (không bắt buộc)")


class BookForm(MetadataFields):
    title = StringField("Tên sách", [DataRequired(REQUIRED), Length(max=500, message=TOO_LONG)])
    shelf = SelectField("Tủ sách")
    cover = FileField("Ảnh bìa mới (JPEG, PNG…; không bắt buộc)")


class ReplaceForm(FlaskForm):
    file = FileField("Tệp mới (PDF hoặc EPUB)")


class ButtonForm(FlaskForm):
    """Only the CSRF token: withdraw, reinstate, delete."""


class MoveForm(FlaskForm):
    shelf = SelectField("Chuyển sang tủ sách")
