"""Web archives as inputs: Wayback Machine snapshots and archive.today snapshots, offline.

The fixtures are written here: a page of tests/pages.py as the Wayback Machine rewrites it,
and a flattened archive.today page with its hashed image files beside index.html.
"""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.sources.wayback import unarchive, unrewrite

from .loopback import fake_jpeg, fake_png
from .pages import article_html, article_url, image_url
from .tools import within

TS = "20200102030405"
TOOLBAR = (
    "<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id='wm-ipp-base'><div>The Wayback Machine - "
    f"https://web.archive.org/web/{TS}/ 12 captures 01 Jan 2020 - 02 Feb 2021</div></div>"
    "<!-- END WAYBACK TOOLBAR INSERT -->"
)
PLAYBACK = (
    "<script src='//archive.org/includes/analytics.js?v=cf34f82' type='text/javascript'></script>"
    "<script type='text/javascript'>window.addEventListener('DOMContentLoaded',function(){});</script>"
    "<script type='text/javascript' src='/_static/js/bundle-playback.js?v=1WaXNDFE'></script>"
    "<script type='text/javascript' src='/_static/js/wombat.js?v=txqj7nKC'></script>"
    "<script>window.RufflePlayer=window.RufflePlayer||{};</script>"
    "<script type='text/javascript'>__wm.init('https://web.archive.org/web');"
    "__wm.wombat('{ORIGINAL}','" + TS + "','https://web.archive.org/','web','/_static/','1577934245');"
    "</script><link rel='stylesheet' type='text/css' href='/_static/css/banner-styles.css?v=S1zqJCYt' />"
    "<!-- End Wayback Rewrite JS Include -->"
)


def wayback_rewrite(page: str, original: str) -> str:
    """What the Wayback Machine serves for a capture of `page` taken from `original`."""

    def attr(m: re.Match[str]) -> str:
        name, quote, url = m.group(1), m.group(2), m.group(3).replace("&amp;", "&")
        if name == "data-src" or "mmbiz" in url:
            archived = f"https://web.archive.org/web/{TS}im_/{url}"
        else:
            archived = f"/web/{TS}/{url}"  # links are written root-relative
        return f"{name}={quote}{archived.replace('&', '&amp;')}{quote}"

    page = re.sub(r"""\b(href|src|data-src|content)=(['"])(https?://[^'"]+)\2""", attr, page)
    page = page.replace("<head>", "<head>" + PLAYBACK.replace("{ORIGINAL}", original), 1)
    page = re.sub(r"(<body[^>]*>)", r"\1" + TOOLBAR, page, count=1)
    note = f"FILE ARCHIVED ON 03:04:05 Jan 02, 2020 AND RETRIEVED FROM THE AN ARCHIVE ON {TS}."
    return page + f"\n<!--\n     {note}\n-->"


def test_wayback_snapshot_converts_as_the_original_page(tmp_path: Path) -> None:
    """A Wayback capture saved with its images (`_files/`): the post names the WeChat link,
    links and images are the original ones, the toolbar is gone, the image is the saved one."""
    folder = tmp_path / "saved"
    (folder / "snap_files").mkdir(parents=True)
    (folder / "snap_files" / "640.png").write_bytes(fake_png(7))
    body = (
        "<p>正文，见<a href='https://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=22&amp;idx=1&amp;sn=ab&amp;chksm=x"
        "&amp;scene=21#wechat_redirect'>另一篇</a>和<a href='https://example.org/page?utm_source=wx'>外链</a>。</p>"
    )
    page = article_html(5, body=body, images=(image_url(5),), image_src=("./snap_files/640.png",))
    page = page.replace("</head>", f"<meta property='og:url' content='{article_url(5)}'></head>")
    snapshot = folder / "snap.html"
    snapshot.write_text(wayback_rewrite(page, article_url(5)), encoding="utf-8")
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["convert", str(snapshot), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    post_path = next((site / "_posts").glob("*.md"))
    text = post_path.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    assert post["source"] == article_url(5)
    assert "archive.org" not in text and "Wayback" not in text and "captures" not in text
    assert "https://mp.weixin.qq.com/s?__biz=MzA5&mid=22&idx=1&sn=ab" in text
    assert "(https://example.org/page)" in text
    saved = list((site / "postimg").iterdir())
    assert [p.read_bytes() for p in saved] == [fake_png(7)]  # the archived copy, no request


def test_wayback_snapshot_without_its_images_names_the_original_image_urls(tmp_path: Path) -> None:
    page = tmp_path / "snap.html"
    snapshot = wayback_rewrite(article_html(6, images=(image_url(6),)), article_url(6))
    page.write_text(snapshot, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "--stdout"])
    assert result.exit_code == 0, result.stderr
    assert image_url(6).split("?")[0] in result.stdout
    assert "archive.org" not in result.stdout


