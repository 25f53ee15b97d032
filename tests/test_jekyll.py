"""Build generated posts with a real Jekyll (Debian package `jekyll`).

Skips when Jekyll is absent locally; fails under CI, which must install it.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from click.testing import CliRunner

from wx2post.cli import main

from .tools import require

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-article.html"

LAYOUT_DEFAULT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body>{{ content }}</body></html>
"""
LAYOUT_POST = """---
layout: default
---
<h1 class="post-title">{{ page.title }}</h1>
<time class="post-date">{{ page.date | date: "%Y-%m-%d %H:%M" }}</time>
<img class="header" src="{{ site.baseurl }}/{{ page.header-img }}">
<article>{{ content }}</article>
"""


def jekyll() -> str:
    return require("jekyll")


def make_site(root: Path, baseurl: str = "/blog") -> Path:
    (root / "_layouts").mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(
        f'title: test blog\nbaseurl: "{baseurl}"\nmarkdown: kramdown\ntimezone: Asia/Shanghai\n'
        "permalink: /:year/:month/:day/:title/\n",
        encoding="utf-8",
    )
    (root / "_layouts" / "default.html").write_text(LAYOUT_DEFAULT, encoding="utf-8")
    (root / "_layouts" / "post.html").write_text(LAYOUT_POST, encoding="utf-8")
    (root / "img").mkdir(exist_ok=True)
    (root / "img" / "the-first.png").write_bytes(
        (ROOT / "examples" / "seed-article_files" / "640.png").read_bytes()
    )
    return root


def build(site: Path) -> Path:
    dest = site / "_site"
    proc = subprocess.run(
        [jekyll(), "build", "--source", str(site), "--destination", str(dest), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JEKYLL_ENV": "production", "LANG": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest


def local_targets(html: str, baseurl: str) -> list[str]:
    """Site-relative paths of every src/href that points into the site."""
    paths = []
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("#"):
            continue
        path = unquote(parts.path)
        if path.startswith(baseurl + "/"):
            path = path[len(baseurl) :]
        paths.append(path)
    return paths


def assert_resolves(dest: Path, html: str, baseurl: str) -> None:
    for path in local_targets(html, baseurl):
        target = dest / path.lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        assert target.exists(), f"{path} does not resolve in the built site"


def test_example_post_builds_with_title_and_date(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    result = CliRunner().invoke(main, ["convert", str(EXAMPLE), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    dest = build(site)
    pages = list((dest / "2022" / "05" / "03").rglob("index.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert (
        '<h1 class="post-title">最高检第四检察厅负责人就打击治理电信网络诈骗及关联犯罪典型案例答记者问</h1>'
        in html
    )
    assert '<time class="post-date">2022-05-03 10:12</time>' in html
    assert "<blockquote><p>转载：吉林市昌邑公安分局反诈骗中心" in html
    assert "<h2" in html and "全链条打击一体化治理" in html
    assert "****" not in html
    assert_resolves(dest, html, "/blog")


def test_liquid_lookalikes_in_code_build_and_print_literally(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    page = tmp_path / "code.html"
    page.write_text(
        "<html><head><script>var msg_title = 'Liquid 模板'.html(false); var ct = \"1651543920\";"
        "</script></head><body><div id='js_content' class='rich_media_content'>"
        "<p>写法 {{ page.title }} 与 {% raw %} 和 {%endraw%}</p>"
        "<pre data-lang='html'><code>{% for x in y %}</code><code>  {{ x }}</code>"
        "<code>{% endfor %}</code></pre>"
        "</div></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["convert", str(page), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    dest = build(site)
    html = next((dest / "2022").rglob("index.html")).read_text(encoding="utf-8")
    assert "写法 {{ page.title }} 与 {% raw %} 和 {%endraw%}" in html
    assert "{% for x in y %}\n  {{ x }}\n{% endfor %}" in html


def test_links_between_converted_posts_resolve(tmp_path: Path) -> None:
    from .pages import article_url, raw_page

    site = make_site(tmp_path / "site")
    a = raw_page(tmp_path, 1, body=f"<p>见<a href='{article_url(2)}'>第二篇</a>。</p>")
    b = raw_page(tmp_path, 2, title="第二篇 链接目标")
    result = CliRunner().invoke(main, ["convert", str(a), str(b), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    dest = build(site)
    pages = {p.read_text(encoding="utf-8") for p in (dest / "2022").rglob("index.html")}
    first = next(p for p in pages if "第1篇文章" in p)
    assert re.search(r'<a href="/blog/2022/05/03/[^"]+/">第二篇</a>', first), first
    assert_resolves(dest, first, "/blog")


def test_a_pipe_in_article_text_stays_text_not_a_table(tmp_path: Path) -> None:
    """kramdown reads a line holding `|` as a table row: `来源|某中心` became a table."""
    site = make_site(tmp_path / "site")
    with (site / "_config.yml").open("a", encoding="utf-8") as config:
        config.write("kramdown:\n  input: GFM\n  hard_wrap: true\n")  # as the Hux theme reads posts
    page = tmp_path / "pipes.html"
    page.write_text(
        "<html><head><script>var msg_title = '竖线'.html(false); var ct = \"1651543920\";"
        "</script></head><body><div id='js_content' class='rich_media_content'>"
        "<p>来源|示例中心</p><p>a | b | c</p><p>| 开头的一行</p>"
        "<table><tr><td>甲|乙</td><td><code>x|y</code></td></tr><tr><td>1</td><td>2</td></tr></table>"
        "</div></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["convert", str(page), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    html = next((build(site) / "2022").rglob("index.html")).read_text(encoding="utf-8")
    article = html[html.index("<article>") : html.index("</article>")]
    assert "<p>来源|示例中心</p>" in article and "<p>a | b | c</p>" in article
    assert "<p>| 开头的一行</p>" in article
    assert article.count("<table>") == 1 and article.count("<td") + article.count("<th>") == 4
    assert "甲|乙" in article  # (a pipe in a code span in a cell: kramdown prints `x\|y`, GFM `x|y`)
