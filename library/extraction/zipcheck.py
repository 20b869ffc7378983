"""Checks on an EPUB's zip before anything reads it, and member reads with a hard size cap."""
import posixpath
import re
import stat
import zipfile
from urllib.parse import unquote, urlsplit

from library.extraction.types import ExtractionError
from library.extraction.xmlsafe import parse_xml
from library.vietnamese import clean_text
from library.translatable import N_

MAX_ENTRIES = 10_000
MAX_TOTAL = 1 << 30          # 1 GiB declared uncompressed
MAX_MEMBER = 64 << 20        # no single chapter, OPF or image needs more
MAX_RATIO = 200              # real EPUB members stay under ~60:1; deflate bombs reach ~1000:1
RATIO_FLOOR = 1 << 20        # small members may compress as well as they like

BROKEN = N_("Tệp bị hỏng hoặc không đầy đủ")
TOO_BIG = N_("Tệp quá lớn khi giải nén")
DRM = N_("Tệp EPUB được mã hoá (DRM)")
# Font obfuscation (IDPF and Adobe) is in encryption.xml too, but leaves the text readable.
_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_DRIVE = re.compile(r"^[A-Za-z]:")


def shown_name(name: str) -> str:
    """A name from the file, safe to put in a reason: cleaned and at most 60 characters."""
    name = clean_text(name).replace("\n", " ")
    return name if len(name) <= 60 else name[:57] + "…"


def unsafe_path_reason(name: str) -> str:
    shown = shown_name(name)
    return N_("Tệp EPUB chứa đường dẫn không an toàn ({name})", name=shown)


def _is_unsafe_name(name: str) -> bool:
    return (name.startswith("/") or "\\" in name or "\x00" in name or _DRIVE.match(name) is not None
            or ".." in name.split("/"))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix mode bits live in the high 16 bits of external_attr, whatever create_system says.
    return stat.S_ISLNK(info.external_attr >> 16)


def resolve_href(base_dir: str, href: str, strict: bool = True) -> str | None:
    """The zip path an OPF/nav/NCX href points at, fragment dropped; None for remote URLs.

    An href escaping the container (../.., /abs) raises when `strict` (the manifest: the
    file is hostile) and is ignored otherwise (a stray link in a table of contents).
    """
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc:
        return None
    # Windows-made EPUBs write "image\\a.jpg"; readers take the backslash as a separator.
    raw = unquote(parts.path).replace("\\", "/")
    if not raw:
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, raw))
    if raw.startswith("/") or joined == ".." or joined.startswith("../") or _is_unsafe_name(joined):
        if strict:
            raise ExtractionError(unsafe_path_reason(href))
        return None
    return joined


class SafeZip:
    """An opened, checked EPUB zip. read() never returns more than `limit` bytes."""

    def __init__(self, path):
        try:
            self._zf = zipfile.ZipFile(path)
            infos = self._zf.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise ExtractionError(BROKEN) from None
        try:
            self._check(infos)
        except BaseException:
            self._zf.close()
            raise
        self.names = {i.filename for i in infos if not i.is_dir()}

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise ExtractionError(N_("Tệp EPUB chứa quá nhiều tệp con (hơn {count})",
                                     count=MAX_ENTRIES))
        if not infos:
            raise ExtractionError(N_("Tệp EPUB rỗng, không có nội dung"))
        total = 0
        seen = set()
        for info in infos:
            name = info.filename
            if info.flag_bits & 0x1:
                raise ExtractionError(DRM)  # zip-level password encryption
            if _is_unsafe_name(name):
                raise ExtractionError(unsafe_path_reason(name))
            if _is_symlink(info):
                raise ExtractionError(N_("Tệp EPUB chứa liên kết tượng trưng (symlink) không an toàn"))
            if name in seen:
                # Two members with one name: readers disagree on which one is the book.
                raise ExtractionError(N_("Tệp EPUB chứa hai tệp con trùng tên"))
            seen.add(name)
            total += info.file_size
            if total > MAX_TOTAL or info.file_size > MAX_MEMBER:
                raise ExtractionError(TOO_BIG)
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ExtractionError(TOO_BIG)
        if "META-INF/encryption.xml" in seen:
            self._check_encryption()

    def _check_encryption(self) -> None:
        """Refuse real encryption (DRM); accept files whose only 'encryption' is font obfuscation."""
        try:
            root = parse_xml(self.read("META-INF/encryption.xml", 1 << 20))
        except ExtractionError:
            raise ExtractionError(DRM) from None
        for data in root.iter("{*}EncryptedData"):
            method = data.find("{*}EncryptionMethod")
            algorithm = method.get("Algorithm", "") if method is not None else ""
            if algorithm not in _OBFUSCATION:
                raise ExtractionError(DRM)

    def read(self, name: str, limit: int = MAX_MEMBER) -> bytes:
        """The member's bytes, refusing a member that inflates past `limit` whatever it declares."""
        try:
            with self._zf.open(name) as fh:
                data = fh.read(limit + 1)
        except KeyError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            raise ExtractionError(BROKEN) from None
        except Exception as exc:  # zlib.error and friends from a corrupt stream
            raise ExtractionError(BROKEN) from exc
        if len(data) > limit:
            raise ExtractionError(TOO_BIG)
        return data

    def close(self) -> None:
        self._zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
