"""URL rules: the one scanner, the one cleaner, article identity, text scrubbing (pure).

WeChat links carry a reader's session (`key`, `uin`, `pass_ticket`, ...) and a
changing zoo of tracking parameters. Every part of wx2post that finds, writes or
prints a URL uses this package, so one rule holds everywhere.

Public API (stable; other modules and `wx2post fix` build on these names):

- `find_urls(text) -> Iterator[UrlSpan]`: the one scanner (text, Markdown, HTML source);
  `replace_urls(text, fn)` applies a function to each URL it finds.
- `clean_link(url) -> str | None`: one URL without credentials or tracking, everything
  else byte for byte; None when a credential cannot be removed (the caller drops the
  link and keeps its text). `clean_url(url) -> str` is the same with "" for None;
  `clean_image_url` also gives `//host` images https.
- `has_credential(text) -> bool`: whether any decoding of `text` shows a credential.
- `scrub_text(text)`: every URL in free text cleaned and stray credentials removed
  (titles, names, alt text, captions, messages); `redact` is the same for messages;
  `clean_urls_in_text` only cleans the URLs; `mask(text)` shows `key=…` instead.
- `article_id(url) -> ArticleId | None`, `clean_article_url`, `album_url`: identity.
- `with_scheme(url)`: `//host/...` and scheme-less `mp.weixin.qq.com/...` as https URLs.
- `is_wechat_host(netloc)`, `is_wechat_image(url)`, `is_credential(name)`, `is_tracking(name)`,
  `CREDENTIAL_PARAMS`; `unescape_link`, `unescape_entities`, `md_unescape`: decoding.
"""

from __future__ import annotations

from .clean import (
    IMAGE_NOISE_PARAMS,
    URL_VALUED_PARAMS,
    clean_image_url,
    clean_link,
    clean_url,
    has_credential,
    is_wechat_image,
)
from .decode import md_unescape, unescape_entities, unescape_link
from .identity import (
    ALBUM_ID_PARAMS,
    ARTICLE_ID_PARAMS,
    LEGACY_ID_PARAMS,
    SHORT_ID_RE,
    ArticleId,
    album_url,
    article_id,
    clean_article_url,
)
from .parts import (
    CREDENTIAL_PARAMS,
    IMAGE_HOST_SUFFIXES,
    WECHAT_HOSTS,
    is_credential,
    is_tracking,
    is_wechat_host,
    with_scheme,
)
from .scan import UrlSpan, clean_urls_in_text, find_urls, mask, redact, replace_urls, scrub_text

__all__ = [
    "ALBUM_ID_PARAMS",
    "ARTICLE_ID_PARAMS",
    "CREDENTIAL_PARAMS",
    "IMAGE_HOST_SUFFIXES",
    "IMAGE_NOISE_PARAMS",
    "LEGACY_ID_PARAMS",
    "SHORT_ID_RE",
    "URL_VALUED_PARAMS",
    "WECHAT_HOSTS",
    "ArticleId",
    "UrlSpan",
    "album_url",
    "article_id",
    "clean_article_url",
    "clean_image_url",
    "clean_link",
    "clean_url",
    "clean_urls_in_text",
    "find_urls",
    "has_credential",
    "is_credential",
    "is_tracking",
    "is_wechat_host",
    "is_wechat_image",
    "mask",
    "md_unescape",
    "redact",
    "replace_urls",
    "scrub_text",
    "unescape_entities",
    "unescape_link",
    "with_scheme",
]
