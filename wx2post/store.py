"""The image folder (I/O): take each image from the best source and store it once.

Order per image: the image folder (already stored: no request at all), then a copy
in the saved export (`_files/` or `assets/` file, `data:` URI, MHTML part), then
the network. Files appear under their final name only complete and verified:
bytes go to a `.part` file in the same folder first, then are renamed.
"""

from __future__ import annotations

import hashlib
import re
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote

from .errors import WxError
from .files import contained, read_plain, stage
from .images import (
    BadImage,
    ImageOutcome,
    ImageSettings,
    check_stored,
    check_svg,
    decode_data_uri,
    file_name,
    image_files,
    image_folder,
    image_stem,
    is_web_url,
    lazy_stub,
    remote_reference,
    verify_image,
    wechat_image_id,
)
from .lazyre import lazy
from .models import ImageRef
from .netbase import HEAD_BYTES, AddressCheck, HttpError, Limits, Resolver, default_resolver, is_public
from .parts import claim, remove_orphans
from .sources import PageSource
from .urls import clean_image_url, redact

if TYPE_CHECKING:  # requests, urllib3 and the thread pool: imported once an image is downloaded
    from concurrent.futures import Future, ThreadPoolExecutor

    from .http import HttpClient

_SCHEME = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # also catches Windows drives (C:)
# No webp/avif on purpose: ask for the format the article was published in.
ACCEPT = "image/jpeg,image/png,image/gif,image/svg+xml,image/*;q=0.8,*/*;q=0.5"


@dataclass
class _Stored:
    path: Path | None
    source: str  # "export" | "network" | "cache" | "failed"
    error: str = ""


def image_limits(settings: ImageSettings) -> Limits:
    """How one image download is bounded and retried."""
    return Limits(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        deadline=settings.deadline,
        max_bytes=settings.max_size,
        max_redirects=settings.max_redirects,
        retries=settings.retries,
        backoff=settings.backoff,
        max_wait=settings.max_wait,
    )


