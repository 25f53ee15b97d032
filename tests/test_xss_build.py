"""Nothing executable reaches a built blog: real Jekyll (kramdown GFM input, as the Hux
theme uses), Hugo and Hexo builds of a page full of hostile links, attribute lists,
raw HTML and names, every built page then scanned for script.

Jekyll and Hugo come from Debian, Hexo from npm (`.ci/run` installs all three):
each test skips locally when its tool is absent and fails under CI.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.safety import ALLOWED_SCHEMES, link_scheme

from .tools import require

HEXO_HOME = Path(os.environ.get("WX2POST_HEXO_HOME", Path.home() / ".cache" / "wx2post-hexo"))

HOSTILE_HREFS = [
    "JavaScript:alert(1)",
    "java\tscript:alert(2)",
    "&#1;javascript:alert(3)",
    "vbscript:msgbox(4)",
    "&#106;avascript:alert(5)",
    "data:text/html,&lt;script&gt;alert(6)&lt;/script&gt;",
    " javascript:alert(7)",
    "jav&#x0A;ascript:alert(8)",
    "JAVASCRIPT&colon;alert(9)",
]
HOSTILE_TEXT = [
    '<p>第一段</p><p>{: onclick="alert(10)"}</p>',
    '<p><em>强调</em>{: onmouseover="alert(11)"} 和 <strong>粗</strong>{:.x onclick="alert(12)"}</p>',
    "<p>{::nomarkdown}&lt;script&gt;alert(13)&lt;/script&gt;{:/}</p>",
    '<p>{::options parse_block_html="true" /}</p>',
    "<p>&lt;img src=x onerror=alert(14)&gt; 与 [点我](javascript:alert(15))</p>",
    "<p>&lt;javascript:alert(16)&gt; 与 &lt;a href=javascript:alert(16)&gt;x&lt;/a&gt;</p>",
    "<p>模板 {{&lt; x &gt;}} 与 {{% y %}} 与 {% z %} 与 {{ w }} 与 {# c #}</p>",
]
MERGED_TABLE = (
    "<table><tr><td rowspan='2' onclick='alert(17)'><a href='javascript:alert(18)'>表</a></td>"
    "<td><a href='JaVaScRiPt:alert(19)'>格</a> <span onmouseover='alert(20)'>x</span></td></tr>"
    "<tr><td><a href='https://example.com/ok'>好</a></td></tr></table>"
)
TITLE = '<script>alert(21)</script>"onmouseover="alert(22)" 标题 {: onclick=alert(23)}'
ACCOUNT = "<img src=x onerror=alert(24)>号 [x](javascript:alert(25))"
AUTHOR = '"><svg onload=alert(26)> {::nomarkdown}<b onclick=alert(27)>{:/}'


def hostile_page(path: Path) -> Path:
    links = "".join(f"<p><a href='{h}'>链接{i}</a></p>" for i, h in enumerate(HOSTILE_HREFS))
    body = links + "".join(HOSTILE_TEXT) + MERGED_TABLE + "<p><a href='https://example.com/fine'>正常</a></p>"
    link = "https://mp.weixin.qq.com/s?__biz=MzI0NTU2Nzg5MA==&amp;mid=2247480001&amp;idx=1&amp;sn=5e01"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><script>"
        f"var msg_title = '{html.escape(TITLE)}'.html(false);"
        f'var ct = "1651543920"; var nickname = htmlDecode("{html.escape(ACCOUNT)}");'
        f'var author = "{html.escape(AUTHOR)}"; var msg_link = "{link}";'
        "</script></head><body>"
        f"<div id='js_content'>{body}</div></body></html>",
        encoding="utf-8",
    )
    return path


def assert_inert(page: Path) -> None:
    """No script element, no event handler, no link or source outside the allowed schemes."""
    tree = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        assert tag not in ("script", "iframe", "object", "embed", "svg"), f"{tag} in {page}"
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"<{tag} {name}={value!r}> in {page}"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                scheme = link_scheme(value)
                assert scheme in ALLOWED_SCHEMES or scheme == "", f"<{tag} {name}={value!r}> in {page}"
    assert "<script" not in page.read_text(encoding="utf-8").lower()


def convert(src: Path, site: Path, preset: str) -> Path:
    result = CliRunner().invoke(main, ["convert", str(src), "-o", str(site), "--preset", preset, "--json"])
    assert result.exit_code == 0, result.stderr
    return site / json.loads(result.stdout)["post"]


def run(cmd: list[str], cwd: Path, **env: str) -> None:
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LANG": "C.UTF-8", **env},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


HUX_POST = """---
layout: default
---
<h1>{{ page.title }}</h1><h2 class="subheading">{{ page.subtitle }}</h2>
<span class="meta">Posted by {{ page.author }} on {{ page.date | date: "%B %-d, %Y" }}</span>
<article>{{ content }}</article>
"""


def test_jekyll_hux_build_is_inert(tmp_path: Path) -> None:
    jekyll = require("jekyll")
    site = tmp_path / "site"
    (site / "_layouts").mkdir(parents=True)
    # The Hux theme's settings: kramdown with GFM input, titles printed unescaped.
    (site / "_config.yml").write_text(
        'title: t\nbaseurl: ""\nmarkdown: kramdown\nkramdown:\n  input: GFM\n  syntax_highlighter: rouge\n'
        "timezone: Asia/Shanghai\npermalink: /:year/:month/:day/:title/\n",
        encoding="utf-8",
    )
    (site / "_layouts" / "default.html").write_text(
        "<!DOCTYPE html><html><head><title>{{ page.title }}</title></head><body>{{ content }}</body></html>",
        encoding="utf-8",
    )
    (site / "_layouts" / "post.html").write_text(HUX_POST, encoding="utf-8")
    convert(hostile_page(tmp_path / "in.html"), site, "hux")
    run([jekyll, "build", "--source", str(site), "--destination", str(site / "_site"), "--quiet"], site)
    pages = list((site / "_site" / "2022").rglob("index.html"))
    assert len(pages) == 1
    assert_inert(pages[0])
    built = pages[0].read_text(encoding="utf-8")
    assert "正常" in built and 'href="https://example.com/fine"' in built  # the good link stays a link
    assert "链接0" in built and "表" in built  # hostile links keep their text


def test_hugo_build_is_inert(tmp_path: Path) -> None:
    hugo = require("hugo")
    site = tmp_path / "site"
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "config.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "t"\ndisableKinds = ["RSS", "sitemap", "robotsTXT"]\n'
        "[markup.goldmark.renderer]\nunsafe = true\n",  # raw HTML on: what wx2post writes must be safe itself
        encoding="utf-8",
    )
    single = "<html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Content }}"
    (site / "layouts" / "_default" / "single.html").write_text(single, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text("<html><body></body></html>", encoding="utf-8")
    post = convert(hostile_page(tmp_path / "in.html"), site, "hugo")
    run(
        [hugo, "--source", str(site), "--destination", str(site / "public"), "--quiet", "--noBuildLock"], site
    )
    page = site / "public" / "posts" / post.parent.name / "index.html"
    assert page.exists(), sorted(p.name for p in (site / "public").rglob("*"))
    assert_inert(page)
    assert "正常" in page.read_text(encoding="utf-8")


def hexo() -> Path:
    """Hexo's node_modules (`.ci/run` installs them with npm); skip locally when absent."""
    if not (HEXO_HOME / "node_modules" / ".bin" / "hexo").exists():
        if os.environ.get("CI"):
            pytest.fail(f"Hexo is not installed in {HEXO_HOME} (CI must install it from npm)")
        pytest.skip("Hexo is not installed")
    require("node")
    return HEXO_HOME / "node_modules"


