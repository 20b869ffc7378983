"""The console's forms (Flask-WTF: each carries its CSRF token)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from library.catalog import limits
from library.catalog.manifest import split_authors

REQUIRED = "Vui lòng nhập trường này."
TOO_LONG = "Tối đa %(max)d ký tự."
YEAR = "Năm phải trong khoảng %(min)s–%(max)s."


def shelf_choices(shelves) -> list[tuple[str, str]]:
    return [(shelf.slug, shelf.name) for shelf in shelves]


def authors_within_limits(form, field) -> None:
    """The limits of library.catalog.limits, on the names the field splits into."""
    found = limits.problems(authors=split_authors(field.data or ""))
    if found:
        raise ValidationError("; ".join(found))


class MetadataFields(FlaskForm):
    title = StringField("Tên sách", [Optional(), Length(max=limits.MAX_TITLE, message=TOO_LONG)])
    authors = StringField("Tác giả (cách nhau bằng dấu ;)", [Optional(), authors_within_limits])
    year = IntegerField("Năm xuất bản", [Optional(), NumberRange(1000, 2999, message=YEAR)])
    publisher = StringField("Nhà xuất bản", [Optional(), Length(max=limits.MAX_PUBLISHER, message=TOO_LONG)])
    description = TextAreaField("Giới thiệu", [Optional(), Length(max=limits.MAX_DESCRIPTION, message=TOO_LONG)])


class UploadForm(MetadataFields):
    files = MultipleFileField("Tệp PDF hoặc EPUB (chọn được nhiều tệp)")
    shelf = SelectField("Tủ sách")
    manifest = FileField("Bảng kê CSV (không bắt buộc)")


class BookForm(MetadataFields):
    title = StringField("Tên sách", [DataRequired(REQUIRED), Length(max=limits.MAX_TITLE, message=TOO_LONG)])
    shelf = SelectField("Tủ sách")
    cover = FileField("Ảnh bìa mới (JPEG, PNG…; không bắt buộc)")


class ReplaceForm(FlaskForm):
    file = FileField("Tệp mới (PDF hoặc EPUB)")


class ButtonForm(FlaskForm):
    """Only the CSRF token: withdraw, reinstate, delete."""


class MoveForm(FlaskForm):
    shelf = SelectField("Chuyển sang tủ sách")
