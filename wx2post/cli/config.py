"""`wx2post.toml`: a site's defaults for `wx2post convert`, and extra front matter.

The file sits in the site folder (`-o`, default `.`) or is named with `--config FILE`.
Top-level keys set `convert`'s options; the `[front_matter]` table adds fields to
every post. Precedence, highest first: the command line, an environment variable
(`WX2POST_<PARAMETER>`, see `envvar`), the config file, then the preset and the
built-in defaults. `wx2post init` writes a commented file (see `template.py`).

    preset = "hugo"
    tags = ["转载", "公众号"]
    delay = 5

    [front_matter]
    categories = ["转载"]
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import ExitStatus, UnsafePath, WxError
from ..lazyre import lazy
from ..presets import PRESETS

CONFIG_NAME = "wx2post.toml"
ENV_PREFIX = "WX2POST"
FRONT_MATTER = "front_matter"


class ConfigError(WxError):
    """A config file that cannot be used; the message names the file and the key."""

    exit_status = ExitStatus.USAGE


@dataclass(frozen=True)
class Key:
    """One top-level key of wx2post.toml and the `convert` parameter it sets."""

    name: str  # in the file (a `-` is read as `_`)
    param: str  # click parameter name of `convert`
    kind: str  # "str", "bool", "int", "float", "list" (of strings), "size" or "date"
    default: Any  # the built-in default; None: the preset decides
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    invert: bool = False  # `attribution = false` is `--no-attribution`


KEYS: tuple[Key, ...] = (
    Key("preset", "preset", "str", "hux", "The blog's format.", choices=tuple(sorted(PRESETS))),
    Key("slug", "slug_mode", "str", "title", "How post file names are made.", ("title", "pinyin", "id")),
    Key("author", "author", "str", "转载", "Front matter `author`."),
    Key("tags", "tags", "list", ["其他"], "Front matter `tags`."),
    Key("header_img", "header_img", "str", "img/the-first.png", "Front matter `header-img` (hux)."),
    Key("catalog", "catalog", "bool", False, "Front matter `catalog` (hux)."),
    Key("attribution", "no_attribution", "bool", True, "Open each post with the repost note.", invert=True),
    Key(
        "images",
        "image_mode",
        "str",
        None,
        "Save images into the site (local) or keep clean remote URLs (remote).",
        ("local", "remote"),
    ),
    Key("image_dir", "image_dir", "str", None, "Image folder, relative to the site."),
    Key("image_prefix", "image_prefix", "str", None, "What a post writes before an image's file name."),
    Key("cover_as_header", "cover_as_header", "bool", False, "Save the cover and use it as `header-img`."),
    Key("image_jobs", "image_jobs", "int", 8, "Parallel image downloads.", minimum=1, maximum=64),
    Key("max_image_size", "max_image_size", "size", "20M", "Largest image accepted (bytes, or K/M/G)."),
    Key("strict_images", "strict_images", "bool", False, "An image that cannot be saved fails the article."),
    Key("jobs", "jobs", "int", None, "Saved pages converted in parallel.", minimum=1, maximum=64),
    Key("delay", "delay", "float", 3.0, "Seconds between two article fetches.", minimum=0),
    Key(
        "allow_private_addresses",
        "allow_private_addresses",
        "bool",
        False,
        "Allow image downloads from loopback/private networks (a local mirror).",
    ),
    Key(
        "save_html", "save_html", "str", None, "Keep every fetched page exactly as received, in this folder."
    ),
    Key("limit", "limit", "int", None, "Albums and feeds: only the newest N articles.", minimum=0),
    Key("since", "since", "date", None, "Feeds: only items published on or after this Beijing time."),
    Key("mp_base_url", "mp_base_url", "str", None, "Fetch through this mirror or proxy."),
)
# `convert` options that say what one run does, not how the site is: not in the file.
ONE_RUN_OPTIONS = frozenset(
    {"inputs", "input_file", "site", "config", "as_json", "dry_run", "quiet", "verbose", "to_stdout", "force"}
    | {"no_wait"}  # whether this run may wait for another: the job's choice, not the site's
)
# What `init` writes for a key whose default is "not set" (an example to uncomment).
# What `wx2post init` shows for a key whose default is "not set".
EXAMPLE_VALUES = {
    "save_html": "pages",
    "limit": 10,
    "since": "2026-11-01",
    "mp_base_url": "http://127.0.0.1:8080",
}
_DATE = lazy(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2})?$")
KEY_BY_NAME = {key.name: key for key in KEYS}

_SIZE = lazy(r"^\s*\d+(\.\d+)?\s*([kmg]i?b?|b)?\s*$", re.I)
_KIND_NAMES = {
    "str": "a string",
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "list": "a list of strings",
    "size": 'a size (e.g. "20M", "512K" or 1048576)',
    "date": 'a date as a string ("2026-11-01" or "2026-11-01T08:00:00")',
}


def envvar(key: str) -> str:
    """The environment variable that sets a key: WX2POST_<click parameter name>."""
    return f"{ENV_PREFIX}_{KEY_BY_NAME[key].param.upper()}"


def find_config(site: Path, explicit: Path | None = None) -> Path | None:
    """The config file to read: `explicit` (which must exist), else `site/wx2post.toml` if any."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    candidate = site / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path) -> dict[str, Any]:
    """Read and validate a config file.

    Returns the top-level keys under their canonical names (`header-img` ->
    `header_img`) with checked values, and `front_matter` (a dict, possibly empty).
    Raises ConfigError naming the file and the offending key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if sys.version_info >= (3, 11):  # imported here: most runs have no config file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return validate_config(raw, str(path))


def validate_config(raw: dict[str, Any], where: str = CONFIG_NAME) -> dict[str, Any]:
    """Check a parsed config (see load_config)."""
    config: dict[str, Any] = {FRONT_MATTER: {}}
    seen: dict[str, str] = {}
    for written, value in raw.items():
        name = written.replace("-", "_")
        if name == FRONT_MATTER:
            config[FRONT_MATTER] = _front_matter(value, where)
            continue
        key = KEY_BY_NAME.get(name)
        if key is None:
            raise ConfigError(f"{where}: unknown key {written!r}{_suggest(name)}")
        if name in seen:
            raise ConfigError(f"{where}: {written!r} and {seen[name]!r} set the same key")
        seen[name] = written
        config[name] = _check(key, value, where)
    return config


def _suggest(name: str) -> str:
    import difflib

    from ..post import MANAGED_KEYS

    known = [k.name for k in KEYS] + [FRONT_MATTER]
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        hint = f" (did you mean {close[0]!r}?)"
    elif name in MANAGED_KEYS:
        hint = f" (wx2post writes the front matter field {name!r} itself)"
    else:
        hint = f" (extra front matter fields go in the [{FRONT_MATTER}] table)"
    return f"{hint}; known keys: {', '.join(known)}"


def _check(key: Key, value: Any, where: str) -> Any:
    def fail(why: str = "") -> ConfigError:
        shown = json.dumps(value, ensure_ascii=False, default=str)
        return ConfigError(f"{where}: {key.name!r} must be {why or _KIND_NAMES[key.kind]}, not {shown}")

    if key.kind == "bool":
        if not isinstance(value, bool):
            raise fail()
    elif key.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail()
    elif key.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail()
        value = float(value)
    elif key.kind == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail()
    elif key.kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise fail()
    elif key.kind == "size":
        if isinstance(value, bool) or not isinstance(value, int | str) or not _SIZE.match(str(value)):
            raise fail()
        value = str(value)
    elif not isinstance(value, str):
        raise fail()
    if key.choices and value not in key.choices:
        raise fail("one of " + ", ".join(f'"{c}"' for c in key.choices))
    if key.minimum is not None and value < key.minimum:
        raise fail(f"at least {key.minimum:g}")
    if key.maximum is not None and value > key.maximum:
        raise fail(f"at most {key.maximum:g}")
    if key.name == "image_dir":
        from ..images import image_folder

        try:
            image_folder(Path("."), value)
        except UnsafePath as exc:
            raise ConfigError(f"{where}: 'image_dir': {exc.reason}") from None
    return value


def _front_matter(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{FRONT_MATTER}] must be a table of fields")
    from ..post import MANAGED_KEYS

    fields: dict[str, Any] = {}
    for name, item in value.items():
        if name in MANAGED_KEYS:
            top = {"header-img": "header_img"}.get(name, name)
            hint = f"; set the top-level {top!r} instead" if top in KEY_BY_NAME else ""
            raise ConfigError(f"{where}: [{FRONT_MATTER}] {name!r} is written by wx2post{hint}")
        fields[name] = _yaml_ready(item)
    return fields


def _yaml_ready(value: Any) -> Any:
    """TOML values as YAML can write them (a bare time of day becomes a string)."""
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return [_yaml_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _yaml_ready(v) for k, v in value.items()}
    return value


def default_map(config: dict[str, Any]) -> dict[str, Any]:
    """A validated config as click's `default_map` for `convert` (parameter name -> value)."""
    defaults: dict[str, Any] = {}
    for name, value in config.items():
        key = KEY_BY_NAME.get(name)
        if key is None:
            continue  # front_matter: not an option
        defaults[key.param] = (not value) if key.invert else value
    return defaults