def test_an_article_citing_the_wayback_machine_keeps_its_links() -> None:
    from wx2post.parse import parse_page
    from wx2post.sources import PageSource
    from wx2post.sources.webarchive import from_web_archive

    cited = f"https://web.archive.org/web/{TS}/https://example.org/gone"
    page = article_html(8, body=f"<p>原文已删，<a href='{cited}'>存档在此</a>。</p>")
    kept = from_web_archive(PageSource(html=page, origin="a.html"))
    assert kept.html == page
    assert cited in parse_page(kept.html).content.xpath("string(.//a/@href)")


@given(
    ts=st.from_regex(r"\A\d{14}\Z"),
    modifier=st.sampled_from(["", "im_", "id_", "js_", "cs_", "if_"]),
    host=st.sampled_from(["https://web.archive.org", "http://web.archive.org", "//web.archive.org", ""]),
    path=st.from_regex(
        r"\A/[A-Za-z0-9_./-]{0,30}(\?[a-z]=[A-Za-z0-9]{1,8}(&[a-z]=[A-Za-z0-9]{1,8}){0,3})?\Z"
    ),
    origin_host=st.sampled_from(["mp.weixin.qq.com", "mmbiz.qpic.cn", "res.wx.qq.com", "example.org"]),
    scheme=st.sampled_from(["https://", "http://"]),
)
def test_every_rewritten_url_comes_back(
    ts: str, modifier: str, host: str, path: str, origin_host: str, scheme: str
) -> None:
    original = f"{scheme}{origin_host}{path}"
    rewritten = f"{host}/web/{ts}{modifier}/{original}"
    assert unrewrite(f"<a href='{rewritten}'>x</a>") == f"<a href='{original}'>x</a>"
    escaped, escaped_original = rewritten.replace("/", "\\/"), original.replace("/", "\\/")
    assert unrewrite(f'var u = "{escaped}";') == f'var u = "{escaped_original}";'
    page = wayback_rewrite(f"<html><head></head><body>{rewritten}</body></html>", original)
    assert "archive.org" not in unarchive(page)


# -- archive.today -------------------------------------------------------------------------------

HASHES = ("3f7a9c0e1b2d4f6a8c0e2b4d6f8a0c1e", "9b8a7c6d5e4f30211203f4e5d6c7b8a9")


