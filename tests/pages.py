"""Small saved WeChat pages written for the tests, in each form wx2post accepts."""

from __future__ import annotations

import html
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

from .loopback import fake_png

CT = 1651543920  # 2022-05-03 10:12 Beijing time


def article_html(
    n: int,
    *,
    title: str | None = None,
    body: str = "",
    images: tuple[str, ...] = (),
    image_src: tuple[str, ...] = (),
    ct: int = CT,
    scripts: bool = True,
) -> str:
    """Article number `n` of a made-up account; `images` are data-src URLs, `image_src`
    the matching local `src` (a saved copy), if any."""
    title = title if title is not None else f"第{n}篇文章"
    link = article_url(n).replace("&", "&amp;")
    imgs = "".join(
        f"<p><img data-src='{url}'{f' src={chr(39)}{src}{chr(39)}' if src else ''}></p>"
        for url, src in zip(images, image_src or ("",) * len(images), strict=True)
    )
    text = body or f"<p>第{n}篇的正文，<strong>加粗</strong>的字。</p>"
    meta = (
        "<script>"
        f"var msg_title = '{html.escape(title)}'.html(false);"
        f'var ct = "{ct}"; var nickname = htmlDecode("测试号"); var msg_link = "{link}";'
        "</script>"
        if scripts
        else f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="og:url" content="{link}">'
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{meta}</head><body>"
        f"<h1 id='activity-name'>{html.escape(title)}</h1>"
        f"<em id='publish_time'>2022-05-03 10:12</em>"
        f"<div id='js_content' class='rich_media_content' style='visibility: hidden;'>{text}{imgs}</div>"
        "</body></html>"
    )


def article_url(n: int) -> str:
    return f"https://mp.weixin.qq.com/s?__biz=MzI0NTU2Nzg5MA==&mid={2247480000 + n}&idx=1&sn=5e{n:030d}"


def image_url(n: int) -> str:
    return f"https://mmbiz.qpic.cn/mmbiz_png/AcctId/Img{n:04d}abcdefghijkl/640?wx_fmt=png"


def raw_page(folder: Path, n: int, **kw: object) -> Path:
    path = folder / f"raw-{n}.html"
    path.write_text(article_html(n, **kw), encoding="utf-8")  # type: ignore[arg-type]
    return path


def save_complete(folder: Path, n: int) -> Path:
    """`Title.html` + `Title_files/640` as a browser saves it."""
    name = f"第{n}篇文章"
    files = folder / f"{name}_files"
    files.mkdir(parents=True)
    (files / "640").write_bytes(fake_png(n))
    path = folder / f"{name}.html"
    path.write_text(
        article_html(n, images=(image_url(n),), image_src=(f"./{name}_files/640",)), encoding="utf-8"
    )
    return path


def exporter_folder(folder: Path, n: int) -> Path:
    """wechat-article-exporter: `<name>/index.html` + `<name>/assets/<random>.png`, no scripts."""
    root = folder / f"export-{n}"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "a1b2c3.png").write_bytes(fake_png(100 + n))
    (root / "index.html").write_text(
        article_html(n, images=(image_url(100 + n),), image_src=("assets/a1b2c3.png",), scripts=False),
        encoding="utf-8",
    )
    return root


def mhtml(folder: Path, n: int) -> Path:
    """An MHTML archive: the page and its image as MIME parts."""
    msg = MIMEMultipart("related")
    url = image_url(200 + n)
    page = MIMEText(article_html(n, images=(url,)), "html", "utf-8")
    msg.attach(page)
    image = MIMEImage(fake_png(200 + n), "png")
    image["Content-Location"] = url
    msg.attach(image)
    path = folder / f"page-{n}.mhtml"
    path.write_bytes(msg.as_bytes())
    return path
