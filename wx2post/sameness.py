"""One article saved twice is one post: a page without its link is matched to the article
already in the site (or in this run) by account, title and date (pure but for reading the
front matter of the site's posts, once a run).

A raw page and another tool's export of it (which lacks the link, often the date too) used
to become two posts. Now the export is the article the site has; the page with the link,
met after an export, takes the export's post over.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from .files import read_plain_text
from .lazyre import lazy
from .models import BEIJING, Article

_SPACE = lazy(r"\s+")


@dataclass(frozen=True)
class Known:
    identity: str
    published: datetime | None  # None when unknown or only guessed
    linked: bool  # the identity is the article's link


def _key(account: str, title: str) -> tuple[str, str]:
    return _fold(account), _fold(title)


def _fold(text: str) -> str:
    # Exports re-serialise text: compare without white space, full-width forms folded.
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _day(when: datetime | None) -> date | None:
    return when.astimezone(BEIJING).date() if when is not None else None


class KnownArticles:
    """The site's articles and this run's, by account and title."""

    def __init__(self, site: Path, posts: dict[str, str]) -> None:
        self._site = site
        self._posts = posts  # identity -> post path, from the site's state
        self._index: dict[tuple[str, str], list[Known]] | None = None

    def add(self, article: Article, identity: str) -> None:
        if article.account_name and article.title:
            when = None if article.date_guessed else article.published
            self._load().setdefault(_key(article.account_name, article.title), []).append(
                Known(identity, when, bool(article.url))
            )

    def match(self, article: Article) -> Known | None:
        """The known article this one is, if the account and title match and the dates do
        not differ (a guessed date never decides), else None."""
        if not (article.account_name and article.title):
            return None
        day = None if article.date_guessed else _day(article.published)
        candidates = [
            k
            for k in self._load().get(_key(article.account_name, article.title), [])
            if k.identity != article.identity
            and (day is None or k.published is None or _day(k.published) == day)
        ]
        if article.url:  # a page with its link only takes over a link-less post
            candidates = [k for k in candidates if not k.linked]
        if len({k.identity for k in candidates}) != 1:
            return None  # none, or several: not sure which
        return candidates[0]

    def _load(self) -> dict[tuple[str, str], list[Known]]:
        if self._index is None:
            self._index = {}
            for identity, relpath in self._posts.items():
                known = _from_identity(identity) if not identity.startswith("https://") else None
                if known is None:
                    known = _from_post(self._site / relpath, identity)
                if known is not None:
                    key, entry = known
                    self._index.setdefault(key, []).append(entry)
        return self._index


def _from_identity(identity: str) -> tuple[tuple[str, str], Known] | None:
    """A link-less article's identity is `account|title|date`."""
    account, sep, rest = identity.partition("|")
    title, sep2, day = rest.rpartition("|")
    if not (sep and sep2 and account and title):
        return None
    try:
        when = datetime.fromisoformat(day) if day else None
    except ValueError:
        when = None
    return _key(account, title), Known(identity, when, False)


def _from_post(path: Path, identity: str) -> tuple[tuple[str, str], Known] | None:
    """A linked article's account, title and date, from its post's front matter."""
    try:
        text = read_plain_text(path)
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n"):
        return None
    head = text[4:].split("\n---\n", 1)[0]
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError:
        return None
    if not isinstance(meta, dict) or not meta.get("account") or not meta.get("title"):
        return None
    when = meta.get("date")
    if isinstance(when, str):
        try:
            when = datetime.strptime(when, "%Y-%m-%d %H:%M:%S %z")
        except ValueError:
            when = None
    if isinstance(when, datetime) and when.tzinfo is None:
        when = when.replace(tzinfo=BEIJING)  # hexo writes Beijing time without an offset
    return _key(str(meta["account"]), str(meta["title"])), Known(
        identity, when if isinstance(when, datetime) else None, True
    )
