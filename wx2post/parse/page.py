"""A page put together: the tree, the metadata, the body of its kind (pure).

A body that is missing or empty is a failure page (deleted, blocked, verification)
when the page says so, else a page that lost WeChat's template (found by its shape),
else no WeChat page at all.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from ..errors import NotAnArticle
from ..failures import failure_for
from ..kinds import picture_body, picture_dom_body, share_body, text_body
from ..markup import build_tree, cap_values
from ..models import Article
from ..sources import PageSource, PageText
from .dom import Dom
from .metadata import ZERO_WIDTH, dom_text, parse_time, read_metadata
from .scripts import data_blocks, metadata_scripts, without_scripts


def parse_page(html: str, origin: str = "") -> Article:
    """Parse a whole page. Raises FailurePage, NotAnArticle or InputError."""
    return parse_text(PageText(html), origin)


def parse_source(page: PageSource) -> Article:
    """`parse_page(page.html, page.origin)`, without decoding a big UTF-8 page whole.

    A page from sources.read_page is scanned as bytes: only the markup around
    its scripts and the scripts holding metadata are decoded.
    """
    try:
        return parse_text(page.page_text(), page.origin)
    except UnicodeDecodeError:  # a big page declared UTF-8 is not: read it decoded whole
        return parse_text(PageText(page.html), page.origin)


def parse_text(page: PageText, origin: str = "") -> Article:
    """Parse a page given as PageText (a str, or a big UTF-8 page's bytes)."""
    doc, warnings = build_tree(without_scripts(page), origin)
    dom = Dom(doc)
    data = data_blocks(page)
    article = Article(origin=origin, warnings=warnings)
    read_metadata(article, metadata_scripts(page), data, dom)
    body = kind_body(article, page, data, dom, find_body(doc, dom))
    if body is None or is_empty(body):
        failure = failure_for(_visible_text(doc) + _failure_hints(page), source=origin)
        if failure is not None:
            raise failure
        if not looks_like_wechat(page):
            raise NotAnArticle("not a WeChat article page", source=origin)
        body = template_less_body(article, doc, page)
    if not looks_like_wechat(page):
        raise NotAnArticle("not a WeChat article page", source=origin)
    article.content = body
    article.warnings += cap_values(body)
    return article


def kind_body(
    article: Article, page: PageText, data: str, dom: Dom, body: HtmlElement | None
) -> HtmlElement | None:
    """The body of a picture, text or share post (kinds.py), else `body`."""
    holder = dom.by_id("js_image_content")
    if article.kind == "article" and body is None and holder is not None:
        article.kind = "picture"  # its scripts (item_show_type) were stripped
    if article.kind == "picture":
        saved = picture_dom_body(dom.doc, holder, dom.by_id("js_image_desc")) if holder is not None else None
        return picture_body(page, data, saved if saved is not None else body)
    if article.kind == "text":
        return text_body(page, data, body)
    if dom.by_id("js_share_notice") is not None:
        source = dom.by_id("js_share_source")  # 阅读全文, the shared article's link
        card_link = source.get("data-url", "") if source is not None else ""
        title, account = dom_text(dom, ".original_panel_title"), dom_text(dom, "#js_share_author")
        share = share_body(page, data, title, account, card_link, article.url)
        article.shared, article.warnings = share.shared, article.warnings + share.warnings
        return share.body
    return body


def parse_fragment(html: str, origin: str = "", warnings: list[str] | None = None) -> HtmlElement:
    """The body of an article given as HTML alone (a feed item's content): its
    `#js_content` when it holds a whole page, else everything in it. What had to
    be flattened or cut is added to `warnings`."""
    doc, flattened = build_tree(f"<html><body>{html}</body></html>", origin)
    body = find_body(doc)
    if body is None:
        body = doc.find("body")
        if body is not None:
            body.tag = "div"
    if body is None or is_empty(body):
        raise NotAnArticle("the feed item holds no article text", source=origin)
    cut = flattened + cap_values(body)
    if warnings is not None:
        warnings += cut
    return body


def template_less_body(article: Article, doc: HtmlElement, page: PageText) -> HtmlElement:
    """A page that lost WeChat's template (ids, classes, scripts stripped by a saver, an
    exporter or an archive): the body found by the page's shape, with the title, account
    and date read around it, else by a general main-content extractor. Only a page
    where neither finds anything holds no article text."""
    from ..structure import extract_main, find_by_structure  # template-less pages only

    found = find_by_structure(doc, article.title)
    if found is not None:
        # The title heading beats `<title>`, which some savers set to the account's name.
        if found.title and (not article.title or article.title == (doc.findtext(".//title") or "").strip()):
            article.title = found.title
        article.account_name = article.account_name or found.account
        article.published = article.published or parse_time(found.date_text)
        return found.body
    body = extract_main(page.text())
    if body is None or is_empty(body):
        reason = "the page holds no article text (an empty or unsupported page)"
        raise NotAnArticle(reason, source=article.origin)
    return body


def looks_like_wechat(page: PageText) -> bool:
    markers = ("js_content", "rich_media", "mp.weixin.qq.com", "mmbiz.qpic.cn", "msg_title")
    # Markers sit in the first few hundred KB of a real page: look there first.
    return any(page.find(m, 0, 400_000) >= 0 for m in markers) or any(page.find(m) >= 0 for m in markers)


def find_body(doc: HtmlElement, dom: Dom | None = None) -> HtmlElement | None:
    """The article body: `#js_content`, or `.rich_media_content` on old/re-serialised pages."""
    dom = dom or Dom(doc)
    body = dom.by_id("js_content")
    if body is None:
        found = dom.by_class("rich_media_content")
        body = found[0] if found else None
    return body


def is_empty(el: HtmlElement) -> bool:
    if el.find(".//img") is not None or el.find(".//iframe") is not None:
        return False
    if el.find(".//mpvoice") is not None or el.find(".//mpvideo") is not None:
        return False
    return not ZERO_WIDTH.sub("", el.text_content()).strip()


def _visible_text(doc: HtmlElement) -> str:
    parts = []
    for node in doc.iter():
        if node.tag in ("script", "style", etree.Comment):
            continue
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return " ".join(parts)


def _failure_hints(page: PageText) -> str:
    # The verification redirect and account migration show up in script or URLs only.
    return " ".join(h for h in ("wappoc_appmsgcaptcha", "transfer_target_link") if page.find(h) >= 0)
