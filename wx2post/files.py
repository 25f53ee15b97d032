"""Writing files so that none is ever left half written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import PostExists


def write_atomic(target: Path, data: bytes, *, replace: bool = True) -> None:
    """Write via a temporary file in the same folder, then a rename (an interrupted
    write leaves the old file or none). With `replace=False` an existing file is never
    replaced, even by a racing writer: the final step is a hard link, which fails if
    the name exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".wx2post-", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise PostExists(f"{target} exists (use --force to overwrite)") from None
            except OSError:  # file systems without hard links
                if target.exists():
                    raise PostExists(f"{target} exists (use --force to overwrite)") from None
                os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