def archive_today_folder(root: Path) -> Path:
    """A snapshot download: index.html (flattened, inline styles only) + files named by hash."""
    folder = root / "archive.ph-AbCdE"
    folder.mkdir()
    (folder / f"{HASHES[0]}.jpg").write_bytes(fake_jpeg(1))
    (folder / f"{HASHES[1]}.png").write_bytes(fake_png(2))
    wrapped = "https://archive.ph/o/AbCdE/"
    own = "https://mp.weixin.qq.com/s?__biz=MzIzNDU2Nzg5MA==&mid=2650001234&idx=2&sn=0123456789abcdef"
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>存档里的一篇文章</title>"
        "<link rel='canonical' href='https://archive.ph/AbCdE'></head><body style='margin:0'>"
        "<div style='padding:4px;background:#eee'>archive.today webpage capture | Saved from "
        f"<a href='{own}&amp;chksm=deadbeef&amp;scene=27#wechat_redirect' style='color:blue'>{own[:40]}</a>"
        " | 12 Mar 2021 08:09:10 UTC</div>"
        "<div style='max-width:677px;margin:0 auto'>"
        "<div style='font-size:22px;font-weight:400'>存档里的一篇文章</div>"
        "<div style='color:rgba(0,0,0,0.3)'><span style='color:#576b95'>"
        "<a href='javascript:void(0);' style='color:#576b95'>存档测试号</a></span>"
        "<span style='margin-left:8px'>2021-03-11 20:15</span></div>"
        "<div style='visibility:visible'>"
        "<p style='margin:0 0 8px'>第一段：这篇文章只活在存档里。</p>"
        f"<p style='text-align:center'><img src='https://archive.ph/AbCdE/{HASHES[0]}.jpg'></p>"
        f"<p style='margin:0'>第二段，见<a href='{wrapped}https://mp.weixin.qq.com/s/XyZ123abc_-Q?scene=1'>"
        "前一篇</a>。</p>"
        f"<p><img src='{HASHES[1]}.png' style='width:50%'></p>"
        "<p style='margin:0'>第三段：结尾。</p></div>"
        f"<div style='margin-top:16px'><a href='{wrapped}https://mp.weixin.qq.com/mp/profile'>阅读原文</a></div>"
        "<div><span>喜欢此内容的人还喜欢</span><div>推荐文章一</div></div>"
        "</div></body></html>"
    )
    (folder / "index.html").write_text(page, encoding="utf-8")
    return folder


def test_archive_today_snapshot_converts_by_its_shape(tmp_path: Path) -> None:
    folder = archive_today_folder(tmp_path)
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["convert", str(folder), "-o", str(site)])
    assert result.exit_code == 0, result.stderr
    text = next((site / "_posts").glob("*.md")).read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    assert post["title"] == "存档里的一篇文章"
    assert (
        post["source"]
        == "https://mp.weixin.qq.com/s?__biz=MzIzNDU2Nzg5MA==&mid=2650001234&idx=2&sn=0123456789abcdef"
    )
    assert post["account"] == "存档测试号"
    assert str(post["date"]).startswith("2021-03-11 20:15")
    body = post.content
    for para in (
        "第一段：这篇文章只活在存档里。",
        "第三段：结尾。",
        "[前一篇](https://mp.weixin.qq.com/s/XyZ123abc_-Q)",
    ):
        assert para in body
    assert "archive.ph" not in text and "archive.today" not in text
    for chrome in ("喜欢此内容的人还喜欢", "推荐文章一", "Saved from", "12 Mar 2021"):
        assert chrome not in body
    saved = sorted(p.read_bytes() for p in (site / "postimg").iterdir())
    assert saved == sorted([fake_jpeg(1), fake_png(2)])  # both from the hashed files, offline
    assert body.index("第一段") < body.index("postimg/") < body.index("第三段")


def test_an_export_citing_archive_today_is_no_snapshot() -> None:
    from wx2post.sources import PageSource
    from wx2post.sources.webarchive import from_web_archive

    page = (
        "<html><body><p><a href='https://mp.weixin.qq.com/s/OtherArticle123'>上一篇</a></p>"
        "<h1>标题</h1><div id='js_content'><p>存档见 <a href='https://archive.ph/AbCdE'>archive.ph</a>。</p>"
        "</div></body></html>"
    )
    kept = from_web_archive(PageSource(html=page, origin="x.html"))
    assert kept.html == page and kept.url_hint == ""


def test_unarchiving_a_page_of_unclosed_insertions_is_linear() -> None:
    """Toolbar, playback include and notes were each `opener.*?closer`: a page of 40,000
    unclosed openers took minutes. Unclosed, they are left as they are."""
    for unit in (
        "<!-- BEGIN WAYBACK TOOLBAR INSERT -->",
        "<script src=/_static/js/a.js>",
        "<!-- FILE ARCHIVED ON x",
        "<script ",
    ):
        page = "<html><body>" + unit * 40_000 + "</body></html>"
        with within(30, f"{unit!r} * 40000"):
            assert unarchive(page) == page