class ImageStore:
    """One per image folder: a thread pool and de-duplication across articles; the
    downloads go through the run's one HTTP client (`client`, or `connect()` on the first
    download, else its own).

    Thread-safe: articles may be localised from several threads; an image wanted by
    many of them at once is downloaded once.
    """

    def __init__(
        self,
        site: Path,
        settings: ImageSettings,
        client: HttpClient | None = None,
        *,
        connect: Callable[[], HttpClient] | None = None,
        resolve: Resolver = default_resolver,
        address_ok: AddressCheck | None = None,
    ) -> None:
        if settings.mode not in ("local", "remote"):
            raise ValueError(f"image mode must be 'local' or 'remote', not {settings.mode!r}")
        self.settings = settings
        self.site = site
        self.folder = image_folder(site, settings.folder)
        contained(site, self.folder)  # a folder that is a link out of the site: refused before any work
        self._own_client = client is None and connect is None
        self._client = client
        self._connect = connect  # the run's shared client, asked for on the first download
        self._resolve = resolve
        self._limits = image_limits(settings)
        self._address_ok = address_ok or ((lambda ip: True) if settings.allow_private else is_public)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._downloads: dict[str, Future[_Stored]] = {}  # by stem, for the whole run
        self._stem_locks: dict[str, threading.Lock] = {}
        # stem -> file name in the folder, listed once: a lookup costs no system call. Files
        # another process stores during the run are missed, which only costs a rewrite.
        self._stored: dict[str, str] | None = None

    def __enter__(self) -> ImageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def client(self) -> HttpClient:
        """The HTTP client, made on the first download (a run with none never imports requests)."""
        with self._lock:
            if self._client is None and self._connect is not None:
                self._client = self._connect()
            if self._client is None:
                from .http import HttpClient

                self._client = HttpClient(pool_size=self.settings.jobs, resolve=self._resolve)
            return self._client

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._own_client and self._client is not None:
            self._client.close()

    def localise(self, images: list[ImageRef], page: PageSource) -> list[ImageOutcome]:
        """One outcome per image, in order; a failed image never raises."""
        if self.settings.mode == "remote":
            return [ImageOutcome(ref, remote_reference(ref), None, "remote") for ref in images]
        parts = _index_parts(page.parts)
        started = [self._start(ref, page, parts) for ref in images]  # downloads run meanwhile
        return [self._finish(ref, item) for ref, item in zip(images, started, strict=True)]

    # -- one image -----------------------------------------------------------

    def _start(
        self, ref: ImageRef, page: PageSource, parts: dict[str, bytes]
    ) -> _Stored | tuple[Future[_Stored], bool, str]:
        try:
            url = clean_image_url(ref.url)
            # The name is known up front for URLs; an export-only image is named by its bytes.
            stem = image_stem(url) if is_web_url(url) or url.startswith("data:") else None
            if stem and (cached := self._cached(stem)):
                return _Stored(cached, "cache")
            export_error = note = ""
            try:
                data = _export_bytes(ref, page, parts, self.settings.max_size)
                stub = lazy_stub(data) if data else ""
                if data and not (stub and stem and is_web_url(url)):
                    return self._store_bytes(stem or image_stem(url, data), data)
                if stub:  # a browser saved the lazy loader's placeholder: not the picture
                    note = f"the saved copy of {url} is a placeholder ({stub}): fetched the image instead"
                    export_error = f"the saved copy is a placeholder ({stub}); "
            except (BadImage, OSError) as error:  # a broken copy in the export: the network may do better
                export_error = f"copy in the export unusable ({_describe(error)}); "
            if stem is None or not is_web_url(url):
                return _Stored(None, "failed", export_error + "no usable copy in the export and no web URL")
            future, shared = self._download_once(stem, url)
            return future, shared, note
        except Exception as error:  # one image must never sink the post
            return _Stored(None, "failed", _describe(error))

    def _finish(self, ref: ImageRef, item: _Stored | tuple[Future[_Stored], bool, str]) -> ImageOutcome:
        note = ""
        if isinstance(item, tuple):
            future, shared, note = item
            try:
                item = future.result()
            except Exception as error:
                item = _Stored(None, "failed", _describe(error))
            if shared and item.path is not None:
                item = _Stored(item.path, "cache")  # someone else's request: none made for this one
        if item.path is None:
            return ImageOutcome(ref, remote_reference(ref), None, "failed", item.error)
        return ImageOutcome(ref, self.settings.prefix + item.path.name, item.path, item.source, note=note)

    def _download_once(self, stem: str, url: str) -> tuple[Future[_Stored], bool]:
        """The run's one download of `stem`, started now or earlier; (future, shared)."""
        with self._lock:
            future = self._downloads.get(stem)
            if future is not None:
                return future, True
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(max(self.settings.jobs, 1), thread_name_prefix="wx2post-img")
            future = self._pool.submit(self._download, stem, url)
            self._downloads[stem] = future
            return future, False

    def _download(self, stem: str, url: str) -> _Stored:
        try:
            if cached := self._cached(stem):  # stored meanwhile from another article's export
                return _Stored(cached, "cache")
        except BadImage as error:
            return _Stored(None, "failed", _describe(error))

        def write(sink: IO[bytes]) -> str:
            body = self.client.fetch(url, sink, self._limits, accept=ACCEPT, address_ok=self._address_ok)
            ext = verify_image(body.head, body.size, body.sha256, body.content_type)
            if ext == "svg":
                sink.seek(0)
                check_svg(sink.read())
            return ext

        try:
            path, wrote = self._commit(stem, write)
        except (HttpError, BadImage, WxError, OSError) as error:
            return _Stored(None, "failed", _describe(error))
        return _Stored(path, "network" if wrote else "cache")

    # -- the folder ----------------------------------------------------------

    def _cached(self, stem: str) -> Path | None:
        """An already stored `<stem>.<ext>` (a regular, non-empty file); BadImage when it is
        an SVG that fails the check a download gets (images.stored_problem): the image then
        fails as a refused download does, and the file is not referenced."""
        with self._lock:
            if self._stored is None:
                # Once per folder and run: part files a killed run left behind go first.
                remove_orphans(self.folder)
                self._stored = image_files(self.folder)
            name = self._stored.get(stem)
        if name is None:
            return None
        path = self.folder / name
        try:
            info = path.stat()
        except OSError:  # removed since the scan
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return None
        check_stored(path)
        return path

    def _store_bytes(self, stem: str, data: bytes) -> _Stored:
        if cached := self._cached(stem):
            return _Stored(cached, "cache")
        ext = verify_image(data[:HEAD_BYTES], len(data), hashlib.sha256(data).hexdigest())
        if ext == "svg":
            check_svg(data)

        def write(sink: IO[bytes]) -> str:
            sink.write(data)
            return ext

        path, wrote = self._commit(stem, write)
        return _Stored(path, "export" if wrote else "cache")

    def _commit(self, stem: str, write: Callable[[IO[bytes]], str]) -> tuple[Path, bool]:
        """Write through `<stem>.<random>.part`, rename to `<stem>.<ext>`: (path, written).

        `write` fills the part file and returns the extension (raising if the bytes
        are not an image). An existing `<stem>.*` wins; the part file never survives
        this process, and is locked while written so that another run's clean-up of
        orphans (`parts.remove_orphans`) leaves it alone.
        """
        for _ in range(3):
            # files.stage: the folder checked inside the site as opened, the umask's mode, no clobbering.
            with stage(self.site, self.folder, prefix=f"{stem}.", suffix=".part") as part:
                if not claim(part.path, part.file):
                    continue  # another run's clean-up took it before our lock: start afresh
                ext = write(part.file)
                with self._stem_lock(stem):
                    if existing := self._cached(stem):
                        return existing, False
                    final = part.commit(file_name(stem, ext), replace=False)
                    with self._lock:
                        if self._stored is not None:
                            self._stored[stem] = final.name
                    return final, True
        raise OSError("the download's part file kept disappearing (another run cleaning the folder?)")

    def _stem_lock(self, stem: str) -> threading.Lock:
        with self._lock:
            return self._stem_locks.setdefault(stem, threading.Lock())


