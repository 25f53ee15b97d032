"""Blog formats as data: where posts go, how dates look, which fields are written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    posts_dir: str  # relative to the site
    date_format: str  # strftime format of the front matter `date`
    filename: str  # "dated" -> YYYY-MM-DD-<slug>.md, "bundle" -> <slug>/index.md, "plain" -> <slug>.md
    template: str  # "liquid", "hugo" or "nunjucks": whose syntax must be escaped in bodies
    html_attribution: bool  # the repost note as the seed's raw HTML blockquote


PRESETS = {
    "hux": Preset("hux", "_posts", "%Y-%m-%d %H:%M:%S %z", "dated", "liquid", True),
    "jekyll": Preset("jekyll", "_posts", "%Y-%m-%d %H:%M:%S %z", "dated", "liquid", False),
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})") from None
