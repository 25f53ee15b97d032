"""Blog formats as data: where posts and their images go, how dates look, which fields are written.

hux, jekyll: `_posts/YYYY-MM-DD-<slug>.md`, date `2022-05-03 10:12:00 +0800`, images
    in the shared `postimg/`, written as `{{site.baseurl}}/postimg/<name>`.
hugo: a page bundle `content/posts/<slug>/index.md`, date `2022-05-03T10:12:00+08:00`,
    images beside `index.md`, written as `<name>`.
hexo: `source/_posts/<slug>.md`, date `2022-05-03 10:12:00`, images in its asset folder
    `source/_posts/<slug>/`, written as `<name>`.

Hexo's asset folder needs `post_asset_folder: true` and, for Markdown images, the
default renderer's `marked: {prependRoot: true, postAsset: true}` in the site's
`_config.yml`; its dates are read in the site's `timezone` (set `Asia/Shanghai`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import datetime

from .models import BEIJING

SHARED_IMAGE_DIR = "postimg"  # the image folder of the presets that share one (hux, jekyll)


@dataclass(frozen=True)
class Preset:
    name: str
    posts_dir: str  # relative to the site
    date_style: str  # "jekyll", "rfc3339" or "hexo": see format_date
    filename: str  # "dated" -> YYYY-MM-DD-<slug>.md, "bundle" -> <slug>/index.md, "plain" -> <slug>.md
    template: str  # "liquid", "hugo" or "nunjucks": whose syntax must be escaped in bodies
    html_attribution: bool  # the repost note as the seed's raw HTML blockquote
    images_beside_post: bool = False  # each post has its own image folder (bundle, asset folder)
    layout: str | None = "post"  # front matter `layout`, if written
    summary_field: str | None = None  # the front matter key carrying the article's summary
    theme_fields: bool = False  # Hux Blog's `header-img` and `catalog`
    draft_field: bool = False  # write `draft: false`
    help: str = ""  # one line for `--help` and `wx2post init`

    def format_date(self, when: datetime) -> str:
        """The front matter `date`, in Beijing time."""
        local = when.astimezone(BEIJING)
        if self.date_style == "rfc3339":
            return local.isoformat(timespec="seconds")  # 2022-05-03T10:12:00+08:00
        if self.date_style == "hexo":
            return local.strftime("%Y-%m-%d %H:%M:%S")  # read in the site's `timezone`
        return local.strftime("%Y-%m-%d %H:%M:%S %z")  # 2022-05-03 10:12:00 +0800

    @property
    def image_dir(self) -> str | None:
        """The default image folder shared by all posts, or None when each post has its own."""
        return None if self.images_beside_post else SHARED_IMAGE_DIR

    @property
    def image_prefix(self) -> str:
        """The default image prefix: "" (bare file names) beside the post, else the
        shared folder's (`{{site.baseurl}}/postimg/`)."""
        return "" if self.images_beside_post else self.shared_prefix(SHARED_IMAGE_DIR)

    def image_folder(self, relpath: str) -> str:
        """The default image folder (site-relative, POSIX) of the post at `relpath`."""
        if not self.images_beside_post:
            return SHARED_IMAGE_DIR
        if self.filename == "bundle":  # content/posts/<slug>/index.md -> content/posts/<slug>
            return posixpath.dirname(relpath)
        return posixpath.splitext(relpath)[0]  # source/_posts/<slug>.md -> source/_posts/<slug>

    def shared_prefix(self, folder: str) -> str:
        """What a post writes before an image's file name when all images share `folder`.

        Jekyll copies every folder as is: `{{site.baseurl}}/<folder>/`. Hugo serves
        `static/` and Hexo `source/` at the site's root: `/<folder without it>/`.
        """
        folder = folder.strip("/")
        if self.template == "liquid":
            return "{{site.baseurl}}/" + folder + "/"
        root = {"hugo": "static/", "nunjucks": "source/"}.get(self.template, "")
        return "/" + folder.removeprefix(root) + "/"


PRESETS = {
    "hux": Preset(
        "hux", "_posts", "jekyll", "dated", "liquid", True,
        summary_field="subtitle", theme_fields=True,
        help="Jekyll with the Hux Blog theme (the default)",
    ),
    "jekyll": Preset(
        "jekyll", "_posts", "jekyll", "dated", "liquid", False,
        help="plain Jekyll",
    ),
    "hugo": Preset(
        "hugo", "content/posts", "rfc3339", "bundle", "hugo", False,
        images_beside_post=True, layout=None, summary_field="description", draft_field=True,
        help="Hugo, page bundles content/posts/<slug>/index.md with their images beside them",
    ),
    "hexo": Preset(
        "hexo", "source/_posts", "hexo", "plain", "nunjucks", False,
        images_beside_post=True, layout=None, summary_field="description",
        help="Hexo, source/_posts/<slug>.md with images in its asset folder source/_posts/<slug>/",
    ),
}  # fmt: skip


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})") from None


def image_location(
    preset: str | Preset, relpath: str, image_dir: str | None = None, image_prefix: str | None = None
) -> tuple[str, str]:
    """(folder, prefix) of the images of the post at `relpath` (pure).

    `image_dir`/`image_prefix` are the user's choices (None: not given). Without
    `image_dir`, hux/jekyll share `postimg/` (prefix `{{site.baseurl}}/postimg/`)
    and hugo/hexo put each post's images in its own folder, written as bare names.
    With `image_dir`, every post shares that folder and the prefix follows it
    (see Preset.shared_prefix) unless `image_prefix` is given too.
    """
    p = get_preset(preset) if isinstance(preset, str) else preset
    if image_dir is not None and image_dir.strip("/"):
        folder = image_dir.strip("/")
        return folder, image_prefix if image_prefix is not None else p.shared_prefix(folder)
    return p.image_folder(relpath), image_prefix if image_prefix is not None else p.image_prefix
