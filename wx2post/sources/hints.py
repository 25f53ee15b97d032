"""What a saved file's name and its neighbours say about its article (I/O edge).

wechatDownload names its files after the publish time and the title, in several forms
(`20241101标题.html`, `[202604030825]标题.html`, `[2025-12-20225424]标题.html`), and writes
a CSV list (title, url, time, ...) beside them. A page that lacks its date or link (an
export without scripts) takes them from there, before the file's modification time.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from datetime import datetime
from pathlib import Path

from ..files import open_plain
from ..lazyre import lazy
from ..models import BEIJING

# A date prefix: 8 digits (day), 12 (minute) or 14 (second), bracketed or not, the date
# part possibly written with dashes and the time glued to it (`2025-12-20225424`).
_NAME_DATE = lazy(
    r"^\[?(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[ _T-]?(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)?)?\]?"
)
_CSV_DATE = lazy(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})日?"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_NOT_IN_NAMES = lazy(r"[\s\\/:*?\"<>|\u200b\ufeff]+")


def name_date(name: str) -> datetime | None:
    """The publish time a wechatDownload file name starts with, in Beijing time."""
    m = _NAME_DATE.match(name)
    if m is None or (name[0] == "[") != ("]" in m.group(0)):
        return None
    return _when(m)


def name_title(stem: str) -> str:
    """The file name without its date prefix: the title as the saver wrote it."""
    m = _NAME_DATE.match(stem)
    return stem[m.end() :].strip(" _-") if m and name_date(stem) else stem


def parse_listed_time(text: str) -> datetime | None:
    """A time as export lists write it: an epoch (s or ms) or a date and time text."""
    text = text.strip()
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) // (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, BEIJING)
    m = _CSV_DATE.search(text)
    return _when(m) if m else None


def _when(m: re.Match[str]) -> datetime | None:
    y, mo, d, h, mi, s = (int(m.group(k) or 0) for k in ("y", "m", "d", "H", "M", "S"))
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING)
    except ValueError:
        return None


def listed(path: Path) -> tuple[str, datetime | None]:
    """The (url, time) a CSV list beside the file gives for it, matched by title."""
    key = _title_key(name_title(path.stem))
    folder = path.parent
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.csv")))
    except OSError:
        return "", None
    return _csv_index(folder, stamp).get(key, ("", None))


@functools.lru_cache(maxsize=64)
def _csv_index(folder: Path, stamp: tuple[tuple[str, int], ...]) -> dict[str, tuple[str, datetime | None]]:
    """title key -> (url, time) from every CSV with title and url columns in `folder`."""
    index: dict[str, tuple[str, datetime | None]] = {}
    for name, _ in stamp:
        try:
            with io.TextIOWrapper(open_plain(folder / name), encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))  # a FIFO named .csv is refused, not waited on
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        for row in rows:
            fields = {(k or "").strip().lower(): (v or "") for k, v in row.items() if isinstance(v, str)}
            title = _column(fields, "title", "标题")
            url = _column(fields, "url", "link", "链接")
            when = _column(fields, "time", "date", "publish_time", "时间", "发布时间")
            if title and (url or when):
                index.setdefault(_title_key(title), (url.strip(), parse_listed_time(when)))
    return index


def _column(fields: dict[str, str], *names: str) -> str:
    return next((fields[n] for n in names if fields.get(n)), "")


def _title_key(title: str) -> str:
    # Savers replace the characters file names cannot hold, often by their full-width
    # forms (`:` -> `：`): compare NFKC-folded, without them.
    return _NOT_IN_NAMES.sub("", unicodedata.normalize("NFKC", title)).lower()
