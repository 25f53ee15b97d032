"""What the blog's own configuration will do to the posts, said before it bites (I/O: reads
the site's config files only).

- Jekyll (hux, jekyll presets) formats a post's date and its URL (`/2026/12/01/...`) in the
  `timezone` of `_config.yml`, or in the build machine's zone when there is none (UTC on
  GitHub Pages and most CI): a post published at 02:00 Beijing time then shows the day before.
- Hux shows `header-img` as every post's header: a file the site lacks is a grey header and a 404.
- Hexo finds the images beside a post only with `post_asset_folder: true` and
  `marked: {prependRoot: true, postAsset: true}`.
- Hugo drops raw HTML from Markdown ("raw HTML omitted") unless Goldmark is told
  `unsafe = true`; a post holding a complex table or the repost note as HTML needs it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

from .files import read_plain_text
from .lazyre import lazy

JEKYLL_CONFIG = "_config.yml"
HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml")
BUILD_ZONE_NAME = "UTC"  # where a site without `timezone` is usually built (GitHub Pages, CI)
TIMEZONE_FIX = "timezone: Asia/Shanghai"
_HTML_LINE = lazy(r"^\s{0,3}<(table|div|figure|blockquote|p|section|details|img|video|audio)\b", re.I)


@dataclass
class SiteConfig:
    """The generator's config file as read (`data` empty when there is none or it is unreadable)."""

    kind: str  # "jekyll", "hugo", "hexo"
    path: Path | None
    data: dict[str, Any] = field(default_factory=dict)


def read_site_config(site: Path, preset: str) -> SiteConfig | None:
    """The config of the generator `preset` writes for, if the site has one."""
    if preset in ("hux", "jekyll", "hexo"):
        path = site / JEKYLL_CONFIG
        kind = "hexo" if preset == "hexo" else "jekyll"
        return SiteConfig(kind, path, _load(path)) if path.is_file() else None
    if preset == "hugo":
        for name in HUGO_CONFIGS:
            path = site / name
            if path.is_file():
                return SiteConfig("hugo", path, _load(path))
    return None


def _load(path: Path) -> dict[str, Any]:
    try:
        text = read_plain_text(path)
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        if path.suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - Python 3.10
                import tomli as tomllib
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            import json

            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception:  # a config the generator itself would reject: not ours to judge
        return {}
    return data if isinstance(data, dict) else {}


# -- Jekyll dates ------------------------------------------------------------------------


def build_zone(config: SiteConfig) -> tuple[tzinfo, str] | None:
    """The zone Jekyll shows dates in, and how to name it (None: the config's zone is unknown)."""
    name = config.data.get("timezone")
    if name is None:
        return timezone.utc, f"no `timezone` (built in {BUILD_ZONE_NAME}, as on GitHub Pages)"
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(str(name)), f"`timezone: {name}`"
    except (ValueError, KeyError, OSError):  # zoneinfo raises ZoneInfoNotFoundError (a KeyError)
        return None


def moved_posts(config: SiteConfig | None, posts: list[tuple[str, str]]) -> list[str]:
    """The posts (path, ISO date with offset) whose day Jekyll will show differently."""
    if config is None or config.kind != "jekyll":
        return []
    zone = build_zone(config)
    if zone is None:
        return []
    moved = []
    for path, iso in posts:
        try:
            when = datetime.fromisoformat(iso)
        except ValueError:
            continue
        if when.tzinfo is not None and when.astimezone(zone[0]).date() != when.date():
            moved.append(path)
    return moved


def timezone_warning(config: SiteConfig | None, moved: list[str], shown: str) -> str | None:
    """One warning for the run: which posts move a day, and the line that fixes it."""
    if not moved or config is None:
        return None
    zone = build_zone(config)
    setting = zone[1] if zone else "its `timezone`"
    listed = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
    return (
        f"wx2post: warning: {shown} sets {setting}: {len(moved)} post(s) will show the day before "
        f"their Beijing date (published before 08:00): {listed}. Add `{TIMEZONE_FIX}` to {shown}."
    )


# -- Hux header image --------------------------------------------------------------------