def test_hexo_build_is_inert(tmp_path: Path) -> None:
    modules = hexo()
    site = tmp_path / "site"
    layout = site / "themes" / "plain" / "layout"
    layout.mkdir(parents=True)
    (site / "node_modules").symlink_to(modules, target_is_directory=True)
    versions = json.loads((modules / "hexo" / "package.json").read_text(encoding="utf-8"))["version"]
    (site / "package.json").write_text(
        json.dumps(
            {
                "name": "t",
                "private": True,
                "hexo": {"version": versions},
                "dependencies": {"hexo": "*", "hexo-renderer-marked": "*", "hexo-renderer-ejs": "*"},
            }
        ),
        encoding="utf-8",
    )
    (site / "_config.yml").write_text(
        "title: t\nurl: https://example.org\npermalink: :year/:month/:day/:title/\ntheme: plain\n"
        "timezone: Asia/Shanghai\npost_asset_folder: true\nmarked:\n  prependRoot: true\n  postAsset: true\n",
        encoding="utf-8",
    )
    (layout / "post.ejs").write_text("<h1><%= page.title %></h1><%- page.content %>", encoding="utf-8")
    (layout / "index.ejs").write_text("<p>index</p>", encoding="utf-8")
    post = convert(hostile_page(tmp_path / "in.html"), site, "hexo")
    run([str(modules / ".bin" / "hexo"), "generate", "--silent"], site)
    pages = [p for p in (site / "public" / "2022").rglob("index.html")]
    assert len(pages) == 1, post
    assert_inert(pages[0])
    assert "正常" in pages[0].read_text(encoding="utf-8")
    shutil.rmtree(site / "public")
