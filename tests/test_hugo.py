"""Build posts converted with `--preset hugo` with a real Hugo (Debian package `hugo`).

Skips when Hugo is absent locally; fails under CI, which must install it. Also
checks the shape of `--preset hexo` output (no Hexo is installed to build it).
"""

from __future__ import annotations

import html
import inspect
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import frontmatter
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.runner import Runner

from .tools import require

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-article.html"
TITLE = "最高检第四检察厅负责人就打击治理电信网络诈骗及关联犯罪典型案例答记者问"

# Images beside each post need the runner to give each post its own image folder
# (presets.image_location per post); until it does, those tests are expected to fail.
PER_POST_IMAGES = "image_dir" in inspect.signature(Runner).parameters
needs_per_post_images = pytest.mark.xfail(
    not PER_POST_IMAGES, reason="the runner does not place images per post yet", strict=True
)

SINGLE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1 class="post-title">{{ .Title }}</h1>
<time class="post-date">{{ .Date.Format "2006-01-02 15:04 -07:00" }}</time>
<p class="description">{{ .Description }}</p>
<article>{{ .Content }}</article>
</body></html>
"""
LIST = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</body></html>
"""


def hugo() -> str:
    return require("hugo")


def make_site(root: Path) -> Path:
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(
        'baseURL = "https://example.org/blog/"\ntitle = "test blog"\n'
        'timeZone = "Asia/Shanghai"\ndisableKinds = ["RSS", "sitemap", "robotsTXT"]\n',
        encoding="utf-8",
    )
    (root / "layouts" / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (root / "layouts" / "_default" / "list.html").write_text(LIST, encoding="utf-8")
    return root


def build(site: Path) -> Path:
    dest = site / "public"
    proc = subprocess.run(
        [hugo(), "--source", str(site), "--destination", str(dest), "--quiet", "--noBuildLock"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HUGO_ENVIRONMENT": "production", "LANG": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest


def convert(site: Path, *pages: Path | str, extra: tuple[str, ...] = ()) -> None:
    result = CliRunner().invoke(
        main, ["convert", *map(str, pages), "-o", str(site), "--preset", "hugo", *extra]
    )
    assert result.exit_code == 0, result.output + result.stderr


def the_page(dest: Path) -> tuple[Path, str]:
    pages = list((dest / "posts").glob("*/index.html"))
    assert len(pages) == 1, pages
    return pages[0], pages[0].read_text(encoding="utf-8")


def article_text(page_html: str) -> str:
    """The visible text of the built article (tags dropped, entities decoded)."""
    body = page_html.split("<article>", 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def assert_local_images_resolve(dest: Path, page: Path, page_html: str) -> int:
    """Every <img src> inside the site exists in the build; returns how many there are."""
    count = 0
    for src in re.findall(r'<img[^>]+src="([^"]+)"', page_html):
        parts = urlsplit(html.unescape(src))
        if parts.scheme or parts.netloc:
            continue
        path = unquote(parts.path)
        if path.startswith("/"):
            target = dest / path.removeprefix("/blog/").lstrip("/")
        else:  # relative to the page's folder: the page bundle
            target = page.parent / path
        assert target.is_file(), f"{src} does not resolve in the built site"
        count += 1
    return count


def shortcode_page(tmp_path: Path) -> Path:
    page = tmp_path / "shortcodes.html"
    page.write_text(
        "<html><head><script>var msg_title = 'Hugo 短代码'.html(false); var ct = \"1651543920\";"
        "</script></head><body><div id='js_content' class='rich_media_content'>"
        "<p>写法 {{&lt; figure src=x &gt;}} 与 {{% notice %}} 还有 {{&lt;/* escaped */&gt;}}</p>"
        "<p>代码 <code>{{&lt; inline &gt;}}</code> 完</p>"
        "<pre data-lang='python'><code>print(\"{{%s}}\" % name)</code><code>x = {{&lt; y</code></pre>"
        "<p>最后 {{% unclosed</p>"
        "</div></body></html>",
        encoding="utf-8",
    )
    return page


def test_example_post_builds_with_title_and_date(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    convert(site, EXAMPLE, extra=("--images", "remote"))
    post = next((site / "content" / "posts").glob("*/index.md"))
    assert post.parent.name == TITLE
    dest = build(site)
    page, text = the_page(dest)
    assert f'<h1 class="post-title">{TITLE}</h1>' in text
    assert '<time class="post-date">2022-05-03 10:12 &#43;08:00</time>' in text
    assert '<p class="description">全链条打击一体化治理，营造清朗网络空间</p>' in text
    assert "转载：吉林市昌邑公安分局反诈骗中心" in text and "raw HTML omitted" not in text
    assert "<h2" in text and "全链条打击一体化治理" in text
    assert "****" not in text


@needs_per_post_images
def test_images_go_into_the_bundle_and_resolve(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    convert(site, EXAMPLE)
    bundle = site / "content" / "posts" / TITLE
    images = sorted(p.name for p in bundle.iterdir() if p.name != "index.md")
    assert images, "no image beside index.md"
    assert not (site / "postimg").exists()
    body = frontmatter.load(bundle / "index.md").content
    for name in images:
        assert f"]({name})" in body  # referenced by bare name
    dest = build(site)
    page, text = the_page(dest)
    assert assert_local_images_resolve(dest, page, text) >= 1
    # a re-run finds the images where it left them and changes nothing
    before = {p: p.read_bytes() for p in bundle.iterdir()}
    convert(site, EXAMPLE)
    assert {p: p.read_bytes() for p in bundle.iterdir()} == before


def test_shortcode_lookalikes_build_and_print_literally(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    convert(site, shortcode_page(tmp_path), extra=("--images", "remote"))
    dest = build(site)
    _, text = the_page(dest)
    visible = article_text(text)
    assert "写法 {{< figure src=x >}} 与 {{% notice %}} 还有 {{</* escaped */>}}" in visible
    assert "代码 {{< inline >}} 完" in visible
    assert 'print("{{%s}}" % name)\nx = {{< y' in visible
    assert "最后 {{% unclosed" in visible
    assert "*/" not in visible.replace("{{</* escaped */>}}", "")


# -- hexo: the output's shape (no Hexo to build it) -----------------------------------


def test_hexo_post_shape(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["convert", str(EXAMPLE), "-o", str(site), "--preset", "hexo", "--images", "remote"]
    )
    assert result.exit_code == 0, result.stderr
    post_path = site / "source" / "_posts" / f"{TITLE}.md"
    assert post_path.is_file()
    text = post_path.read_text(encoding="utf-8")
    assert "\ndate: 2022-05-03 10:12:00\n" in text
    post = frontmatter.loads(text)
    assert post["title"] == TITLE and post["tags"] == ["其他"]
    assert "layout" not in post.metadata and "disableNunjucks" not in post.metadata


@needs_per_post_images
def test_hexo_images_go_into_the_asset_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["convert", str(EXAMPLE), "-o", str(site), "--preset", "hexo"])
    assert result.exit_code == 0, result.stderr
    assets = site / "source" / "_posts" / TITLE
    names = sorted(p.name for p in assets.iterdir())
    assert names and all(re.fullmatch(r"[\w-]+\.(png|jpeg|gif|webp|svg)", n) for n in names)
    body = frontmatter.load(site / "source" / "_posts" / f"{TITLE}.md").content
    for name in names:
        assert f"]({name})" in body


def test_hexo_template_text_turns_nunjucks_off(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = tmp_path / "nunjucks.html"
    page.write_text(
        "<html><head><script>var msg_title = 'Nunjucks'.html(false); var ct = \"1651543920\";"
        "</script></head><body><div id='js_content' class='rich_media_content'>"
        "<p>写法 {{ page.title }} 与 {% raw %} 和 {# x</p></div></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["convert", str(page), "-o", str(site), "--preset", "hexo"])
    assert result.exit_code == 0, result.stderr
    post = frontmatter.load(site / "source" / "_posts" / "Nunjucks.md")
    assert post["disableNunjucks"] is True
    assert "写法 {{ page.title }} 与 {% raw %} 和 {# x" in post.content
