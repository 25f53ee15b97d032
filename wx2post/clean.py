"""WeChat DOM normalisation: one small function per quirk (pure, in place on lxml).

`clean_body(article)` runs every rule on `article.content` and fills
`article.images`. Each rule names the page structure it exists for; the tests
in tests/test_clean.py show a minimal page of each.
"""

from __future__ import annotations

import functools
import re

from lxml import etree
from lxml.html import HtmlElement  # noqa: E402

from . import urls
from .embeds import embeds_to_links
from .images import decode_data_uri, lazy_stub
from .lazyre import lazy
from .models import Article, ImageRef
from .safety import safe_href
from .spacing import remove_cjk_segment_breaks
from .urls import is_wechat_image, scrub_text

ZERO_WIDTH = lazy("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPECIAL_SPACE = lazy("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0]")  # ZERO_WIDTH or &nbsp;
# No URL and no credential can be spelled without one of these.
_URL_OR_ESCAPE = lazy(r"[/:=%&\\]")
_BG_URL = lazy(r"background(?:-image)?\s*:[^;]*url\(\s*(?:&quot;|['\"])?([^)'\"&]+)", re.I)
# Elements that are never article content.
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "link",
    "meta",
    "button",
    "input",
    "textarea",
    "select",
    "svg",
)
# Page chrome that exporters paste into the body; ids and classes of WeChat's templates.
_CHROME_CLASSES = (
    "profile_container",
    "profile_inner",
    "qr_code_pc",
    "qr_code_pc_outer",
    "rich_media_tool",
    "rich_media_extra",
    "reward_area",
    "like_comment_wrp",
    "js_comment_area",
    "rich_media_area_extra",
    "wx_profile_card",
    "original_primary_card",
    "weui-dialog",
    "weui-mask",
    "js_pc_qr_code",
    "appmsg_card_context",
    "wx_follow_context",
    "js_tags_preview_toast",
    "article-tag__error-tips",
    "rich_media_meta_list",
    "share_notice_wrap",
)
_CHROME_CLASS_SET = frozenset(_CHROME_CLASSES)
_CHROME_IDS = (
    "js_pc_qr_code",
    "js_profile_qrcode",
    "js_tags_preview_toast",
    "js_toobar3",
    "js_bottom_ad_area",
    "js_like_area",
    "js_read_area3",
    "content_bottom_area",
    "js_sponsor_ad_area",
    "js_ip_wording_wrp",
    "page-content-bottom",
)
_CHROME_TEXT = (
    "微信扫一扫",
    "关注该公众号",
    "预览时标签不可点",
    "喜欢此内容的人还喜欢",
    "继续滑动看下一个",
    "轻触阅读原文",
    "向上滑动看下一个",
)
# Elements with a class or an id, picked in C: most of a body has neither.
_WITH_CLASS_OR_ID = etree.XPath("descendant-or-self::*[@class or @id]")
_CODE_LANG = lazy(r"code-snippet__(?!js\b|fix\b|line-index\b)([a-z0-9+#-]+)")


@functools.lru_cache(maxsize=4096)
def clean_image_url(url: str) -> str:
    """`urls.clean_image_url`, once per URL in a run: an account's decorations (dividers,
    banners, its QR code) come back in every article of a batch."""
    return urls.clean_image_url(url)


def clean_body(article: Article) -> Article:
    """Run every rule on the article body, in an order where each can rely on the last."""
    body = article.content
    unhide_body(body)
    drop_non_content(body)
    drop_chrome(body)
    strip_code_line_numbers(body)
    mark_code_languages(body)
    formulas_to_text(body)
    embeds_to_links(body, article.url)
    background_images_to_img(body)
    article.images = collect_images(body, article.warnings)
    clean_links(body)
    remove_cjk_segment_breaks(body)
    normalise_text(body)
    return article


def unhide_body(body: HtmlElement) -> None:
    """`#js_content` is served with `visibility: hidden; opacity: 0` until page JS runs."""
    style = body.get("style", "")
    style = re.sub(r"(?i)(visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?)\s*;?", "", style)
    body.set("style", style.strip())


