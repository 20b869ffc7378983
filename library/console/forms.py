"""The console's forms (Flask-WTF: each carries its CSRF token)."""
from flask_wtf.file import FileField, MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from library.catalog import limits
from library.catalog.manifest import split_authors
from library.i18n import FlaskForm, lazy_gettext

REQUIRED = lazy_gettext("Vui lòng nhập trường này.")
TOO_LONG = lazy_gettext("Tối đa %(max)d ký tự.")
YEAR = lazy_gettext("Năm phải trong khoảng %(min)s–%(max)s.")


def shelf_choices(shelves) -> list[tuple[str, str]]:
    return [(shelf.slug, shelf.name) for shelf in shelves]


def authors_within_limits(form, field) -> None:
    """The limits of library.catalog.limits, on the names the field splits into."""
    found = limits.problems(authors=split_authors(field.data or ""))
    if found:
        raise ValidationError("; ".join(found))


class MetadataFields(FlaskForm):
    title = StringField(lazy_gettext("Tên sách"), [Optional(), Length(max=limits.MAX_TITLE, message=TOO_LONG)])
    authors = StringField(lazy_gettext("Tác giả (cách nhau bằng dấu ;)"), [Optional(), authors_within_limits])
    year = IntegerField(lazy_gettext("Năm xuất bản"), [Optional(), NumberRange(1000, 2999, message=YEAR)])
    publisher = StringField(lazy_gettext("Nhà xuất bản"), [Optional(), Length(max=limits.MAX_PUBLISHER, message=TOO_LONG)])
    description = TextAreaField(lazy_gettext("Giới thiệu"), [Optional(), Length(max=limits.MAX_DESCRIPTION, message=TOO_LONG)])


class UploadForm(MetadataFields):
    files = MultipleFileField(lazy_gettext("Tệp PDF hoặc EPUB (chọn được nhiều tệp)"))
    shelf = SelectField(lazy_gettext("Tủ sách"))
    manifest = FileField(lazy_gettext("Bảng kê CSV (không bắt buộc)"))


class BookForm(MetadataFields):
    title = StringField(lazy_gettext("Tên sách"), [DataRequired(REQUIRED), Length(max=limits.MAX_TITLE, message=TOO_LONG)])
    shelf = SelectField(lazy_gettext("Tủ sách"))
    cover = FileField(lazy_gettext("Ảnh bìa mới (JPEG, PNG…; không bắt buộc)"))


class ReplaceForm(FlaskForm):
    file = FileField(lazy_gettext("Tệp mới (PDF hoặc EPUB)"))


class ButtonForm(FlaskForm):
    """Only the CSRF token: withdraw, reinstate, delete."""


class MoveForm(FlaskForm):
    shelf = SelectField(lazy_gettext("Chuyển sang tủ sách"))
