"""The one writer: every file wx2post puts into a site goes through here.

Posts, images, the site's state and posts repaired by `fix --write` are all written with
these functions, so each promise below holds for all of them:

- **Inside the site, whatever is a symlink.** The real target is resolved at write time
  (symlinked folders and a symlinked post followed), and the folder written into is opened
  and checked again through its file descriptor: anything that lands outside the site's
  real folder is refused with `UnsafePath`. A symlinked post is written through, to its
  target, when that target is inside the site.
- **Whole or not at all.** Bytes go to a temporary `.wx2post-*.tmp` file in the target's own
  folder, are fsynced, then renamed over the target (an interrupted write leaves the old
  file or none). Any failure (disk full, read-only file system, permission) raises
  `WriteFailed` with the reason, and nothing is left behind.
- **Modes.** A new file gets the mode the umask allows (0644 under umask 022, 0600 under
  077); a replaced file keeps its mode (and owner, where permitted).
- **Never through a hard link.** A file with more than one link is replaced by a new file
  like any other: its other names keep their old text. They may be outside the site
  (a hard link, unlike a symlink, does not say where its twin is), and rewriting the
  shared inode in place would also leave a torn file if the process were killed.
- **No clobbering.** `replace=False` never replaces an existing file, even one a racing
  process creates (the final step is a hard link, which fails if the name exists), and
  raises `PostExists`; `write_unique` picks a fresh name (`.post.bak`, `.post.1.bak`, ...).

API (names are stable; other modules rely on them):

    real_site(site) -> Path                       the site's real folder (created if missing)
    contained(site, path) -> Path                 real path of `path` (relative to the site, or
                                                  absolute), UnsafePath if outside
    ensure_folder(site, folder) -> Path           `mkdir -p` inside the site, real path
    write_file(site, path, data, *, replace=True) -> Path   the real path written
    write_unique(site, path, data) -> Path        never replaces: the name actually used
    stage(site, folder, prefix, suffix) -> Staged streamed writes (images): fill
                                                  `staged.file`, then `staged.commit(name)`
    write_atomic(target, data, *, replace=True)   the same writer, the target's folder as root
                                                  (files outside any site: saved pages, config)
    open_append(site, path) -> IO[bytes]          an append-only file in a checked folder (journal)
    open_plain(path) -> BinaryIO                  a file opened to read, refusing a FIFO or device
    read_plain(path) -> bytes                     its bytes (every file of a site, an export or an
                                                  input folder is read with these)
    read_plain_text(path) -> str                  the same, as `Path.read_text` decodes it
    sweep_temporary(site, folder)                 remove `.wx2post-*.tmp` left by a killed run
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, BinaryIO

from .errors import PostExists, UnsafePath, WriteFailed
from .interrupts import deferred_interrupts

_TMP_PREFIX = ".wx2post-"
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _failed(what: object, error: OSError) -> WriteFailed:
    return WriteFailed(f"cannot write {what}: {error.strerror or type(error).__name__}")


def real_site(site: Path) -> Path:
    """The site's real folder (symlinks resolved), created if it does not exist yet."""
    try:
        site.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _failed(site, error) from None
    return Path(os.path.realpath(site))


def _inside(root: Path, real: Path) -> bool:
    return real == root or root in real.parents


def contained(site: Path, path: str | Path) -> Path:
    """The real path `path` names (relative to `site`, or absolute), every symlink followed;
    `UnsafePath` if that is outside the site's real folder. Creates nothing."""
    root = Path(os.path.realpath(site))
    given = Path(path)
    candidate = given if given.is_absolute() else root / given
    real = Path(os.path.realpath(candidate))
    if not _inside(root, real):
        shown = f"{path} (a link to {real})" if real != Path(os.path.abspath(candidate)) else str(path)
        raise UnsafePath(f"refusing to write outside the site folder {root}: {shown}")
    return real


def ensure_folder(site: Path, folder: str | Path) -> Path:
    """`mkdir -p` of a folder inside the site (checked before and after): its real path."""
    real = contained(site, folder)
    try:
        real.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _failed(folder, error) from None
    return contained(site, real)  # a component swapped for a symlink meanwhile is caught here


