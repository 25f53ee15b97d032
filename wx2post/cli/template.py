"""The commented `wx2post.toml` that `wx2post init` writes: every key of config.py's
table, commented out at its default under the chosen preset, so uncommenting a line
changes nothing until its value is edited; then what the generator's own config needs."""

from __future__ import annotations

import json
import os
import textwrap
from typing import Any

from ..presets import get_preset
from .config import EXAMPLE_VALUES, FRONT_MATTER, KEYS, envvar


def toml_value(value: Any) -> str:
    """A TOML literal for a string, bool, number or list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {value!r}")


def preset_defaults(preset: str) -> dict[str, Any]:
    """Every key's built-in default under `preset` (None: decided per post or per machine)."""
    p = get_preset(preset)
    defaults = {key.name: key.default for key in KEYS}
    defaults["preset"] = p.name
    if p.image_dir is not None:
        defaults["image_dir"] = p.image_dir
        defaults["image_prefix"] = p.image_prefix
    return defaults


def render_config(preset: str) -> str:
    """The text of a commented wx2post.toml for `preset`: every key, commented out, at
    its default, so uncommenting a line changes nothing until its value is edited."""
    p = get_preset(preset)
    defaults = preset_defaults(preset)
    example_dir = {"hugo": "static/images", "nunjucks": "source/images"}.get(p.template, "images")
    head = f"wx2post configuration for this site. Preset {p.name}: {p.help}."
    lines = [
        *textwrap.wrap(head, 88, initial_indent="# ", subsequent_indent="# "),
        "# Precedence: command line > environment variable > this file > preset.",
        "# Each key below is commented out at its default; uncomment a line to change it.",
    ]
    for key in KEYS:
        lines.append("")
        note = key.help
        if key.choices:
            note += " One of: " + ", ".join(key.choices) + "."
        env = envvar(key.name)
        if key.invert:
            note += f" Environment: {env}=1 turns it off."
        else:
            note += f" Environment: {env}" + (" (space-separated)." if key.kind == "list" else ".")
        lines += textwrap.wrap(note, 88, initial_indent="# ", subsequent_indent="# ")
        value = defaults[key.name]
        if key.name == "preset":
            lines.append(f"preset = {toml_value(p.name)}")
        elif key.name == "image_dir" and value is None:
            lines.append(f"# Default: each post's own folder ({_beside(p.name)}).")
            lines.append(f"# image_dir = {toml_value(example_dir)}")
        elif key.name == "image_prefix" and value is None:
            shared = p.shared_prefix(example_dir)
            lines.append('# Default: "" (bare file names, the images being beside the post), or')
            lines.append(f'# "{shared}" when image_dir is "{example_dir}".')
            lines.append(f"# image_prefix = {toml_value(shared)}")
        elif key.name == "images":
            lines.append('# Default: "local" ("remote" with --stdout and --dry-run).')
            lines.append('# images = "local"')
        elif key.name == "jobs":
            cores = os.cpu_count() or 1
            lines.append(f"# Default: the number of cores ({cores} on the machine that wrote this file).")
            lines.append(f"# jobs = {cores}")
        elif value is None and key.name in EXAMPLE_VALUES:
            lines.append("# Default: not set. For example:")
            lines.append(f"# {key.name} = {toml_value(EXAMPLE_VALUES[key.name])}")
        else:
            lines.append(f"# {key.name} = {toml_value(value)}")
    lines += [
        "",
        "# Extra fields for every post's front matter. Fields wx2post writes itself (title,",
        "# date, tags...) cannot be set here; `layout` and `draft` replace the preset's.",
        f"[{FRONT_MATTER}]",
        '# categories = ["转载"]',
    ]
    if p.template == "liquid":  # hux, jekyll
        lines += [
            "",
            "# Jekyll shows a post's date and URL day in the _config.yml timezone, else in the",
            "# build machine's (UTC on GitHub Pages): posts published before 08:00 Beijing time",
            "# then show the day before. Jekyll's _config.yml needs:",
            "#   timezone: Asia/Shanghai",
        ]
    if p.name == "hux":
        lines += [
            "# header_img must be an image of the site (Hux shows it on every post); or set",
            "# cover_as_header to true to use each article's cover.",
        ]
    if p.name == "hexo":
        lines += [
            "",
            "# Hexo's _config.yml needs, for the images in each post's asset folder and its dates:",
            "#   post_asset_folder: true",
            "#   marked: {prependRoot: true, postAsset: true}",
            "#   timezone: Asia/Shanghai",
        ]
    return "\n".join(lines) + "\n"


def _beside(preset: str) -> str:
    if get_preset(preset).filename == "bundle":
        return "the page bundle content/posts/<slug>/"
    return "the asset folder source/_posts/<slug>/"
