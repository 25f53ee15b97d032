"""Recognise the pages WeChat serves instead of an article (pure).

All of them come with HTTP 200, so the page text is the only signal. A page is
only judged a failure page when it has no article body: an article may well
quote these phrases. The parser asks `failure_for` once it found no body; the
fetcher asks `page_failure` of a whole fetched page without parsing it (WeChat's
failure pages are small `weui-msg` pages that carry none of an article's markers).
"""

from __future__ import annotations

from .errors import FailurePage, TransientFailure, VerificationRequired

# (phrase, kind, message, transient); checked in order.
FAILURE_PHRASES: tuple[tuple[str, str, str, bool], ...] = (
    ("wappoc_appmsgcaptcha", "verification", "WeChat asks for a verification (环境异常)", True),
    ("环境异常", "verification", "WeChat asks for a verification (环境异常)", True),
    ("完成验证后即可继续访问", "verification", "WeChat asks for a verification (环境异常)", True),
    ("访问过于频繁", "rate-limited", "WeChat says there were too many requests (访问过于频繁)", True),
    ("该内容已被发布者删除", "deleted", "the article was deleted by its publisher", False),
    ("has been deleted by the author", "deleted", "the article was deleted by its publisher", False),
    ("此内容因违规无法查看", "violation", "the article was removed for a violation", False),
    ("此内容被多人投诉", "violation", "the article was removed after complaints", False),
    ("涉嫌侵权", "infringement", "the article was removed for infringement", False),
    ("此内容发送失败无法查看", "send-failed", "the article failed to publish", False),
    ("该内容暂时无法查看", "unavailable", "the article is temporarily unavailable", True),
    ("链接已过期", "expired", "the link has expired", False),
    ("此帐号已被屏蔽", "account-gone", "the account was blocked", False),
    ("此帐号已自主注销", "account-gone", "the account was closed by its owner", False),
    ("此帐号已被封禁", "account-gone", "the account was banned", False),
    ("transfer_target_link", "account-migrated", "the account moved; the article is elsewhere", False),
    ("参数错误", "bad-link", "WeChat rejected the link (参数错误)", False),
    ("系统出错", "system-error", "WeChat reported a system error (系统出错)", True),
)


def failure_for(text: str, source: str = "") -> FailurePage | None:
    """The failure a page's text announces, or None.

    `text` should be the page's visible text plus its script-free markup hints;
    the caller only asks when the page has no article body.
    """
    for phrase, kind, message, transient in FAILURE_PHRASES:
        if phrase in text:
            if kind in ("verification", "rate-limited"):
                return VerificationRequired(
                    kind,
                    message + "; wait, slow down with --delay, "
                    "or save the page from a browser and convert the file",
                    source=source,
                )
            cls = TransientFailure if transient else FailurePage
            return cls(kind, message, source=source)
    return None


# What every article template carries (classic, 2023+, picture and text posts) and no failure page does.
ARTICLE_MARKERS = ("js_content", "rich_media_content", "msg_title", "js_article")


def looks_like_article(html: str) -> bool:
    """Whether a page carries an article template's markers (its content is the parser's business)."""
    return any(html.find(marker) >= 0 for marker in ARTICLE_MARKERS)


def page_failure(html: str, source: str = "") -> FailurePage | None:
    """The failure a whole page announces, judged from its text alone; None for an article page."""
    if looks_like_article(html):
        return None  # a body may quote a failure phrase: only the parser can tell
    return failure_for(html, source=source)
