"""No reader credential survives cleaning, in any spelling (wx2post.urls).

One test per form named in issue 9, then hypothesis properties that generate the
forms in combination and assert that no credential value comes out, and that a URL
without credentials comes out byte for byte.
"""

from __future__ import annotations

import string
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.urls import (
    CREDENTIAL_PARAMS,
    clean_link,
    clean_url,
    find_urls,
    has_credential,
    mask,
    redact,
    scrub_text,
)
from wx2post.urls.decode import decode_fully

BIZ = "MzA5NDc4MzIwOA=="
ARTICLE = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2247489842&idx=1&sn=0a6db5c136cb6b90"
S = "SeKr3tValue"  # a credential value: it must never come out


def gone(out: str | None) -> bool:
    """No spelling of the secret in `out` (decoded every way a reader could)."""
    return out is None or (S not in out and S.lower() not in decode_fully(out).lower())


# --- one test per named form -------------------------------------------------------


@pytest.mark.parametrize("name", ["KEY", "Key", "Pass_Ticket", "UIN", "ExportKey", "SHARER_SHAREID"])
def test_form_upper_and_mixed_case_names(name: str) -> None:
    for base in (ARTICLE, "https://example.com/a?x=1"):
        assert gone(clean_link(f"{base}&{name}={S}"))
    assert clean_link(f"https://example.com/a?x=1&{name}={S}") == "https://example.com/a?x=1"


def test_form_percent_encoded_names() -> None:
    assert clean_link(f"https://example.com/a?x=1&%6bey={S}") == "https://example.com/a?x=1"
    assert clean_link(f"https://example.com/a?x=1&%256b%2565y={S}") == "https://example.com/a?x=1"
    assert clean_link(f"https://example.com/a?x=1&pass%5Fticket={S}") == "https://example.com/a?x=1"


