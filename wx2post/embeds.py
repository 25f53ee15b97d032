"""Cards in an article body become one readable line each (pure, in place on lxml).

Audio (mpvoice), music, video, mini-programs, account cards, votes and places are
custom elements or script-filled boxes; what they show comes from their attributes.
Two things go wrong with them on real pages, and are prevented here:

- Their names are HTML-escaped twice by WeChat's template (`【Day&amp;nbsp;15】`
  after the parser's own decoding): they are decoded once more, so each text is
  decoded exactly once from what the reader saw.
- A custom element left open (`<mp-common-miniprogram ...>` with no end tag, or a
  `/>` the HTML parser ignores) swallows the rest of the article as its children:
  replacing the card with its line must keep them, after the line.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from lxml import etree
from lxml.html import HtmlElement

from .lazyre import lazy
from .urls import clean_url, unescape_entities

ZERO_WIDTH = lazy("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_AUDIO_TAGS = ("mpvoice", "mp-common-mpaudio")
_VIDEO_TAGS = ("mpvideo", "mp-common-videosnap")
_MINIPROGRAM_TAGS = ("mp-miniprogram", "mp-common-miniprogram", "mp-weapp")
_PROFILE_TAGS = ("mp-common-profile", "mpprofile")
_VOTE_TAGS = ("mpvote", "mp-vote", "mp-common-vote")
_PLACE_TAGS = ("mppoi", "mp-poi", "mp-common-poi", "mp-common-location")
_EMBED_TAGS = frozenset(
    _AUDIO_TAGS
    + _VIDEO_TAGS
    + _MINIPROGRAM_TAGS
    + _PROFILE_TAGS
    + _VOTE_TAGS
    + _PLACE_TAGS
    + ("qqmusic", "iframe")
)
_EMBED_CLASS_HINT = lazy(
    "js_editor_audio|qqmusic_area|video_iframe|weapp_|mp_profile_iframe|vote_iframe|js_editor_vote|poi"
)
_VOTE_CLASSES = frozenset(("vote_iframe", "js_editor_vote_card", "vote_area"))
_PLACE_CLASSES = frozenset(("js_poi_entry", "js_editor_poi", "poi_card", "mp_poi"))


def embeds_to_links(body: HtmlElement, article_url: str) -> None:
    """Each card becomes one `<p>` line (a link where there is somewhere to go)."""
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or not _may_be_embed(el):
            continue
        line = embed_line(el, article_url)
        if line is None:
            continue
        label, href = line
        if "weapp_text_link" in el.get("class", "").split():  # inside a sentence: stays inline
            link = etree.Element("a", {"href": href} if href else {})
            link.text = label
            _replace_keeping_content(el, link)
            continue
        p = etree.Element("p", {"data-wx2post-embed": "1"})
        if href:
            a = etree.SubElement(p, "a", {"href": href})
            a.text = label
        else:
            p.text = label
        _replace_keeping_content(el, p)


def _may_be_embed(el: HtmlElement) -> bool:
    # A cheap test that every element embed_line would take passes: its tag or
    # a substring of its class. Most of a body is plain <p>, <section>, <span>.
    return el.tag.lower() in _EMBED_TAGS or bool(_EMBED_CLASS_HINT.search(el.get("class", "")))


def embed_line(el: HtmlElement, article_url: str) -> tuple[str, str] | None:
    """(label, link) for a card element; None if `el` is no card."""
    tag = el.tag.lower()
    cls = el.get("class", "").split()  # tokens: `mp_profile_iframe_wrp` is not the card
    if tag in _AUDIO_TAGS or "js_editor_audio" in cls:
        name = el.get("name") or el.get("data-title") or el.get("title") or "音频"
        fileid = el.get("voice_encode_fileid") or el.get("data-voice-id") or ""
        href = f"https://res.wx.qq.com/voice/getvoice?mediaid={quote(fileid)}" if fileid else article_url
        return f"🎧 音频：{card_text(name)}", href
    if tag == "qqmusic" or "qqmusic_area" in cls:
        name = el.get("musicname") or el.get("music_name") or "音乐"
        singer = el.get("singer") or ""
        mid = el.get("mid") or el.get("musicid") or ""
        href = f"https://y.qq.com/n/ryqq/songDetail/{quote(mid)}" if el.get("mid") else article_url
        return f"🎵 音乐：{card_text(f'{name} - {singer}' if singer else name)}", href
    if tag in _VOTE_TAGS or not _VOTE_CLASSES.isdisjoint(cls):
        name = el.get("data-title") or el.get("data-vote-title") or el.get("title") or el.get("name") or ""
        return (f"🗳 投票：{card_text(name)}" if name.strip() else "🗳 投票（请在微信中参与）"), article_url
    if tag in _PLACE_TAGS or not _PLACE_CLASSES.isdisjoint(cls):
        name = el.get("data-name") or el.get("data-poi-name") or el.get("name") or ""
        address = el.get("data-address") or el.get("data-poi-address") or ""
        where = "，".join(card_text(x) for x in (name, address) if x.strip() and card_text(x))
        return f"📍 位置：{where or '（请在微信中查看）'}", ""
    if tag == "iframe" or tag in _VIDEO_TAGS or "video_iframe" in cls:
        src = el.get("data-src") or el.get("src") or ""
        vid = re.search(r"[?&]vid=([A-Za-z0-9]+)", src)
        if vid:
            return "▶ 视频", f"https://v.qq.com/x/page/{vid.group(1)}.html"
        if tag == "iframe" and src.startswith("http") and "mp.weixin.qq.com" not in src:
            return "▶ 嵌入内容", clean_url(src)
        name = el.get("data-desc") or el.get("data-nickname") or ""
        return (f"▶ 视频：{card_text(name)}" if name else "▶ 视频（请在微信中观看）"), article_url
    if tag in _MINIPROGRAM_TAGS or any(c.startswith("weapp_") for c in cls):
        name = el.get("data-miniprogram-title") or el.get("data-miniprogram-nickname") or ""
        if not name and "weapp_text_link" in cls:
            name = el.text_content()  # a text link: its text is what the reader saw
        return f"🔗 小程序：{card_text(name) or '小程序'}", article_url
    if tag in _PROFILE_TAGS or "mp_profile_iframe" in cls:
        name = el.get("data-nickname") or "公众号"
        biz = el.get("data-id") or ""
        home = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz="
        href = home + quote(biz, safe="=") if biz else ""
        return f"公众号：{card_text(name)}", href
    return None


def card_text(text: str) -> str:
    """A card's name as the reader saw it: decoded once more (the template escaped
    it twice), zero-width characters out, white space (`&nbsp;` too) one space."""
    text = unescape_entities(text, rounds=1)
    return re.sub(r"\s+", " ", ZERO_WIDTH.sub("", text)).strip()


def _replace_keeping_content(card: HtmlElement, line: HtmlElement) -> None:
    """`card` -> `line`. A custom element's children are not the card's face (its
    face is its attributes) but what it swallowed when left open: they stay, after
    the line. An iframe's content is fallback text for old browsers and goes."""
    parent = card.getparent()
    if parent is None:
        return
    line.tail = None
    index = parent.index(card)
    parent.insert(index, line)
    kept: list[HtmlElement] = []
    if "-" in card.tag or card.tag.lower() in _EMBED_TAGS - {"iframe"}:
        if card.text and card.text.strip():
            line.tail = card.text
        kept = list(card)
    for offset, child in enumerate(kept, 1):
        parent.insert(index + offset, child)
    last = kept[-1] if kept else line
    last.tail = (last.tail or "") + (card.tail or "") if (last.tail or card.tail) else None
    parent.remove(card)