def drop_non_content(body: HtmlElement) -> None:
    """Scripts, styles, forms and inline SVG decorations carry no article text."""
    for el in list(body.iter(*_DROP_TAGS)):
        _remove_keep_tail(el)
    for el in list(body.iter(etree.Comment)):
        _remove_keep_tail(el)


def drop_chrome(body: HtmlElement) -> None:
    """Profile cards, QR codes, like bars that exporters paste into the body."""
    doomed = []
    text = body.text_content()
    has_phrase = any(p in text for p in _CHROME_TEXT) or ("微信号" in text and "功能介绍" in text)
    # Without a chrome phrase in the text only classes and ids can mark chrome:
    # the elements that have neither (most of a body) are skipped in C.
    candidates = body.iter() if has_phrase else _WITH_CLASS_OR_ID(body)
    for el in candidates:
        if not isinstance(el.tag, str):
            continue
        cls = el.get("class")
        if (
            (cls and not _CHROME_CLASS_SET.isdisjoint(cls.split()))
            or el.get("id") in _CHROME_IDS
            or (has_phrase and _is_chrome_text_block(el))
        ):
            doomed.append(el)
    for el in doomed:
        if el is not body and el.getparent() is not None:
            _remove_keep_tail(el)


def _is_chrome_text_block(el: HtmlElement) -> bool:
    # A short element holding nothing but one of the page chrome phrases, or a
    # profile card pasted without its classes (name, 微信号 ..., 功能介绍 ...).
    if not isinstance(el.tag, str) or el.tag in ("body", "html"):
        return False
    text = el.text_content().strip()
    if len(text) <= 30 and any(text.startswith(p) for p in _CHROME_TEXT):
        return True
    return len(text) <= 200 and "微信号" in text and "功能介绍" in text


def strip_code_line_numbers(body: HtmlElement) -> None:
    """Code snippets ship line numbers as a separate `ul.code-snippet__line-index`."""
    for el in body.find_class("code-snippet__line-index"):
        _remove_keep_tail(el)


def mark_code_languages(body: HtmlElement) -> None:
    """Record a code block's language (`data-lang`, or a `code-snippet__python` class)."""
    for pre in body.iter("pre"):
        lang = pre.get("data-lang", "")
        if not lang:
            m = _CODE_LANG.search(pre.get("class", "") + " " + _parent_class(pre))
            lang = m.group(1) if m else ""
        if lang and lang not in ("plaintext", "nohighlight", "text"):
            pre.set("data-wx2post-lang", lang.lower())


def _parent_class(el: HtmlElement) -> str:
    parent = el.getparent()
    return parent.get("class", "") if parent is not None else ""


def formulas_to_text(body: HtmlElement) -> None:
    """Formulas are SVG images with the LaTeX in `data-formula`: keep the LaTeX."""
    for el in list(body.xpath(".//*[@data-formula]")):
        latex = (el.get("data-formula") or "").strip()
        # mdnice and similar editors: `<section data-formula>` (class block-equation) is a
        # display formula, `<span data-formula>` holding an SVG embed an inline one.
        display = (
            el.get("data-formula-type", "") == "block-equation"
            or el.tag in ("section", "div", "p")
            or "block-equation" in el.get("class", "")
            or _is_alone(el)
        )
        span = etree.Element("span", {"data-wx2post-formula": "block" if display else "inline"})
        span.text = latex
        _replace(el, span)


def _is_alone(el: HtmlElement) -> bool:
    parent = el.getparent()
    if parent is None:
        return False
    return (parent.text_content().strip() == "") and len(parent) == 1


def _oneline(text: str) -> str:
    return re.sub(r"\s+", " ", ZERO_WIDTH.sub("", text)).strip()


def background_images_to_img(body: HtmlElement) -> None:
    """A picture box drawn with a CSS background (`data-lazy-bgimg`, inline style).

    Only boxes holding no text are pictures; backgrounds behind text are decoration.
    """
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el.tag == "img":
            continue
        url = el.get("data-lazy-bgimg") or ""
        if not url:
            style = el.get("style", "")
            # The case-blind regex tries every position of a 400-character style:
            # only the few styles with a `url(` are searched.
            m = _BG_URL.search(style) if "url(" in style.lower() else None
            url = m.group(1) if m else ""
        if not url or not is_wechat_image(clean_image_url(url)):
            continue
        if el.text_content().strip() or el.find(".//img") is not None:
            continue
        etree.SubElement(el, "img", {"data-src": url})