class Staged:
    """A temporary file in a checked folder of the site; `commit` gives it its final name.

    Use as a context manager: leaving it without a commit removes the temporary file.
    """

    def __init__(
        self, site: Path, folder: str | Path, prefix: str = _TMP_PREFIX, suffix: str = ".tmp"
    ) -> None:
        self.root = real_site(site)
        self.folder = ensure_folder(site, folder)
        self._dir = _open_checked_dir(self.root, self.folder)
        self.name = f"{prefix}{os.urandom(6).hex()}{suffix}"
        fd = -1
        self._open = False
        try:
            # A Ctrl-C while the file is created waits until it is open, then aborts
            # the creation here, where the file is known: no temporary file survives.
            with deferred_interrupts():
                try:
                    # 0o666: the kernel applies the umask (thread-safe, unlike asking os.umask).
                    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
                    fd = os.open(self.name, flags, 0o666, dir_fd=self._dir)
                except OSError as error:
                    os.close(self._dir)
                    raise _failed(self.folder, error) from None
                self._open = True
                self.file: IO[bytes] = os.fdopen(fd, "w+b")
                self.path = self.folder / self.name
        except BaseException:
            if self._open:
                with deferred_interrupts():
                    if hasattr(self, "file"):
                        self.file.close()
                    else:
                        os.close(fd)
                    self._unlink_and_release()
            raise

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temporary file (if not committed) and release the folder."""
        with deferred_interrupts():  # a Ctrl-C waits until the file is gone
            if not self._open:
                return
            try:
                self.file.close()
            except OSError:
                pass
            finally:
                self._unlink_and_release()

    def _unlink_and_release(self) -> None:
        try:
            os.unlink(self.name, dir_fd=self._dir)
        except FileNotFoundError:
            pass
        finally:
            self._open = False
            os.close(self._dir)

    def commit(self, name: str, *, replace: bool = True) -> Path:
        """Give the filled file its final `name` in the folder; the final path.

        `replace=False`: `PostExists` if `name` exists. An existing file keeps its mode; one
        with several hard links is replaced too (its other names keep the old bytes).
        """
        if not name or "/" in name or name in (".", ".."):
            raise UnsafePath(f"not a plain file name: {name!r}")
        target = self.folder / name
        with deferred_interrupts():  # in place or gone, whenever Ctrl-C comes
            return self._commit(name, target, replace)

    def _commit(self, name: str, target: Path, replace: bool) -> Path:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            existing = _lstat(name, self._dir)
            if existing is not None and stat.S_ISLNK(existing.st_mode):
                raise UnsafePath(f"refusing to write through a link that appeared meanwhile: {target}")
            if existing is not None and not stat.S_ISREG(existing.st_mode):
                raise WriteFailed(f"cannot write {target}: something that is not a file is in the way")
            if existing is not None and not replace:
                raise PostExists(f"{target} exists (use --force to overwrite)")
            if existing is not None:
                _keep_mode(self.file.fileno(), existing)
                os.rename(self.name, name, src_dir_fd=self._dir, dst_dir_fd=self._dir)
            else:
                self._link_new(name, target)
            _sync_dir(self._dir)
        except OSError as error:
            raise _failed(target, error) from None
        finally:
            self.close()
        return target

    def _link_new(self, name: str, target: Path) -> None:
        """Publish under a name that must not exist: a hard link fails if it does."""
        try:
            os.link(self.name, name, src_dir_fd=self._dir, dst_dir_fd=self._dir, follow_symlinks=False)
        except FileExistsError:
            raise PostExists(f"{target} exists (use --force to overwrite)") from None
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
                raise
            # A file system without hard links: check, then rename (a small race remains).
            if _lstat(name, self._dir) is not None:
                raise PostExists(f"{target} exists (use --force to overwrite)") from None
            os.rename(self.name, name, src_dir_fd=self._dir, dst_dir_fd=self._dir)


def stage(site: Path, folder: str | Path, prefix: str = _TMP_PREFIX, suffix: str = ".tmp") -> Staged:
    """A temporary file `<prefix><random><suffix>` in `folder` (inside the site) to stream
    bytes into; see Staged."""
    return Staged(site, folder, prefix, suffix)


def write_file(site: Path, path: str | Path, data: bytes, *, replace: bool = True) -> Path:
    """Write `data` at `path` (relative to `site`, or absolute inside it): the real path written.

    A symlinked `path` is written through to its target when that is inside the site.
    `replace=False` raises `PostExists` rather than replace an existing file.
    """
    real = contained(site, path)
    if real.is_dir():
        raise WriteFailed(f"cannot write {path}: it is a folder")
    with deferred_interrupts(), stage(site, real.parent) as staged:  # a post is written whole or not at all
        try:
            staged.file.write(data)
        except OSError as error:
            raise _failed(path, error) from None
        return staged.commit(real.name, replace=replace)


def write_unique(site: Path, path: str | Path, data: bytes) -> Path:
    """Write `data` under `path`'s name or, when that exists, a fresh one (`name.1.ext`,
    `name.2.ext`, ...): never replaces any file. The path used."""
    real = contained(site, path)
    stem, dot, ext = real.name.rpartition(".")
    if not stem:  # no suffix, or a dot file with none (".x")
        stem, dot, ext = real.name, "", ""
    for n in range(10_000):
        name = real.name if n == 0 else f"{stem}.{n}{dot}{ext}"
        try:
            return write_file(site, real.parent / name, data, replace=False)
        except PostExists:
            continue
    raise WriteFailed(f"cannot write {path}: no free name left beside it")


def write_atomic(target: Path, data: bytes, *, replace: bool = True) -> Path:
    """The same writer for a file outside any site (saved pages, a new config): its folder
    is the root it must stay in."""
    folder = target.parent
    return write_file(folder, Path(os.path.realpath(folder)) / target.name, data, replace=replace)


def open_append(site: Path, path: str | Path, *, _copied: bool = False) -> IO[bytes]:
    """`path` (inside the site) opened to append, unbuffered, created with the umask's mode;
    never through a symlink or a hard link, and only a plain file (a FIFO would block)."""
    real = contained(site, path)
    folder = ensure_folder(site, real.parent)
    dir_fd = _open_checked_dir(real_site(site), folder)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real.name, flags, 0o666, dir_fd=dir_fd)
    except OSError as error:
        raise _failed(path, error) from None
    finally:
        os.close(dir_fd)
    found = os.fstat(fd)
    if not stat.S_ISREG(found.st_mode):
        os.close(fd)
        raise WriteFailed(f"cannot write {real}: it is not a plain file")
    if found.st_nlink > 1:
        os.close(fd)
        if _copied:  # linked again meanwhile: someone is racing us
            raise WriteFailed(f"cannot write {real}: it keeps getting other hard links")
        # Its twin may be anywhere (a `cp -al` snapshot of the site, a file outside it):
        # the file becomes one of its own, its bytes copied, before anything is appended.
        write_file(site, real, read_plain(real))
        return open_append(site, path, _copied=True)
    return os.fdopen(fd, "ab", buffering=0)  # unbuffered: a failed write is not retried at close


def open_plain(path: str | Path) -> BinaryIO:
    """The file at `path` opened to read (a symlink followed, as by open()), refusing
    anything that is not a plain file: a FIFO planted in a site or an input folder would
    block the run at open, a device would be read for ever. Raises OSError:
    FileNotFoundError, IsADirectoryError, or EINVAL ("not a plain file")."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        found = os.fstat(fd)
        if stat.S_ISDIR(found.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(found.st_mode):
            raise OSError(errno.EINVAL, "not a plain file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_plain(path: str | Path) -> bytes:
    """The bytes of the plain file at `path` (see `open_plain`)."""
    with open_plain(path) as file:
        return file.read()


def read_plain_text(path: str | Path) -> str:
    """`read_plain` decoded as UTF-8 with universal newlines, as `Path.read_text` reads."""
    return read_plain(path).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def sweep_temporary(site: Path, folder: str | Path) -> None:
    """Remove the `.wx2post-*.tmp` files a killed run left in `folder` (call it only while
    holding the site's lock: a running writer's files look the same)."""
    try:
        real = contained(site, folder)
        names = os.listdir(real)
    except (OSError, UnsafePath):
        return
    for name in names:
        if name.startswith(_TMP_PREFIX) and name.endswith(".tmp"):
            try:
                os.unlink(real / name)
            except OSError:
                pass


# -- helpers -------------------------------------------------------------------------


def _open_checked_dir(root: Path, folder: Path) -> int:
    """An fd on `folder`, checked to be inside `root` as opened (not as named)."""
    try:
        fd = os.open(folder, _DIR_FLAGS)
    except OSError as error:
        raise _failed(folder, error) from None
    try:
        opened = _fd_path(fd, folder)
    except OSError as error:
        os.close(fd)
        raise _failed(folder, error) from None
    if not _inside(root, opened):
        os.close(fd)
        raise UnsafePath(f"refusing to write outside the site folder {root}: {folder} is now {opened}")
    return fd


def _fd_path(fd: int, named: Path) -> Path:
    """Where the open folder really is: /proc names it on Linux; elsewhere the named path
    is accepted when it is still the same folder."""
    proc = f"/proc/self/fd/{fd}"
    if os.path.islink(proc):
        return Path(os.readlink(proc))
    info, now = os.fstat(fd), os.stat(os.path.realpath(named))
    if (info.st_dev, info.st_ino) != (now.st_dev, now.st_ino):
        raise OSError(errno.ESTALE, "the folder changed while it was opened")
    return Path(os.path.realpath(named))


def _lstat(name: str, dir_fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _keep_mode(fd: int, existing: os.stat_result) -> None:
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "fchown"):
        try:
            os.fchown(fd, existing.st_uid, existing.st_gid)
        except PermissionError:  # not ours to give away: the mode is still kept
            pass


def _sync_dir(dir_fd: int) -> None:
    try:
        os.fsync(dir_fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename is done
        pass
