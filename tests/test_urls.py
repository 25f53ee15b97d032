"""URL rules: article identity by allow-list, image decorations, credentials (wx2post.urls)."""

from __future__ import annotations

import pytest

from wx2post.urls import (
    CREDENTIAL_PARAMS,
    album_url,
    article_id,
    clean_article_url,
    clean_image_url,
    clean_url,
    clean_urls_in_text,
    redact,
    unescape_entities,
    unescape_link,
)

BIZ = "MzA5NDc4MzIwOA=="
CANONICAL = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2247489842&idx=1&sn=0a6db5c136cb6b90"
SHARED = (
    f"http://mp.weixin.qq.com/s?__biz={BIZ}&mid=2247489842&idx=1&sn=0a6db5c136cb6b90"
    "&chksm=c050ce6ef727&scene=21&key=K3Y&uin=MTIzNDU2&pass_ticket=PT%2Bx&sharer_shareid=abc"
    "&sharer_shareinfo=def&sharer_shareinfo_first=ghi&exportkey=EK&devicetype=iOS&version=1"
    "&lang=zh_CN&nettype=WIFI&ascene=1&abtest_cookie=AAA&wx_header=1&fasttmpl_type=0#wechat_redirect"
)


# --- article links -------------------------------------------------------------


def test_article_link_is_reduced_to_identity() -> None:
    assert clean_article_url(SHARED) == CANONICAL


def test_article_link_keeps_identity_order_whatever_the_input_order() -> None:
    url = f"https://mp.weixin.qq.com/s?sn=0a6db5c136cb6b90&idx=1&mid=2247489842&__biz={BIZ}"
    assert clean_article_url(url) == CANONICAL


def test_unknown_parameter_of_next_year_is_dropped_too() -> None:
    assert clean_article_url(CANONICAL + "&brand_new_tracker_2027=1") == CANONICAL


def test_article_link_fragment_dropped() -> None:
    assert clean_article_url(CANONICAL + "#rd") == CANONICAL


def test_http_becomes_https() -> None:
    assert clean_article_url(CANONICAL.replace("https:", "http:")).startswith("https://")


def test_scheme_relative_article_link() -> None:
    assert clean_url(CANONICAL.removeprefix("https:")) == CANONICAL


def test_amp_escaped_link_from_page_source() -> None:
    assert clean_article_url(CANONICAL.replace("&", "&amp;")) == CANONICAL


def test_js_escaped_link() -> None:
    assert clean_article_url(CANONICAL.replace("&", "\\x26amp;")) == CANONICAL


def test_double_escaped_link() -> None:
    assert clean_article_url(CANONICAL.replace("&", "&amp;amp;")) == CANONICAL


def test_short_link_identity() -> None:
    url = "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?scene=1&key=abc#rd"
    assert clean_url(url) == "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw"
    assert article_id(url).short == "KDWh_qGpFN5Vu1TR9t30Mw"  # type: ignore[union-attr]


def test_legacy_parameter_names() -> None:
    url = f"http://mp.weixin.qq.com/mp/appmsg/show?__biz={BIZ}&appmsgid=10000001&itemidx=2&sign=abc#wechat_redirect"
    assert clean_url(url) == f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=10000001&idx=2&sn=abc"


def test_missing_idx_defaults_to_first_article() -> None:
    assert clean_url(f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=1") == (
        f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=1&idx=1"
    )


def test_article_id_key_is_stable_across_link_forms() -> None:
    a = article_id(SHARED)
    b = article_id(CANONICAL + "#rd")
    assert a is not None and b is not None and a.key == b.key


def test_not_an_article() -> None:
    assert article_id("https://example.com/s?__biz=x&mid=1") is None
    assert article_id("https://mp.weixin.qq.com/s?__biz=x") is None  # no mid
    assert clean_article_url("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=x") is None


def test_lookalike_host_is_not_wechat() -> None:
    assert article_id(f"https://mp.weixin.qq.com.evil.example/s?__biz={BIZ}&mid=1") is None


def test_album_link() -> None:
    url = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&action=getalbum&album_id=123&scene=173&uin=x#wechat_redirect"
    assert album_url(url) == f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&album_id=123"
    assert clean_url(url) == album_url(url)


def test_other_wechat_page_loses_session_and_fragment() -> None:
    url = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=x&scene=124&uin=u&key=k#wechat_redirect"
    assert clean_url(url) == "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=x"


