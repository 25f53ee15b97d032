"""End to end: a page whose title, names, alt text, captions, links and images carry a
reader's credential in every form of issue 9; no output artifact holds its value.

Artifacts checked: the post, every file name in the site, standard output and
error, `--json`, `.wx2post/posts.json`, the requests the image server saw, and
`wx2post fix --diff` / `--json` / the repaired file.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.urls.decode import decode_fully

from .loopback import LoopbackServer, Reply, fake_png
from .mpserver import FakeMp

S = "SeKr3tValue"
BIZ = "MzI0NTU2Nzg5MA=="
ARTICLE = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2247480001&idx=1&sn=5e0000000000000000000000000001"

# Each form of issue 9, as it would sit in an href, an image URL or text.
LINK_FORMS = {
    "upper-case": f"{ARTICLE}&KEY={S}&Pass_Ticket={S}",
    "percent-name": f"https://example.com/a?x=1&%6bey={S}",
    "value-hides-param": f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2&idx=1&sn=abc%26key%3D{S}",
    "encoded-name-and-value": f"https://example.com/a?key%3D{S}",
    "amp-nested": f"https://example.com/a?x=1&amp;amp;amp;amp;amp;uin={S}",
    "semicolon": f"https://example.com/a?x=1;pass_ticket={S}",
    "fragment": f"https://example.com/a#key={S}&uin={S}",
    "redirect-url": f"https://example.com/r?url={quote(ARTICLE + '&key=' + S, safe='')}",
    "redirect-uri": f"https://example.com/r?redirect_uri={quote(ARTICLE + '&appmsg_token=' + S, safe='')}",
    "mailto": f"mailto:a@example.com?body={quote(ARTICLE + '&exportkey=' + S, safe='')}",
    "weixin": f"weixin://dl/business/?t=x&sharer_shareinfo={S}",
    "paren": f"https://en.wikipedia.org/wiki/Foo_(bar)?key={S}",
    "js-escape": f"https://example.com/a?x=1\\x26key={S}",
}


def page(title: str, account: str, author: str, body: str) -> str:
    link = ARTICLE.replace("&", "&amp;")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><script>"
        f"var msg_title = '{html.escape(title)}'.html(false);"
        f'var ct = "1651543920"; var nickname = htmlDecode("{html.escape(account)}");'
        f'var author = "{html.escape(author)}"; var msg_link = "{link}";'
        "</script></head><body>"
        f"<h1 id='activity-name'>{html.escape(title)}</h1>"
        f"<div id='js_content'>{body}</div></body></html>"
    )


def hostile_body(image_base: str) -> str:
    links = "".join(
        f"<p>{name}: <a href='{html.escape(url)}'>link {name}</a> and text {html.escape(url)} end</p>"
        for name, url in LINK_FORMS.items()
    )
    text = f"<p>scheme-less mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?key={S} here</p>"
    image = f"{image_base}/img.png?wx_fmt=png&key={S}"
    figure = (
        f"<figure><img data-src='{html.escape(image)}' alt='see {html.escape(LINK_FORMS['upper-case'])}'>"
        f"<figcaption>caption {html.escape(LINK_FORMS['fragment'])}</figcaption></figure>"
    )
    return links + text + figure


def all_output(site: Path, *streams: str) -> str:
    """Every byte a user could publish or see: files (names and contents) and the streams."""
    parts = list(streams)
    for root, dirs, files in os.walk(site):
        for name in dirs + files:
            parts.append(name)
        for name in files:
            parts.append((Path(root) / name).read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def assert_no_secret(text: str) -> None:
    assert S not in text
    assert S.lower() not in decode_fully(text).lower()


def test_hostile_page_leaves_no_credential_anywhere(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/img.png", lambda req: Reply(200, fake_png(1), {"Content-Type": "image/png"}))
        title = f"标题 {LINK_FORMS['upper-case']} 与 mp.weixin.qq.com/s?__biz=x&mid=1&uin={S}"
        src = tmp_path / "in.html"
        src.write_text(
            page(title, f"账号 ?key={S}", f"作者 https://x.org/?pass_ticket={S}", hostile_body(server.base)),
            encoding="utf-8",
        )
        site = tmp_path / "site"
        result = CliRunner().invoke(
            main, ["convert", str(src), "-o", str(site), "--json", "--allow-private-addresses"]
        )
        assert result.exit_code == 0, result.stderr
        assert server.hits("/img.png") == 1
        assert all(S not in r.raw_path for r in server.requests)
    record = json.loads(result.stdout)
    assert record["status"] == "converted" and record["images_saved"] == 1
    assert_no_secret(all_output(site, result.stdout, result.stderr))
    post = (site / record["post"]).read_text(encoding="utf-8")
    assert "link upper-case" in post and "link paren" in post  # link texts stay
    assert (site / ".wx2post" / "posts.json").exists()

    # The same page printed (--stdout) and converted again without --json.
    again = CliRunner().invoke(main, ["convert", str(src), "--stdout"])
    assert again.exit_code == 0
    assert_no_secret(again.stdout + again.stderr)


def test_fix_diff_and_write_leave_no_credential(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    (site / "_posts").mkdir(parents=True)
    body = "\n\n".join(
        f'{name}: [x]({url}) and <a href="{url.replace("&", "&amp;")}">y</a> and {url}'
        for name, url in LINK_FORMS.items()
    )
    post = site / "_posts" / "2022-05-03-post.md"
    post.write_text(
        f"---\nlayout: post\ntitle: t\nsource: {ARTICLE}&key={S}\n---\n\n> 转载：号\n\n{body}\n\n"
        f'JS leftovers: var u = "{ARTICLE}\\x26key={S}";\n',
        encoding="utf-8",
    )
    diff = CliRunner().invoke(main, ["fix", str(site), "--diff", "--images", "remote"])
    assert diff.exit_code in (0, 1), diff.stderr
    assert "clean-urls" in diff.stdout or "@@" in diff.stdout
    assert_no_secret(diff.stdout + diff.stderr)
    as_json = CliRunner().invoke(main, ["fix", str(site), "--json", "--images", "remote"])
    assert_no_secret(as_json.stdout + as_json.stderr)
    wrote = CliRunner().invoke(main, ["fix", str(site), "--write", "--no-backup", "--images", "remote"])
    assert wrote.exit_code in (0, 1), wrote.stderr
    assert_no_secret(all_output(site, wrote.stdout, wrote.stderr))


NAMES = ["key", "KEY", "Uin", "pass_ticket", "%6bey", "appmsg_token", "sharer_shareid", "exportkey"]


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    sep = draw(st.sampled_from(["&", ";", "&amp;amp;amp;amp;", "#", "?", "%26", "\\x26"]))
    host = draw(
        st.sampled_from(
            [
                "https://example.com/p?a=1",
                "HTTPS://MP.WEIXIN.QQ.COM/s?__biz=x&mid=1",
                "mp.weixin.qq.com/s/AbCdEfGhIjKl?x=1",
                "//cdn.example.org/x?y",
            ]
        )
    )
    words = draw(st.text(alphabet="标题文章 ()*'-abc", max_size=8))
    return f"{words}{host}{sep}{name}={S}{draw(st.sampled_from(['', ' 尾', ')', '**']))}"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=hostile_text(),
    account=hostile_text(),
    author=hostile_text(),
    alt=hostile_text(),
    link=hostile_text(),
)
def test_property_generated_names_and_links_leave_no_credential(
    tmp_path_factory: object, title: str, account: str, author: str, alt: str, link: str
) -> None:
    root = tmp_path_factory.mktemp("p")  # type: ignore[attr-defined]
    src = root / "in.html"
    body = (
        f"<p><a href='{html.escape(link)}'>x</a> {html.escape(link)}</p>"
        f"<p><img data-src='https://mmbiz.qpic.cn/mmbiz_png/Ab/640?wx_fmt=png' alt='{html.escape(alt)}'></p>"
    )
    src.write_text(page(title, account, author, body), encoding="utf-8")
    for preset in ("hux", "hugo"):
        site = root / preset
        result = CliRunner().invoke(
            main, ["convert", str(src), "-o", str(site), "--json", "--images", "remote", "--preset", preset]
        )
        assert result.exit_code == 0, result.stderr
        assert_no_secret(all_output(site, result.stdout, result.stderr))


def test_wechat_link_whose_credential_cannot_be_removed_is_never_requested(
    mp: FakeMp, tmp_path: Path
) -> None:
    a = mp.add(1)
    link = f"https://mp.weixin.qq.com/s/uin={S}/x"  # a credential in the path: no identity left
    result = CliRunner().invoke(
        main, ["convert", link, a.short_url, "-o", str(tmp_path), "--delay", "0", "--json"]
    )
    assert_no_secret(result.stdout + result.stderr)
    assert all(S not in hit.raw_path for hit in mp.hits)
    statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert statuses == ["failed", "converted"]
