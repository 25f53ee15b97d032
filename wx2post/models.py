"""The values that cross stages: Article, ImageRef, Post, Options."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

PAGE_KINDS = {0: "article", 5: "video", 7: "audio", 8: "picture", 10: "text"}


@dataclass
class ImageRef:
    """One picture of an article, as found in the page.

    `url` is the clean remote URL (or a `data:` URI); `local` is where a copy
    sits inside a saved export (a `_files/` path or an MHTML part name), if any.
    Later stages decide the file name and the reference written in the post.
    """

    url: str
    local: str = ""
    alt: str = ""
    role: str = "body"  # "body" or "cover"


@dataclass
class SharedArticle:
    """The article a share post shares: named in the post's attribution."""

    title: str = ""
    account: str = ""
    url: str = ""


@dataclass
class Article:
    """An article's metadata plus its cleaned body (an lxml element)."""

    title: str = ""
    published: datetime | None = None
    author: str = ""
    account_name: str = ""
    account_id: str = ""
    account_alias: str = ""
    cover_url: str = ""
    summary: str = ""
    url: str = ""
    source_url: str = ""
    original: bool | None = None
    kind: str = "article"
    content: Any = None  # lxml.html.HtmlElement, the cleaned body
    images: list[ImageRef] = field(default_factory=list)
    origin: str = ""  # where the page came from (file path or clean URL), for messages
    warnings: list[str] = field(default_factory=list)  # what reading the page cut or replaced
    shared: SharedArticle | None = None  # a share post's shared article
    date_guessed: bool = False  # `published` is the file's time, not the article's

    @property
    def identity(self) -> str:
        """A stable key for this article: its clean URL, else account, title and date (a
        guessed date is no part of it: touching the file must not make a new article)."""
        if self.url:
            return self.url
        day = self.published.isoformat() if self.published and not self.date_guessed else ""
        return f"{self.account_name}|{self.title}|{day}"

    def metadata(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data.pop("content")
        data["images"] = [dataclasses.asdict(i) for i in self.images]
        data["published"] = self.published.isoformat() if self.published else None
        return data


@dataclass
class Post:
    """A rendered post: where it goes (relative to the site) and its text."""

    relpath: str
    text: str
    article: Article


@dataclass
class Options:
    """Everything a user can choose about the output."""

    preset: str = "hux"
    author: str = "转载"
    tags: tuple[str, ...] = ("其他",)
    header_img: str = "img/the-first.png"
    catalog: bool = False
    slug: str = "title"  # "title" (CJK kept), "pinyin" or "id"
    attribution: bool = True
    extra_front_matter: dict[str, Any] = field(default_factory=dict)
    cover_as_header: bool = False  # the article's cover becomes `header-img` (downloaded)