def test_form_value_that_decodes_into_a_parameter() -> None:
    out = clean_link(f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=1&idx=1&sn=abc%26key%3D{S}")
    assert out == f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=1&idx=1&sn=abc"
    assert clean_link(f"https://example.com/a?x=1&key%3D{S}") == "https://example.com/a?x=1"
    assert gone(clean_link(f"https://example.com/a?q=abc%26key%3D{S}&y=2"))


@pytest.mark.parametrize("depth", [1, 2, 4, 7])
def test_form_amp_nested_many_times(depth: int) -> None:
    amp = "&" + "amp;" * depth
    assert clean_link(f"https://example.com/a?x=1{amp}key={S}{amp}y=2") == "https://example.com/a?x=1&y=2"
    assert gone(clean_link(f"{ARTICLE}{amp}pass_ticket={S}"))


def test_form_semicolon_separator() -> None:
    assert clean_link(f"https://example.com/a?x=1;key={S};y=2") == "https://example.com/a?x=1;y=2"
    assert gone(clean_link(f"https://example.com/a;uin={S}/b?c=1"))


def test_form_credentials_in_the_fragment_of_a_foreign_link() -> None:
    assert clean_link(f"https://example.com/a#key={S}&uin={S}") == "https://example.com/a"
    assert clean_link(f"https://example.com/a#/page?key={S}&p=2") == "https://example.com/a#/page?p=2"
    assert clean_link("https://example.com/a#section-2") == "https://example.com/a#section-2"


@pytest.mark.parametrize("param", ["url", "u", "redirect_uri", "target", "src", "next", "anything"])
def test_form_wechat_link_nested_in_a_redirect_parameter(param: str) -> None:
    inner = f"{ARTICLE}&key={S}&uin={S}"
    out = clean_link(f"https://example.com/jump?{param}={quote(inner, safe='')}&z=1")
    assert gone(out)
    assert out == f"https://example.com/jump?{param}={quote(ARTICLE, safe='')}&z=1"
    twice = quote(quote(inner, safe=""), safe="")
    assert gone(clean_link(f"https://example.com/jump?{param}={twice}"))


@pytest.mark.parametrize(
    ("depth", "encoded"),
    [
        (3, False),
        (8, False),
        (9, False),
        (40, False),
        (5000, False),
        (3, True),
        (9, True),
        (40, True),
        (70, True),
    ],
)
def test_form_links_nested_thousands_deep(depth: int, encoded: bool) -> None:
    """`?u=https://…?u=https://…`: each level was a recursion, and 5,000 of them a
    RecursionError (the article failed with an internal error). Below MAX_NESTED_URLS a value
    is no longer taken apart: it stays when nothing in it is a credential, and goes when
    anything is. Encoded once per level, 70 levels are more than the 64 rounds of decoding:
    what is still escaped then and names a credential counts as one (it leaked before)."""
    inner = f"{ARTICLE}&key={S}"
    link = inner
    for _ in range(depth):
        link = "https://example.com/jump?u=" + (quote(link, safe="") if encoded else link)
    out = clean_link(link)
    assert gone(out)
    assert out is not None and out.startswith("https://example.com/jump?u=")
    clean = ARTICLE
    for _ in range(depth):
        clean = "https://example.com/jump?u=" + (quote(clean, safe="") if encoded else clean)
    assert clean_link(clean) == clean, "a deep link with no credential is kept whole"
    text = scrub_text(f"见 {link} 完")
    assert gone(text) and text.startswith("见 ") and text.endswith(" 完")


def test_form_a_value_holding_itself_five_thousand_times_is_no_recursion() -> None:
    """Each `__biz=` value starts like a URL and holds the next: one recursion per level, a
    RecursionError at about a hundred (and the article failed as an internal error)."""
    text = "见 " + "https://mp.weixin.qq.com/s?__biz=" * 5000 + f"x&key={S} 完"
    out = scrub_text(text)
    assert gone(out) and out.startswith("见 ") and out.endswith(" 完")


def test_form_mailto_link() -> None:
    body = quote(f"读这篇 {ARTICLE}&key={S}", safe="")
    out = clean_link(f"mailto:a@example.com?subject=hi&body={body}")
    assert gone(out) and out is not None and out.startswith("mailto:a@example.com?subject=hi&body=")
    assert clean_link(f"MAILTO:a@example.com?key={S}") == "MAILTO:a@example.com"


def test_form_weixin_scheme_link() -> None:
    assert clean_link(f"weixin://dl/business/?t=abc&key={S}") == "weixin://dl/business/?t=abc"


def test_form_scheme_less_wechat_link_in_text() -> None:
    text = f"原文 mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?key={S}&scene=1 见上"
    assert scrub_text(text) == "原文 https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw 见上"
    assert gone(scrub_text(f"see //example.com/a?uin={S} and mp.weixin.qq.com/s?__biz=x&mid=1&key={S}"))


def test_form_url_in_alt_text_and_titles() -> None:
    # What scrub_metadata applies to alt text, titles, names and captions.
    for text in (f"图：{ARTICLE}&key={S}", f"标题 https://t.cn/x?pass_ticket={S}", f"key%3D{S}"):
        assert gone(scrub_text(text))
    assert scrub_text("一个普通的标题 (2024) 50% off") == "一个普通的标题 (2024) 50% off"


def test_form_js_escaped_separator_fix_left_behind() -> None:
    assert gone(clean_link(f"{ARTICLE}\\x26key={S}"))
    assert gone(scrub_text(f"var u = 'https://example.com/?a=1\\x26key={S}\\u0026b=2';"))


def test_form_scanner_does_not_stop_at_paren_quote_or_star() -> None:
    text = f"[w](https://en.wikipedia.org/wiki/Foo_(bar)?key={S}) and https://x.org/a*b'c?uin={S} end"
    urls = [s.url for s in find_urls(text)]
    assert urls == [f"https://en.wikipedia.org/wiki/Foo_(bar)?key={S}", f"https://x.org/a*b'c?uin={S}"]
    assert scrub_text(text) == "[w](https://en.wikipedia.org/wiki/Foo_(bar)) and https://x.org/a*b'c end"


def test_scanner_respects_quotes_emphasis_and_escaped_html() -> None:
    text = f"<a href='https://x.org/?a=1&amp;key={S}'>x</a> **https://y.org/?uin={S}** &quot;https://z.org/?k&quot;"
    assert [s.url for s in find_urls(text)] == [
        f"https://x.org/?a=1&amp;key={S}",
        f"https://y.org/?uin={S}",
        "https://z.org/?k",
    ]
    assert (
        scrub_text(text)
        == "<a href='https://x.org/?a=1'>x</a> **https://y.org/** &quot;https://z.org/?k&quot;"
    )


def test_other_parameters_are_not_re_encoded() -> None:
    url = "https://example.com/search?q=a%20b*c+d&list=1,2&x=%7E"
    assert clean_link(url + f"&key={S}") == url
    assert clean_link(url + "&utm_source=wx") == url


def test_upper_case_wechat_link_in_text_is_one_url() -> None:
    text = f"见 HTTPS://MP.WEIXIN.QQ.COM/s?__biz={BIZ}&mid=1&KEY={S} 。"
    assert scrub_text(text) == f"见 https://mp.weixin.qq.com/s?__biz={BIZ}&mid=1&idx=1 。"


def test_unremovable_credential_refuses_the_link() -> None:
    assert clean_link(f"https://example.com/uin={S}/page") is None
    assert clean_url(f"https://example.com/uin={S}/page") == ""


def test_messages_and_masks() -> None:
    assert gone(redact(f"error: https://example.com/a?KEY={S}: 404; retry ?uin={S}"))
    masked = mask(f"https://example.com/a?x=1&key={S}&Pass_Ticket={S}")
    assert masked == "https://example.com/a?x=1&key=…&Pass_Ticket=…"


def test_has_credential_is_not_fooled_by_lookalike_names() -> None:
    assert not has_credential("https://example.com/?monkey=1&api-key=2&keyword=3&uinx=4")
    assert has_credential(f"https://example.com/?&#107;ey={S}")


# --- properties --------------------------------------------------------------------

NAMES = sorted(CREDENTIAL_PARAMS) + ["sharer_newfield"]
SAFE = string.ascii_letters + string.digits + "-._~"


@st.composite
def credential_name(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    out = []
    for ch in name:
        ch = ch.upper() if draw(st.booleans()) else ch
        how = draw(st.integers(0, 5))
        out.append(f"%{ord(ch):02x}" if how == 0 else f"%25{ord(ch):02X}" if how == 1 else ch)
    return "".join(out)


@st.composite
def separator(draw: st.DrawFn) -> str:
    return draw(
        st.sampled_from(
            ["&", ";", "&amp;", "&amp;amp;", "&amp;amp;amp;amp;amp;", "\\x26", "\\u0026", "&#38;"]
        )
    )


@st.composite
def hostile_url(draw: st.DrawFn) -> str:
    """A URL carrying the secret in one of the forms of issue 9 (or several nested)."""
    cred = f"{draw(credential_name())}={S}"
    sep = draw(separator())
    base = draw(
        st.sampled_from(
            [
                ARTICLE,
                ARTICLE.replace("https://", "HTTPS://").replace("mp.weixin.qq.com", "MP.WEIXIN.QQ.COM"),
                ARTICLE.removeprefix("https:"),
                ARTICLE.removeprefix("https://"),
                "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?scene=1",
                "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=x",
                "https://mmbiz.qpic.cn/mmbiz_png/Ab/640?wx_fmt=png",
                "https://example.com/wiki/Foo_(bar)?q=a%20b*c",
                "//example.com/a?x=1",
                "mailto:a@example.com?subject=hi",
                "weixin://dl/business/?t=abc",
            ]
        )
    )
    where = draw(st.integers(0, 4))
    if where == 0:
        url = f"{base}{sep}{cred}"
    elif where == 1:  # in a fragment read as a query
        url = f"{base.split('#')[0]}#{cred}{sep}page=2"
    elif where == 2:  # hidden in another value, percent-encoded
        url = f"{base}{sep}sn=abc{quote('&' + cred, safe='')}"
    elif where == 3:  # a whole link nested in a redirect parameter, encoded once or twice
        inner = quote(f"{ARTICLE}&{cred}", safe="")
        if draw(st.booleans()):
            inner = quote(inner, safe="")
        param = draw(st.sampled_from(["url", "u", "redirect_uri", "target", "src"]))
        url = f"https://example.com/r?{param}={inner}"
    else:
        url = f"{base}{sep}{cred}#{cred}"
    return url


@settings(max_examples=200)
@given(hostile_url(), st.sampled_from(["", "见：", "[链接](", '<a href="', "**", "原文 "]))
def test_property_no_credential_value_survives(url: str, before: str) -> None:
    assert gone(clean_link(url))
    text = f"{before}{url} 结束"
    assert gone(scrub_text(text))
    assert gone(redact(text)) and gone(mask(text))


@st.composite
def clean_foreign_url(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(["example.com", "en.wikipedia.org", "blog.example.org:8080", "Example.COM"]))
    path = draw(st.lists(st.text(SAFE + "()*!$'+,%20", min_size=1, max_size=8), max_size=4))
    params = draw(
        st.lists(
            st.tuples(
                st.text(string.ascii_lowercase, min_size=1, max_size=6), st.text(SAFE + "*+,%20", max_size=8)
            ),
            max_size=4,
        )
    )
    params = [(k, v) for k, v in params if not has_credential(f"{k}=x") and not k.startswith("utm")]
    url = f"{draw(st.sampled_from(['https', 'http', 'HTTPS']))}://{host}/" + "/".join(path)
    if params:
        sep = draw(st.sampled_from(["&", ";"]))
        url += "?" + sep.join(f"{k}={v}" for k, v in params)
    if draw(st.booleans()):
        url += "#" + draw(st.sampled_from(["top", "section-2", ":~:text=x", "/route"]))
    return url


@settings(max_examples=150)
@given(clean_foreign_url())
def test_property_url_without_credentials_is_byte_identical(url: str) -> None:
    assert clean_link(url) == url
    text = f"见 {url} 。"
    assert scrub_text(text) == text


def test_upper_case_scheme_in_article_text_stays_one_autolink() -> None:
    from wx2post.render.escape import escape_text

    # A URL that would need an escape becomes one autolink, scheme included (not `HTTPS:<https://…>`).
    assert escape_text("见 HTTPS://EXAMPLE.COM/a*b?x=1 。") == "见 <HTTPS://EXAMPLE.COM/a*b?x=1> 。"
    assert escape_text("见 HTTPS://EXAMPLE.COM/a_b?x=1 。") == "见 HTTPS://EXAMPLE.COM/a_b?x=1 。"
