"""Bodies of the page kinds that have no article body element: picture, text and share posts (pure).

- Picture posts (图片消息, item_show_type 8): the pictures are in
  `picture_page_info_list[].cdn_url` and the text in the post's data; an export
  that stripped the scripts keeps the text in `#js_image_content` (`#js_image_desc`)
  and the pictures as plain `<img>` elements, in the swiper or anywhere on the page.
- Text posts (文字消息, 10): the text is in `content_noencode`.
- Share posts: the sharer's comment (set by script) and the shared article, whose
  whole body the page may embed in `content_noencode`; else a card linking to it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from .chars import one_line, xml_safe
from .jsvars import _STR as _JS_STR
from .jsvars import (
    decode_value,
    js_block,
    js_key,
    js_string,
    js_strings,
    js_unescape,
    shallow_string,
    top_level_items,
)
from .lazyre import lazy
from .markup import build_tree
from .models import SharedArticle
from .sources import PageText
from .urls import clean_image_url, clean_url, is_wechat_image

PICTURE_LIST = lazy(r"picture_page_info_list\s*[:=]\s*(?=\[)")
_SHARE_NOTICE = lazy(r"getElementById\(\s*['\"]js_share_notice['\"]\s*\)\.innerHTML\s*=\s*" + _JS_STR)
# Pictures of the page around a post, never the post's own: avatars, QR codes, icons.
_NOT_A_PICTURE = lazy(r"avatar|qr_?code|profile|wx_follow|icon|logo|emoji", re.I)
_PICTURE_FOLDER = lazy(r"/(?:sz_)?mmbiz(?:_[a-z]+)?/")


def empty_body() -> HtmlElement:
    body: HtmlElement = lxml.html.fromstring("<div id='js_content'></div>")
    return body


def text_to_body(text: str) -> HtmlElement:
    """Plain text (blank line = paragraph, newline = line break) as a body element."""
    body = empty_body()
    for para in re.split(r"\n\s*\n", xml_safe(text).strip()):
        if not para.strip():
            continue
        p = etree.SubElement(body, "p")
        lines = para.strip().split("\n")
        p.text = lines[0]
        for line in lines[1:]:
            br = etree.SubElement(p, "br")
            br.tail = line
    return body


def add_pictures(body: HtmlElement, urls: list[str]) -> HtmlElement:
    for url in urls:
        p = etree.SubElement(body, "p")
        etree.SubElement(p, "img", {"data-src": xml_safe(url)})
    return body


def picture_body(page: PageText, data: str, fallback: HtmlElement | None) -> HtmlElement | None:
    """A picture post from its data: `picture_page_info_list[].cdn_url` (not the
    nested watermark's) and the post's text; `fallback` when the data has neither."""
    block = js_block(data, PICTURE_LIST) or js_block(page.text(), PICTURE_LIST)
    urls: list[str] = []
    for item in top_level_items(block):
        url = shallow_string(item, "cdn_url")
        if url and url not in urls:
            urls.append(url)
    text = js_key(data, "content_noencode") or js_key(data, "desc") or js_string(page.text(), "msg_desc")
    if not urls and not text:
        return fallback
    return add_pictures(text_to_body(text), urls)


def picture_dom_body(doc: HtmlElement, holder: HtmlElement, desc: HtmlElement | None) -> HtmlElement | None:
    """A picture post saved without its scripts: the text of `#js_image_desc`, then
    the pictures in `#js_image_content`, else every post picture on the page
    (exporters leave them as plain `<img>` outside any content element)."""
    body = empty_body()
    if desc is not None:
        text = copy.deepcopy(desc)
        text.tag, text.tail = "div", None
        text.attrib.clear()
        body.append(text)
    urls = _pictures(holder) or _pictures(doc)
    add_pictures(body, urls)
    return body if urls or (desc is not None and desc.text_content().strip()) else None


def _pictures(root: HtmlElement) -> list[str]:
    urls: list[str] = []
    for img in root.iter("img"):
        url = clean_image_url((img.get("data-src") or img.get("src") or "").strip())
        if not (is_wechat_image(url) and _PICTURE_FOLDER.search(url)) or url in urls:
            continue
        marks = (f"{el.get('class', '')} {el.get('id', '')}" for el in _self_and_up(img))
        if any(_NOT_A_PICTURE.search(mark) for mark in marks):
            continue
        urls.append(url)
    return urls


def _self_and_up(el: HtmlElement) -> list[HtmlElement]:
    return [el, *el.iterancestors()]


def text_body(page: PageText, data: str, fallback: HtmlElement | None) -> HtmlElement | None:
    """A text post: `#js_content` is a template shell; the text is in
    `content_noencode` (or `TextContentNoEncode`)."""
    names = ("TextContentNoEncode", "ContentNoEncode")
    text = js_key(data, "content_noencode") or js_strings(page.text(), names)
    return text_to_body(text) if text.strip() else fallback


@dataclass
class Share:
    """What a share post holds: its body and the article it shares."""

    body: HtmlElement
    shared: SharedArticle | None
    warnings: list[str]


def share_body(
    page: PageText, data: str, card_title: str, card_account: str, card_link: str, own_url: str = ""
) -> Share:
    """A share post: the sharer's comment, then the shared article in full when the
    page embeds it (`content_noencode`), else a card linking to it.

    `card_*` are what the page's share card shows (title, account, `阅读全文` link);
    the data's `copyright_info` names the shared article when the card does not;
    a card with no link of its own links to the share post (`own_url`).
    """
    m = _SHARE_NOTICE.search(page.text())
    comment = decode_value(m.group("v")) if m else js_key(data, "guide_words")
    body = text_to_body(comment) if comment else empty_body()
    title = one_line(card_title.removesuffix("原创")) or one_line(js_key(data, "title"))
    account = one_line(card_account) or one_line(js_key(data, "platform"))
    link = clean_url(card_link or js_key(data, "reprint_url") or _source_link(data))
    shared = SharedArticle(title=title, account=account, url=link) if title or link else None
    # The data object's own key (js_key skips `reprint_recommend_content_noencode`);
    # its value is HTML: JS escapes undone, entities left for the parser.
    embedded = js_key(data, "content_noencode", decode=js_unescape)
    warnings: list[str] = []
    if embedded.strip():
        doc, warnings = build_tree(f"<html><body>{embedded}</body></html>")
        held = doc.find("body")
        if held is not None:
            etree.SubElement(body, "hr")
            section = etree.SubElement(body, "div", {"data-wx2post-shared": "1"})
            section.text = held.text
            section.extend(list(held))
            return Share(body, shared, warnings)
    if title:
        card = etree.SubElement(body, "blockquote")
        p = etree.SubElement(card, "p")
        p.text = "分享："
        a = etree.SubElement(p, "a", {"href": link or own_url} if link or own_url else {})
        a.text = title
        if account:
            a.tail = f"（{account}）"
    return Share(body, shared, warnings)


def _source_link(data: str) -> str:
    biz, mid, idx = (js_key(data, k) for k in ("source_encode_biz", "source_mid", "source_idx"))
    if biz and mid:
        return f"https://mp.weixin.qq.com/s?__biz={biz}&mid={mid}&idx={idx or '1'}"
    return ""
