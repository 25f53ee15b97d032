"""Image planning (pure): settings, outcomes, file names, type sniffing, verification.

Names are deterministic so that re-runs and de-duplication need no bookkeeping:
a WeChat CDN image is named after the image id in its URL path (the blog's
`postimg/<id>.jpeg` convention), anything else after a hash of its clean URL,
and an image known only by its bytes (`data:` URI, a file in an export) after a
hash of the bytes. The extension always comes from the bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote_to_bytes, urlsplit

from .errors import UnsafePath
from .lazyre import lazy
from .models import ImageRef
from .svg import svg_problem
from .urls import clean_image_url, is_wechat_image

MAX_STORED_SVG = 20 * 1024 * 1024  # the default --max-image-size: a bigger SVG was never a download
# Every extension sniff_extension can return: a stored file with another suffix is not ours.
IMAGE_EXTENSIONS = frozenset({"jpeg", "png", "gif", "webp", "svg", "bmp", "avif", "heic", "ico", "tiff"})

# sha256 hex digests of WeChat's hotlink placeholder ("此图片来自微信公众平台 未经允许不可引用").
# Empty on purpose: see is_placeholder. Add a digest here (or from a test) once it is known.
PLACEHOLDER_SHA256: set[str] = set()

_HASH_CHARS = 32  # 128 bits of sha256: collisions are not a practical concern
_WECHAT_ID = lazy(r"^[A-Za-z0-9_-]{8,200}$")
_SAFE_NAME = lazy(r"^[A-Za-z0-9_-]{1,200}\.[a-z]{2,5}$")


@dataclass
class ImageSettings:
    folder: str = "postimg"  # image folder, relative to the site root
    prefix: str = "{{site.baseurl}}/postimg/"  # written in the post before the file name
    mode: str = "local"  # "local" (store files) or "remote" (keep clean remote URLs)
    # 8: browsers open 6 connections per host and article images spread over a few
    # CDN hosts; 8 keeps 400 images near 2.5 s at 50 ms each without flooding the CDN,
    # and stays under requests' default pool of 10 connections per host.
    jobs: int = 8
    max_size: int = 20 * 1024 * 1024
    allow_private: bool = False  # allow loopback/private/link-local addresses (tests set True)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # longest silence while waiting for bytes
    deadline: float = 120.0  # longest one download may take, however slowly the bytes come
    retries: int = 3  # extra attempts after the first, for transient failures only
    max_redirects: int = 5
    backoff: float = 0.5  # first retry waits about this long, doubling after each attempt
    max_wait: float = 30.0  # cap on any single wait, Retry-After included


@dataclass
class ImageOutcome:
    ref: ImageRef
    reference: str  # what the post writes: prefix + file name, or the clean remote URL
    path: Path | None  # the stored file, or None
    source: str  # "export" | "cache" | "network" | "remote" | "failed"
    error: str = ""  # one line, credential-free: why it failed
    note: str = ""  # one line: what else the user should know (a placeholder passed over)


class BadImage(Exception):
    """Bytes that must not be stored as the image; the message is the reason."""


def is_web_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def remote_reference(ref: ImageRef) -> str:
    """What a post writes when the image is not stored: the clean remote URL."""
    return clean_image_url(ref.url) if is_web_url(ref.url) or ref.url.startswith("//") else ref.url


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_HASH_CHARS]


def wechat_image_id(url: str) -> str | None:
    """The image id in a WeChat CDN path: `/mmbiz_png/<acct>/<id>/640`, legacy `/mmbiz/<id>/0`."""
    if not is_wechat_image(url):
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 3 and segments[-1].isdigit():  # <folder>/.../<id>/<size>
        candidate = segments[-2]
    elif len(segments) >= 2:  # a URL without the size segment
        candidate = segments[-1]
    else:
        return None
    return candidate if _WECHAT_ID.match(candidate) and not candidate.isdigit() else None


def image_stem(url: str, data: bytes | None = None) -> str:
    """The file name without extension: deterministic, filesystem-safe.

    WeChat CDN images: the image id. `data:` URIs: a hash of the decoded bytes.
    Other web URLs: a hash of the clean URL. Anything else (a path inside an
    export, with no remote URL) has no stable identity but its bytes, so `data`
    is hashed when given.
    """
    if url.startswith("data:"):
        return short_hash(decode_data_uri(url))
    clean = clean_image_url(url)
    if is_web_url(clean):
        return wechat_image_id(clean) or short_hash(clean.encode())
    return short_hash(data if data is not None else url.encode())


def decode_data_uri(uri: str) -> bytes:
    """The bytes of a `data:` URI (base64 or percent-encoded); b"" if malformed."""
    header, sep, payload = uri.partition(",")
    if not sep:
        return b""
    if header.lower().endswith(";base64"):
        compact = re.sub(r"\s+", "", unquote_to_bytes(payload).decode("ascii", "ignore"))
        try:
            return base64.b64decode(compact + "=" * (-len(compact) % 4))
        except ValueError:
            return b""
    return unquote_to_bytes(payload)


# Smaller than any picture worth a post: lazy loaders' transparent GIFs and PNGs
# are 35-100 bytes; a 16×16 icon is several hundred.
STUB_BYTES = 200
_SVG_SIZE = lazy(rb"""<svg\b[^<>]*?\bwidth=["']?\s*([\d.]+)[^<>]*?\bheight=["']?\s*([\d.]+)""", re.I | re.S)
_SVG_DRAWING = lazy(rb"<(?:path|circle|ellipse|line|polyline|polygon|text|image|use|g)\b", re.I)


def lazy_stub(data: bytes) -> str:
    """What `data` is if it is a lazy-load stub rather than a picture ('' if a picture).

    Browser saves made before the images loaded keep the loader's placeholder
    (`src="data:image/gif;base64,R0lGOD..."` beside the real `data-src`, or a
    1×1 file in `_files/`): a tiny file, a 1×1 or 2×2 bitmap, an SVG with no
    drawing in it. Such a copy is never taken for the image.
    """
    size = _bitmap_size(data)
    if size is not None and max(size) <= 2:
        return f"a {size[0]}×{size[1]} {sniff_extension(data)}"
    if len(data) < STUB_BYTES and not data.lstrip()[:5].lower().startswith((b"<svg", b"<?xml")):
        return f"only {len(data)} bytes"
    head = data[:4096]
    if sniff_extension(data) == "svg" and not _SVG_DRAWING.search(data):
        m = _SVG_SIZE.search(head)
        return f"an empty {m.group(1).decode()}×{m.group(2).decode()} SVG" if m else "an empty SVG"
    return ""


def _bitmap_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's or GIF's header (None for other types)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    return None


def sniff_extension(data: bytes) -> str | None:
    """The image type from magic numbers (JPEG is "jpeg", matching `wx_fmt=jpeg`)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "heic"
    # "BM" alone is too weak: also require a known DIB header size.
    if data[:2] == b"BM" and len(data) >= 18 and int.from_bytes(data[14:18], "little") in (
        12, 40, 52, 56, 64, 108, 124,
    ):  # fmt: skip
        return "bmp"
    if data[:4] == b"\x00\x00\x01\x00" and len(data) >= 6 and data[4:6] != b"\x00\x00":
        return "ico"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if _is_svg(data[:4096]):
        return "svg"
    return None


def _is_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return False
    # An XML prolog, comments or a doctype may come first; an HTML page never is SVG.
    return b"<svg" in text and b"<html" not in text and b"<body" not in text


def looks_like_html(head: bytes) -> bool:
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text


def is_placeholder(data: bytes) -> bool:
    """Whether `data` is WeChat's hotlink placeholder picture.

    The CDN answers a request with a foreign `Referer` with a small picture
    saying 此图片来自微信公众平台 未经允许不可引用, with status 200 and an image
    type, so neither the status nor the magic bytes give it away. No public
    project we found publishes its bytes or a robust tell (reports only say it
    is a small grey picture), so recognition is by exact digest against
    PLACEHOLDER_SHA256, which starts empty and can be extended. The real defence
    is upstream: the downloader never sends a foreign Referer, which is what
    triggers the placeholder. A placeholder with unknown bytes is stored as if it
    were the image.
    """
    return hashlib.sha256(data).hexdigest() in PLACEHOLDER_SHA256


def verify_image(head: bytes, size: int, digest: str, content_type: str = "") -> str:
    """The extension for verified image bytes, or BadImage with the reason.

    `head` is the start of the body (at least 4 KiB when the body is that long),
    `digest` the sha256 hex of the whole body.
    """
    if size == 0:
        raise BadImage("empty body")
    if digest in PLACEHOLDER_SHA256:
        raise BadImage("WeChat hotlink placeholder instead of the image")
    ext = sniff_extension(head)
    if ext is None:
        if looks_like_html(head) or content_type.split(";")[0].strip().lower() == "text/html":
            raise BadImage("an HTML page instead of an image")
        raise BadImage(f"not a known image type ({content_type or 'no Content-Type'})")
    return ext


def check_svg(data: bytes) -> None:
    """An SVG served from the blog's own origin can run script there: refuse active SVGs
    (parsed as XML and checked element by element: see wx2post.svg)."""
    problem = svg_problem(data)
    if problem:
        raise BadImage(problem)


def stored_problem(path: Path) -> str | None:
    """Why a file already in the image folder must not be referenced, or None.

    The one check every reuse of a stored image goes through (convert's and fix's store,
    fix's relinking and dry run): an SVG stored by an older version, or by hand, was
    never checked, and it is served from the blog's origin like a fresh one. So an SVG is
    checked as a download is (`check_svg`), once per file state (name, size, mtime)."""
    if path.suffix.lower() != ".svg":
        return None
    try:
        info = path.stat()
    except OSError as error:
        return f"unreadable ({error.strerror or type(error).__name__})"
    return _stored_svg_problem(os.fspath(path), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=4096)
def _stored_svg_problem(path: str, size: int, mtime_ns: int) -> str | None:
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_STORED_SVG + 1)
    except OSError as error:
        return f"unreadable ({error.strerror or type(error).__name__})"
    if len(data) > MAX_STORED_SVG:
        return f"an SVG over {MAX_STORED_SVG // (1024 * 1024)} MB"
    problem = svg_problem(data)
    return f"the stored SVG is refused: {problem}" if problem else None


def check_stored(path: Path) -> None:
    """BadImage when `stored_problem` refuses the stored file."""
    problem = stored_problem(path)
    if problem:
        raise BadImage(f"{path.name} in the image folder: {problem}")


def file_name(stem: str, ext: str) -> str:
    """`<stem>.<ext>`, refusing anything that is not a plain, safe file name."""
    name = f"{stem}.{ext}"
    if not _SAFE_NAME.match(name):
        raise UnsafePath(f"unsafe image file name {name!r}")
    return name


def image_folder(site: Path, folder: str) -> Path:
    """site/folder as an absolute path, refusing a folder that would leave the site
    (absolute, `..`, drive). Absolute, because the writer reads a relative path as
    relative to the site: `-o my-blog` would store images in my-blog/my-blog/postimg."""
    posix, windows = PurePosixPath(folder.replace("\\", "/")), PureWindowsPath(folder)
    if not folder.strip() or posix.is_absolute() or windows.drive or windows.root:
        raise UnsafePath(f"image folder must be a relative path inside the site: {folder!r}")
    if any(part == ".." for part in posix.parts):
        raise UnsafePath(f"image folder must not contain '..': {folder!r}")
    return Path(os.path.abspath(site)) / Path(*posix.parts)


# A fixed order: the same file wins every run when a stem has several extensions.
_EXTENSION_ORDER = sorted(IMAGE_EXTENSIONS)


def image_files(folder: Path, usable: Callable[[Path], bool] | None = None) -> dict[str, str]:
    """The `<stem>.<ext>` image files in `folder` (any case of extension) by stem, only
    those `usable` accepts; of a stem's files, the first extension in a fixed order wins.
    The one listing of an image folder: convert's store and fix's rules read it alike."""
    found: dict[str, str] = {}
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return found
    for name in names:
        stem, _, ext = name.rpartition(".")
        ext = ext.lower()
        if not stem or ext not in IMAGE_EXTENSIONS or (usable is not None and not usable(folder / name)):
            continue
        other = found.get(stem)
        if other is None or _EXTENSION_ORDER.index(ext) < _EXTENSION_ORDER.index(
            other.rpartition(".")[2].lower()
        ):
            found[stem] = name
    return found