def test_temporary_link_with_bare_ampersand_names_is_not_mangled() -> None:
    # `&timestamp` must not be read as the entity `&times` (×).
    url = "https://mp.weixin.qq.com/s?src=11\\x26amp;timestamp=1505428192\\x26amp;ver=393#rd"
    assert clean_url(url) == "https://mp.weixin.qq.com/s?src=11&timestamp=1505428192&ver=393"


# --- other links -----------------------------------------------------------------


def test_utm_parameters_removed_from_any_link() -> None:
    url = "https://example.com/post?id=7&utm_source=wechat&utm_medium=social&UTM_Campaign=x"
    assert clean_url(url) == "https://example.com/post?id=7"


def test_foreign_link_keeps_its_own_parameters_and_fragment() -> None:
    assert clean_url("https://example.com/a?page=2#section") == "https://example.com/a?page=2#section"


def test_non_http_links_untouched() -> None:
    for url in ("mailto:a@b.c", "#anchor", "tel:123"):
        assert clean_url(url) == url


@pytest.mark.parametrize("name", sorted(CREDENTIAL_PARAMS))
def test_credential_never_survives_on_any_host(name: str) -> None:
    for base in ("https://example.com/x?a=1", "https://mp.weixin.qq.com/mp/homepage?a=1", CANONICAL):
        assert f"{name}=" not in clean_url(f"{base}&{name}=SECRET")


# --- images ----------------------------------------------------------------------


def test_image_url_loses_lazy_loader_decorations_keeps_format() -> None:
    url = "http://mmbiz.qpic.cn/mmbiz_jpg/AbC/640?wx_fmt=jpeg&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1&from=appmsg"
    assert clean_image_url(url) == "https://mmbiz.qpic.cn/mmbiz_jpg/AbC/640?wx_fmt=jpeg"


def test_image_url_from_js_escaped_source() -> None:
    url = "https://mmbiz.qpic.cn/sz_mmbiz_png/AbC/640?wx_fmt=png\\x26amp;from=appmsg"
    assert clean_image_url(url) == "https://mmbiz.qpic.cn/sz_mmbiz_png/AbC/640?wx_fmt=png"


def test_scheme_relative_image() -> None:
    assert clean_image_url("//mmbiz.qpic.cn/mmbiz_png/AbC/0?wx_fmt=png&tp=webp") == (
        "https://mmbiz.qpic.cn/mmbiz_png/AbC/0?wx_fmt=png"
    )


def test_image_on_other_host_only_loses_tracking() -> None:
    url = "https://img.example.com/a.png?w=100&utm_source=x&from=y"
    assert clean_image_url(url) == "https://img.example.com/a.png?w=100&from=y"


def test_data_uri_image_untouched() -> None:
    uri = "data:image/png;base64,iVBORw0KGgo="
    assert clean_image_url(uri) == uri


def test_image_url_via_clean_url() -> None:
    assert clean_url("https://mmbiz.qpic.cn/mmbiz_gif/x/640?wx_fmt=gif&wxfrom=5") == (
        "https://mmbiz.qpic.cn/mmbiz_gif/x/640?wx_fmt=gif"
    )


# --- text and messages -----------------------------------------------------------


def test_unescape_only_reads_terminated_entities() -> None:
    assert unescape_entities("a&amp;amp;b &lt;tag&gt; &#39;q&#x27;") == "a&b <tag> 'q'"
    assert unescape_entities("x&timestamp=1&para=2&copy=3") == "x&timestamp=1&para=2&copy=3"


def test_unescape_link_strips_quotes_and_spaces() -> None:
    assert unescape_link("  'https://a.example/x?a=1&amp;b=2'  ") == "https://a.example/x?a=1&b=2"


def test_urls_in_text_are_cleaned() -> None:
    text = f"见 {SHARED} 与 https://example.com/?utm_source=x 。"
    cleaned = clean_urls_in_text(text)
    assert CANONICAL in cleaned and "utm_source" not in cleaned and "chksm" not in cleaned


def test_redact_removes_credentials_from_messages() -> None:
    message = f"fetch failed: {SHARED}; retry with key=abc&uin=MTIz pass_ticket=zz"
    out = redact(message)
    for name in ("key=", "uin=", "pass_ticket=", "chksm=", "sharer_shareid", "exportkey"):
        assert name not in out
    assert CANONICAL in out