# -- wiring into click ----------------------------------------------------------------

_SITE = "wx2post.config.site"
_EXPLICIT = "wx2post.config.explicit"
_LOADED = "wx2post.config.loaded"

F = TypeVar("F", bound=Callable[..., Any])


def remember_site(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """Callback of `convert`'s (eager) `-o/--output`: the site is where the config is."""
    ctx.meta[_SITE] = value
    _load_when_ready(ctx)
    return value


def _remember_explicit(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    ctx.meta[_EXPLICIT] = value
    _load_when_ready(ctx)


def _load_when_ready(ctx: click.Context) -> None:
    """Once both the site and --config are known (eager options, before all others),
    read the config into ctx.default_map, so that click itself applies the precedence."""
    if _SITE not in ctx.meta or _EXPLICIT not in ctx.meta or ctx.resilient_parsing:
        return
    try:
        path = find_config(Path(ctx.meta[_SITE]), ctx.meta[_EXPLICIT])
        config = load_config(path) if path is not None else {FRONT_MATTER: {}}
    except ConfigError as exc:
        raise click.UsageError(str(exc), ctx) from exc
    ctx.meta[_LOADED] = config
    ctx.default_map = {**(ctx.default_map or {}), **default_map(config)}


def config_option(f: F) -> F:
    """`--config FILE` for `convert` (eager; pair it with an eager `-o` calling remember_site)."""
    return click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        is_eager=True,
        expose_value=False,
        callback=_remember_explicit,
        metavar="FILE",
        help=f"Defaults from a config file (see Configuration) [default: `SITE/{CONFIG_NAME}`].",
    )(f)


def loaded_front_matter(ctx: click.Context | None = None) -> dict[str, Any]:
    """The `[front_matter]` fields of the config `convert` read (empty if none)."""
    ctx = ctx or click.get_current_context()
    config = ctx.meta.get(_LOADED) or {}
    return dict(config.get(FRONT_MATTER, {}))