# -- copies in a saved export ------------------------------------------------


def _index_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    """MHTML parts by raw location, clean URL and WeChat image id: the page's `src` may
    carry lazy-loader parameters (`tp=webp`) or another size of the same picture."""
    index: dict[str, bytes] = {}
    for location, data in parts.items():
        clean = clean_image_url(location)
        for key in (location, clean, _id_key(clean)):
            if key:
                index.setdefault(key, data)
    return index


def _id_key(url: str) -> str:
    image_id = wechat_image_id(url)
    return f"id:{image_id}" if image_id else ""


def _export_bytes(ref: ImageRef, page: PageSource, parts: dict[str, bytes], limit: int) -> bytes | None:
    """The image's bytes from the saved export, if it holds a copy."""
    for candidate in (ref.local, ref.url):
        if candidate.startswith("data:"):
            return decode_data_uri(candidate)
    if ref.local and page.base_dir is not None:
        path = export_file(page.base_dir, ref.local)
        if path is not None:
            if path.stat().st_size > limit:
                raise BadImage(f"larger than the limit ({limit} bytes)")
            return read_plain(path)
    clean = clean_image_url(ref.url)
    for key in (ref.local, clean, _id_key(clean)):
        if key and key in parts:
            return parts[key]
    return None


def export_file(base_dir: Path, local: str) -> Path | None:
    """The file a relative `src` names inside the export folder; None if it would leave it."""
    rel = local.strip().replace("\\", "/")
    if not rel or rel.startswith("/") or _SCHEME.match(rel):
        return None
    base = base_dir.resolve()
    bare = re.split(r"[?#]", rel, maxsplit=1)[0]
    for candidate in dict.fromkeys((rel, unquote(rel), bare, unquote(bare))):
        try:
            path = (base / candidate).resolve()
        except (OSError, ValueError):
            continue
        if path.is_relative_to(base) and path.is_file():
            return path
    return None


def _describe(error: BaseException) -> str:
    """One line, credential-free."""
    if isinstance(error, HttpError):
        text = error.reason
    elif isinstance(error, WxError):
        text = error.reason
    elif isinstance(error, OSError):
        text = f"file error: {error.strerror or type(error).__name__}"
    elif isinstance(error, BadImage):
        text = str(error)
    else:
        text = f"unexpected {type(error).__name__}: {error}"
    return redact(" ".join(text.split()))[:300]