def header_image_warning(site: Path, header_img: str, cover_as_header: bool) -> str | None:
    """A `header-img` that is a path into the site but names no file there."""
    if cover_as_header or not header_img or re.match(r"^[a-z][a-z0-9+.-]*:|^//|\{\{", header_img, re.I):
        return None
    relative = header_img.lstrip("/")
    if (site / relative).is_file():
        return None
    from .display import site_path

    return (
        f"wx2post: warning: header-img {header_img} is not a file of the site ({site_path(site, relative)}): "
        "every post would get a grey header and a 404. Give one with --header-img PATH "
        "(relative to the site), or use each article's cover with --cover-as-header."
    )


# -- Hexo and Hugo -----------------------------------------------------------------------


def hexo_asset_warning(config: SiteConfig | None, images_beside_posts: bool, shown: str) -> str | None:
    if config is None or config.kind != "hexo" or not images_beside_posts:
        return None
    marked = config.data.get("marked")
    marked = marked if isinstance(marked, dict) else {}
    missing = []
    if config.data.get("post_asset_folder") is not True:
        missing.append("post_asset_folder: true")
    if marked.get("prependRoot") is not True or marked.get("postAsset") is not True:
        missing.append("marked: {prependRoot: true, postAsset: true}")
    if not missing:
        return None
    return (
        f"wx2post: warning: {shown} lacks {' and '.join(f'`{m}`' for m in missing)}: Hexo will not "
        "find the images saved beside each post. Add them, or save images in one folder with --image-dir."
    )


def hugo_allows_html(config: SiteConfig) -> bool:
    markup = config.data.get("markup")
    goldmark = markup.get("goldmark") if isinstance(markup, dict) else None
    renderer = goldmark.get("renderer") if isinstance(goldmark, dict) else None
    return isinstance(renderer, dict) and renderer.get("unsafe") is True


def has_raw_html(text: str) -> bool:
    """Whether a post's body has an HTML block (outside code fences)."""
    fenced = False
    for line in text.split("\n---\n", 1)[-1].splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and _HTML_LINE.match(line):
            return True
    return False


def hugo_html_warning(config: SiteConfig | None, posts_with_html: list[str], shown: str) -> str | None:
    if config is None or config.kind != "hugo" or not posts_with_html or hugo_allows_html(config):
        return None
    listed = ", ".join(posts_with_html[:5]) + (
        f" and {len(posts_with_html) - 5} more" if len(posts_with_html) > 5 else ""
    )
    return (
        f"wx2post: warning: {shown} does not let Goldmark render raw HTML: Hugo will show "
        f"'raw HTML omitted' in {len(posts_with_html)} post(s): {listed}. Add "
        "`[markup.goldmark.renderer] unsafe = true` (the HTML is sanitised by wx2post)."
    )


class SiteChecks:
    """The checks of one run: `before` warns about the site as it is, `note` sees each
    result, `after` warns once about the posts the site's config will show wrongly."""

    def __init__(
        self, site: Path, preset: str, *, header_img: str, cover_as_header: bool, images_beside_posts: bool
    ) -> None:
        self.site, self.preset = site, preset
        self.header_img, self.cover_as_header = header_img, cover_as_header
        self.images_beside_posts = images_beside_posts
        self.config = read_site_config(site, preset)
        self.dated: list[tuple[str, str]] = []
        self.with_html: list[str] = []

    def _shown_config(self) -> str:
        from .display import shown_path

        return shown_path(self.config.path) if self.config and self.config.path else ""

    def before(self) -> list[str]:
        warnings = []
        if self.preset == "hux" and self.config is not None:  # a Jekyll site: its files are known
            warnings.append(header_image_warning(self.site, self.header_img, self.cover_as_header))
        warnings.append(hexo_asset_warning(self.config, self.images_beside_posts, self._shown_config()))
        return [w for w in warnings if w]

    def note(self, post: str, date: str, status: str) -> None:
        if status != "converted" or not post:
            return
        if date:
            self.dated.append((post, date))
        if self.config is not None and self.config.kind == "hugo":
            try:
                text = read_plain_text(post)
            except (OSError, UnicodeDecodeError):  # a dry run, or gone meanwhile
                return
            if has_raw_html(text):
                self.with_html.append(post)

    def after(self) -> list[str]:
        shown = self._shown_config()
        warnings = [
            timezone_warning(self.config, moved_posts(self.config, self.dated), shown),
            hugo_html_warning(self.config, self.with_html, shown),
        ]
        return [w for w in warnings if w]