def collect_images(body: HtmlElement, warnings: list[str] | None = None) -> list[ImageRef]:
    """Resolve lazy images to their real URL and list them in order.

    `data-src` holds the real URL; `src` is absent, a placeholder, a `data:` URI
    (SingleFile keeps the real bytes there), or a local `_files/` path in
    browser-saved pages. A `data:` URI that is a lazy-load stub is never the saved
    copy (a warning says the real image is fetched instead).
    """
    images: list[ImageRef] = []
    stubs: list[tuple[int, str]] = []  # (image number, what the placeholder is)
    for img in list(body.iter("img")):
        data_src = (img.get("data-src") or img.get("data-original") or "").strip()
        src = (img.get("src") or "").strip()
        url, local, stub = _image_source(data_src, src)
        if not url and not local:
            _remove_keep_tail(img)
            continue
        if stub and url:
            stubs.append((len(images) + 1, stub))
        ref = ImageRef(url=url or local, local=local, alt=_oneline(img.get("alt") or ""))
        img.attrib.clear()
        img.set("data-wx2post-image", str(len(images)))
        images.append(ref)
    if stubs and warnings is not None:
        warnings.append(placeholder_note(stubs))
    return images


def placeholder_note(stubs: list[tuple[int, str]]) -> str:
    """One line for an article, however many of its saved copies are lazy-load stubs
    (a browser save made before the pictures loaded has dozens)."""
    numbers = ", ".join(str(n) for n, _ in stubs[:8]) + (", …" if len(stubs) > 8 else "")
    kinds = ", ".join(dict.fromkeys(kind for _, kind in stubs))
    if len(stubs) == 1:
        return f"image {numbers}: the saved copy is a placeholder ({kinds}): the real image is fetched"
    return f"images {numbers}: the saved copies are placeholders ({kinds}): the real images are fetched"


def _image_source(data_src: str, src: str) -> tuple[str, str, str]:
    """(clean remote URL, saved copy, what a `data:` copy that is no picture was)."""
    remote = ""
    local = ""
    stub = ""
    for candidate in (data_src, src):
        if not candidate:
            continue
        if candidate.startswith(("http://", "https://", "//")):
            remote = remote or clean_image_url(candidate)
        elif candidate.startswith("data:"):
            # A lazy loader's 1x1 GIF or empty SVG is not the picture; a SingleFile image is.
            stub = stub or lazy_stub(decode_data_uri(candidate))
            if not stub:
                local = local or candidate
        elif not candidate.startswith(("javascript:", "#")):
            local = local or candidate
    return remote, local, stub


def clean_links(body: HtmlElement) -> None:
    """Every link written is clean (article identity only, no tracking or credentials) and
    safe (http, https, mailto or relative: safety.safe_href); any other loses its href and
    keeps its text."""
    for a in body.iter("a"):
        href = safe_href(a.get("href") or "")
        if href is None:
            a.attrib.pop("href", None)
        else:
            a.set("href", href)


def normalise_text(body: HtmlElement) -> None:
    """Zero-width characters out, `&nbsp;` to a plain space, URLs written as text cleaned."""
    for el in body.iter():
        text = el.text
        if text:
            new = _normalised(text)
            if new != text:  # most text is unchanged: no write
                el.text = new
        tail = el.tail
        if tail:
            new = _normalised(tail)
            if new != tail:
                el.tail = new


def _normalised(text: str) -> str:
    if not _URL_OR_ESCAPE.search(text) and not _SPECIAL_SPACE.search(text):
        return text  # the common case, found with one search instead of three passes
    return scrub_text(ZERO_WIDTH.sub("", text).replace("\u00a0", " "))


def _remove_keep_tail(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _replace(old: HtmlElement, new: HtmlElement) -> None:
    new.tail = old.tail
    parent = old.getparent()
    if parent is not None:
        parent.replace(old, new)
