"""wx2post.toml: loading and validation, precedence (CLI > env > file > preset), `wx2post init`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import frontmatter
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.cli.config import (
    CONFIG_NAME,
    KEYS,
    ConfigError,
    default_map,
    envvar,
    find_config,
    load_config,
)
from wx2post.cli.convert import convert
from wx2post.cli.init import init
from wx2post.cli.template import preset_defaults, render_config
from wx2post.presets import PRESETS

from .pages import article_html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-article.html"
CLEAN_ENV = {f"WX2POST_{p.name.upper()}": None for p in convert.params if p.name}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def convert_stdout(site: Path, *args: str, env: dict[str, str] | None = None) -> frontmatter.Post:
    result = CliRunner().invoke(
        main,
        ["convert", str(EXAMPLE), "-o", str(site), "--stdout", *args],
        env={**CLEAN_ENV, **(env or {})},
    )
    assert result.exit_code == 0, result.output + result.stderr
    return frontmatter.loads(result.stdout)


# -- load_config ---------------------------------------------------------------


def test_load_config_normalises_names_and_values(tmp_path: Path) -> None:
    path = write(
        tmp_path / CONFIG_NAME,
        'preset = "hugo"\nheader-img = "img/x.png"\ntags = "单个"\ndelay = 5\nmax_image_size = 1048576\n'
        'attribution = false\n[front_matter]\ncategories = ["转载"]\nweight = 3\nreviewed = 12:30:00\n',
    )
    config = load_config(path)
    assert config == {
        "preset": "hugo",
        "header_img": "img/x.png",
        "tags": ["单个"],
        "delay": 5.0,
        "max_image_size": "1048576",
        "attribution": False,
        "front_matter": {"categories": ["转载"], "weight": 3, "reviewed": "12:30:00"},
    }
    assert default_map(config) == {
        "preset": "hugo",
        "header_img": "img/x.png",
        "tags": ["单个"],
        "delay": 5.0,
        "max_image_size": "1048576",
        "no_attribution": True,
    }


def test_empty_config_is_fine(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / CONFIG_NAME, "# nothing\n")) == {"front_matter": {}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("autor = 'x'\n", r"unknown key 'autor' \(did you mean 'author'\?\); known keys: preset, slug"),
        ("categories = ['x']\n", r"unknown key 'categories' \(extra front matter fields go in the \[front"),
        ("title = 'x'\n", r"unknown key 'title' \(wx2post writes the front matter field 'title' itself\)"),
        ("preset = 'wordpress'\n", r"'preset' must be one of \"hexo\", \"hugo\", \"hux\", \"jekyll\""),
        ("slug = 'uuid'\n", r"'slug' must be one of \"title\", \"pinyin\", \"id\", not \"uuid\""),
        ("catalog = 'yes'\n", r"'catalog' must be true or false, not \"yes\""),
        ("delay = -1\n", r"'delay' must be at least 0, not -1"),
        ("image_jobs = 100\n", r"'image_jobs' must be at most 64"),
        ("image_jobs = 2.5\n", r"'image_jobs' must be a whole number"),
        ("tags = [1, 2]\n", r"'tags' must be a list of strings"),
        ("max_image_size = 'huge'\n", r"'max_image_size' must be a size"),
        ("image_dir = '../outside'\n", r"'image_dir': image folder must not contain '\.\.'"),
        ("image-dir = 'a'\nimage_dir = 'b'\n", r"'image_dir' and 'image-dir' set the same key|'image-dir'"),
        ("front_matter = 3\n", r"\[front_matter\] must be a table"),
        ("[front_matter]\ndate = 2020-01-01\n", r"\[front_matter\] 'date' is written by wx2post"),
        ("[front_matter]\ntags = ['x']\n", r"'tags' is written by wx2post; set the top-level 'tags' instead"),
        ("[front_matter]\nheader-img = 'x'\n", r"set the top-level 'header_img' instead"),
        ("preset = \n", r"not valid TOML"),
    ],
)
def test_bad_configs_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / CONFIG_NAME, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(str(path) + ": ")


def test_find_config(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    path = write(tmp_path / CONFIG_NAME, "")
    assert find_config(tmp_path) == path
    other = write(tmp_path / "elsewhere.toml", "")
    assert find_config(tmp_path, other) == other
    with pytest.raises(ConfigError, match="config file not found"):
        find_config(tmp_path, tmp_path / "missing.toml")


def test_every_key_is_an_option_of_convert() -> None:
    params = {p.name: p for p in convert.params}
    ctx = click.Context(convert)
    for key in KEYS:
        assert key.param in params, key.name
        param = params[key.param]
        if key.choices:
            assert isinstance(param.type, click.Choice)
            assert set(key.choices) == set(param.type.choices), key.name
        if key.default is not None and key.name not in ("tags",):
            expected = (not key.default) if key.invert else key.default
            # get_default: click 8.5 keeps an unset flag default as a sentinel
            assert param.get_default(ctx) == expected, key.name
    assert envvar("slug") == "WX2POST_SLUG_MODE"
    assert envvar("images") == "WX2POST_IMAGE_MODE"


# -- precedence through the command line --------------------------------------------


def test_precedence_cli_over_env_over_file_over_preset(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / CONFIG_NAME, 'author = "FILE"\ntags = ["文件"]\ncatalog = true\n')
    assert convert_stdout(tmp_path / "bare")["author"] == "转载"  # no file: the built-in default
    post = convert_stdout(site)
    assert (post["author"], post["tags"], post["catalog"]) == ("FILE", ["文件"], True)
    post = convert_stdout(site, env={"WX2POST_AUTHOR": "ENV", "WX2POST_TAGS": "e1 e2"})
    assert (post["author"], post["tags"], post["catalog"]) == ("ENV", ["e1", "e2"], True)
    post = convert_stdout(
        site, "--author", "CLI", "--tag", "c", "--no-catalog", env={"WX2POST_AUTHOR": "ENV"}
    )
    assert (post["author"], post["tags"], post["catalog"]) == ("CLI", ["c"], False)


def test_config_chooses_the_preset_and_the_preset_its_defaults(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / CONFIG_NAME, 'preset = "hugo"\n[front_matter]\ncategories = ["转载"]\ndraft = true\n')
    post = convert_stdout(site)
    assert post["draft"] is True and post["categories"] == ["转载"]
    assert "layout" not in post.metadata and "header-img" not in post.metadata
    assert str(post["date"]).startswith("2022-05-03 10:12:00+08:00")
    post = convert_stdout(site, env={"WX2POST_PRESET": "hexo"})
    assert "draft" in post.metadata  # [front_matter] still applies
    post = convert_stdout(site, "--preset", "hux", env={"WX2POST_PRESET": "hexo"})
    assert post["layout"] == "post" and post["header-img"] == "img/the-first.png"


def test_attribution_and_flags_from_the_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / CONFIG_NAME, "attribution = false\n")
    assert "转载：" not in convert_stdout(site).content
    write(site / CONFIG_NAME, "attribution = true\n")
    assert "转载：" in convert_stdout(site).content
    assert "转载：" not in convert_stdout(site, env={"WX2POST_NO_ATTRIBUTION": "1"}).content


def test_explicit_config_file_replaces_the_sites(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / CONFIG_NAME, 'author = "SITE"\n')
    other = write(tmp_path / "other.toml", 'author = "OTHER"\n')
    assert convert_stdout(site)["author"] == "SITE"
    assert convert_stdout(site, "--config", str(other))["author"] == "OTHER"
    assert convert_stdout(site, env={"WX2POST_CONFIG": str(other)})["author"] == "OTHER"
    # the order of --config and -o on the command line does not matter
    result = CliRunner().invoke(
        main, ["convert", "--config", str(other), str(EXAMPLE), "--stdout", "-o", str(site)], env=CLEAN_ENV
    )
    assert result.exit_code == 0 and "author: OTHER" in result.stdout


def test_a_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / CONFIG_NAME, "autor = 1\n")
    result = CliRunner().invoke(main, ["convert", str(EXAMPLE), "-o", str(site)], env=CLEAN_ENV)
    assert result.exit_code == 2
    assert "unknown key 'autor' (did you mean 'author'?)" in result.stderr
    assert not (site / "_posts").exists()
    missing = CliRunner().invoke(
        main, ["convert", str(EXAMPLE), "--config", str(tmp_path / "none.toml")], env=CLEAN_ENV
    )
    assert missing.exit_code == 2 and "config file not found" in missing.stderr


# -- wx2post init ----------------------------------------------------------------


def uncomment_defaults(text: str) -> str:
    """Every `# key = value` line of a key whose default is fixed, uncommented."""
    fixed = {k.name for k in KEYS if k.default is not None}
    out = []
    for line in text.splitlines():
        m = re.match(r"# (\w+) = ", line)
        out.append(line[2:] if m and m.group(1) in fixed | {"image_dir", "image_prefix"} else line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_init_writes_a_config_that_loads_and_states_the_defaults(tmp_path: Path, preset: str) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(init, [str(site), "--preset", preset])
    assert result.exit_code == 0, result.output
    path = site / CONFIG_NAME
    assert result.stdout.strip() == str(path)
    assert [p.name for p in site.iterdir()] == [CONFIG_NAME]  # no temporary file left
    text = path.read_text(encoding="utf-8")
    assert text == render_config(preset)
    assert load_config(path) == {"preset": preset, "front_matter": {}}
    for key in KEYS:
        assert re.search(rf"^#? ?{key.name} = ", text, re.M), f"{key.name} missing from the file"
    if preset in ("hugo", "hexo"):  # their image folder is per post: only an example is shown
        assert re.search(r"^# image_dir = \"(static|source)/images\"$", text, re.M)
    # Uncommenting every stated default changes nothing.
    full = write(tmp_path / "full.toml", uncomment_defaults(text))
    config = load_config(full)
    defaults = preset_defaults(preset)
    for name, value in config.items():
        if name != "front_matter" and defaults.get(name) is not None:
            assert value == defaults[name], name
    if preset in ("hux", "jekyll"):
        assert (config["image_dir"], config["image_prefix"]) == ("postimg", "{{site.baseurl}}/postimg/")
        fixed = {k: v for k, v in config.items() if k != "front_matter" and defaults.get(k) is not None}
        assert set(fixed) == {k.name for k in KEYS if defaults[k.name] is not None}
    bare = convert_stdout(tmp_path / "bare", "--preset", preset)
    assert convert_stdout(site, "--config", str(full)).metadata == bare.metadata


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = write(tmp_path / CONFIG_NAME, "# mine\n")
    result = CliRunner().invoke(init, [str(tmp_path), "--preset", "hugo"])
    assert result.exit_code == 2
    assert "exists (use --force to replace it)" in result.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"
    result = CliRunner().invoke(init, [str(tmp_path), "--preset", "hugo", "--force"])
    assert result.exit_code == 0
    assert load_config(path)["preset"] == "hugo"
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_NAME]


def test_init_defaults_to_the_current_folder_and_hux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(init, [])
    assert result.exit_code == 0
    assert load_config(tmp_path / CONFIG_NAME)["preset"] == "hux"
    bad = CliRunner().invoke(init, ["--preset", "wordpress"])
    assert bad.exit_code == 2


def test_hexo_config_names_the_hexo_settings_it_relies_on() -> None:
    text = render_config("hexo")
    assert "post_asset_folder: true" in text and "postAsset: true" in text


def test_every_option_of_convert_is_a_key_unless_it_describes_one_run() -> None:
    """`init` writes every option `convert` has: a new option needs its key (or a reason)."""
    from wx2post.cli.config import ONE_RUN_OPTIONS

    options = {p.name for p in convert.params if p.name != "help"}
    keys = {key.param for key in KEYS}
    assert options - ONE_RUN_OPTIONS == keys
    assert ONE_RUN_OPTIONS <= options


def test_init_shows_the_real_defaults() -> None:
    text = render_config("hux")
    assert '# images = "local"' in text
    assert f"# jobs = {os.cpu_count() or 1}" in text
    for line in ("# allow_private_addresses = false", "# delay = 3.0", '# max_image_size = "20M"'):
        assert line in text


def test_every_example_of_init_is_accepted_by_convert(tmp_path: Path) -> None:
    """Uncommenting every line `init` writes (examples included) gives a config `convert` runs with."""
    text = render_config("hux")
    full = "\n".join(re.sub(r"^# ([a-z_]+ = .*)$", r"\1", line) for line in text.splitlines())
    site = tmp_path / "site"
    write(site / CONFIG_NAME, full)
    config = load_config(site / CONFIG_NAME)
    assert config["limit"] == 10 and config["since"] == "2026-11-01" and config["save_html"] == "pages"
    page = tmp_path / "a.html"
    page.write_text(article_html(1), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "-o", str(site), "--dry-run"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ['"yesterday"', "2026-11-01", '"2026-13-01x"', "1"])
def test_since_must_be_a_date_string(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="'since' must be a date"):
        load_config(write(tmp_path / CONFIG_NAME, f"since = {value}\n"))
