"""What a file is and how it is kept: pure rules, no I/O but the bytes given.

* The type is read from the file's first bytes (never from its name or the browser's word);
  only the listed types are taken.
* Photos are decoded and encoded again (JPEG or PNG): what a camera writes beside the picture —
  EXIF with the GPS position, the phone's make, the time — is not carried over. The picture is
  turned upright first (EXIF orientation), so nothing is lost that a viewer would show.
* A thumbnail (320 px on the longer side, JPEG) is made of every photo."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

#: media type → (magic bytes at offset 0, extension)
IMAGE_TYPES = {"image/jpeg": (b"\xff\xd8\xff", "jpg"), "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
               "image/gif": (b"GIF8", "gif"), "image/webp": (b"RIFF", "webp")}
DOCUMENT_TYPES = {"application/pdf": (b"%PDF-", "pdf"),
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04", "docx"),
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04", "xlsx"),
                  "application/msword": (b"\xd0\xcf\x11\xe0", "doc"),
                  "application/vnd.ms-excel": (b"\xd0\xcf\x11\xe0", "xls")}
THUMB_SIZE = 320
MAX_PIXELS = 50_000_000  # a decompression bomb is refused, not decoded


class Refused(ValueError):
    """The file is not one the platform takes (the reason is for the person who sent it)."""


@dataclass(frozen=True)
class Prepared:
    data: bytes
    content_type: str
    extension: str
    thumbnail: bytes | None


def sniff(data: bytes, file_name: str) -> tuple[str, str]:
    """(media type, extension) from the content; Office files by their name among the zip/OLE kinds."""
    name = file_name.lower()
    for kind, (magic, ext) in IMAGE_TYPES.items():
        if data.startswith(magic) and (kind != "image/webp" or data[8:12] == b"WEBP"):
            return kind, ext
    for kind, (magic, ext) in DOCUMENT_TYPES.items():
        if data.startswith(magic) and (magic == b"%PDF-" or name.endswith("." + ext)):
            return kind, ext
    if name.endswith(".txt"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("文本文件须为 UTF-8 编码") from None
        return "text/plain", "txt"
    raise Refused("只接受照片（JPG、PNG、GIF、WebP）、PDF、Word、Excel 和文本文件")


def prepare(data: bytes, file_name: str) -> Prepared:
    kind, ext = sniff(data, file_name)
    if kind not in IMAGE_TYPES:
        return Prepared(data, kind, ext, None)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if kind == "image/gif" and getattr(opened, "is_animated", False):
                return Prepared(data, kind, ext, _thumb(opened))  # an animation has no camera data to strip
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise Refused("图片文件已损坏或无法识别") from None
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and kind != "image/jpeg":
        image.save(out, format="PNG", optimize=True)  # no exif=, no info: nothing but pixels
        kind, ext = "image/png", "png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=88)
        kind, ext = "image/jpeg", "jpg"
    return Prepared(out.getvalue(), kind, ext, _thumb(image))


def _thumb(image: Image.Image) -> bytes:
    copy = image.convert("RGB")
    copy.thumbnail((THUMB_SIZE, THUMB_SIZE))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=80)
    return out.getvalue()
