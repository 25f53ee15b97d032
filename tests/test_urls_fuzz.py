"""Seeded fuzzing of the URL scanner, cleaner, scrubber, link checks and SVG check: no
exception on any input, no credential left, scrubbing twice changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.safety import image_reference, safe_href, sanitize_html
from wx2post.svg import svg_problem
from wx2post.urls import clean_link, find_urls, has_credential, mask, scrub_text

PIECES = list("hHtTpPsS:/?#&;=%.()*'\"<>[]{}\\ _-~ak3eyuinKEY中\t\x00") + [
    "key=",
    "Pass_Ticket=",
    "&amp;",
    "%26",
    "%3D",
    "%6b",
    "mp.weixin.qq.com/",
    "https://",
    "//",
    "\\x26",
    "&#",
    "mailto:",
]
URLISH = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=800)
@given(URLISH)
def test_urls_never_raise_never_leave_a_credential_and_scrubbing_is_idempotent(text: str) -> None:
    scrubbed = scrub_text(text)
    assert not has_credential(scrubbed)
    assert scrub_text(scrubbed) == scrubbed
    cleaned = clean_link(text)
    assert cleaned is None or not has_credential(cleaned)
    assert not has_credential(mask(text))
    for span in find_urls(text):
        assert text[span.start : span.end] == span.url
    safe_href(text)
    image_reference(text)
    sanitize_html(text)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_svg_check_never_raises(data: bytes) -> None:
    svg_problem(data)
    svg_problem(b"<svg xmlns='http://www.w3.org/2000/svg'>" + data + b"</svg>")
