"""Cover images a librarian uploads: must really be an image; kept as a re-encoded JPEG."""
from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from library.translatable import N_
from library.i18n import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 6000 x 6000 photo is fine; a decompression bomb is not
LONGEST_SIDE = 1200


class CoverError(ValueError):
    """Not an image we keep; the message is for the librarian."""


def normalize_cover(data: bytes) -> bytes:
    """JPEG bytes of at most LONGEST_SIDE pixels, whatever image format came in.

    Re-encoding drops anything hidden in the original (scripts in an SVG-like polyglot,
    EXIF with the photographer's location) and gives the reader a small file.
    """
    if not data:
        raise CoverError(N_("Chưa chọn tệp ảnh bìa"))
    if len(data) > MAX_BYTES:
        raise CoverError(_("Ảnh bìa quá lớn (tối đa {mb} MB)", mb=MAX_BYTES // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise CoverError(N_("Ảnh bìa có quá nhiều điểm ảnh"))
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
                picture = image.convert("RGB")
    except CoverError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError):
        raise CoverError(N_("Tệp ảnh bìa không phải ảnh hợp lệ (JPEG, PNG, GIF, WebP)")) from None
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
