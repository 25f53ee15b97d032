"""The numeric references that name control characters are removed however many
references a page holds: the quick test that a page has none never misses one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wx2post import markup

digits = st.text(alphabet="0123456789", min_size=1, max_size=12)
hexdigits = st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=12)
reference = st.one_of(
    st.builds(lambda d, end: f"&#{d}{end}", digits, st.sampled_from([";", "", "x", "1;", " "])),
    st.builds(
        lambda x, h, end: f"&#{x}{h}{end}", st.sampled_from("xX"), hexdigits, st.sampled_from([";", "", "g"])
    ),
)
page = st.lists(
    st.one_of(reference, st.sampled_from(["中", "&#x4e2d;", "&#20013;", "a", "&", "#", " "])), max_size=20
)


@given(page)
def test_the_quick_test_never_skips_a_control_reference(parts: list[str]) -> None:
    text = "".join(parts)
    everything = markup._NUMERIC_REFERENCE.sub(markup._control_reference_removed, text)
    if everything != text:  # some reference names a control: the quick test must see it
        assert markup._MAY_REFERENCE_CONTROL.search(text)


def test_controls_go_and_text_stays_on_a_page_of_references() -> None:
    cjk = "&#x4e2d;&#20013;" * 2000
    assert markup._without_controls(cjk) == cjk
    assert markup._without_controls(cjk + "&#8;&#x1f;&#0000127;" + cjk) == cjk + cjk
    assert markup._without_controls("&#0000000112345;") == "12345;"  # read from its first 8 digits: 1
    assert markup._without_controls("&#x0000000041;") == "&#x0000000041;"  # 0x00000000 then '41'
