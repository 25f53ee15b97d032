"""`wx2post.lazyre.lazy`: a pattern compiled on first use behaves as `re.compile`'s."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wx2post.lazyre import lazy

PATTERNS = [
    (r"\s+", 0),
    (r"(?P<key>[a-z]+)=(?P<value>[^&;]*)", re.I),
    (r"^#+(?=\S)", re.M),
    (r"[\u200b-\u200f\u2028\u2029]", 0),
    (r"(ab|a)*?c", re.S),
]


@given(st.sampled_from(PATTERNS), st.text(alphabet="aAbc=&;# \n\u200bxyz", max_size=40))
def test_property_lazy_pattern_answers_like_the_compiled_one(spec: tuple[str, int], text: str) -> None:
    pattern, flags = spec
    compiled, stand_in = re.compile(pattern, flags), lazy(pattern, flags)
    assert stand_in.findall(text) == compiled.findall(text)
    assert stand_in.sub("-", text) == compiled.sub("-", text)
    assert stand_in.split(text) == compiled.split(text)
    assert [m.span() for m in stand_in.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert bool(stand_in.match(text)) == bool(compiled.match(text))
    assert (stand_in.pattern, stand_in.flags, stand_in.groups) == (pattern, compiled.flags, compiled.groups)
    assert stand_in.groupindex == compiled.groupindex


def test_bytes_patterns_and_first_use_errors() -> None:
    assert lazy(rb"<(\w+)").findall(b"<a><b>") == [b"a", b"b"]
    broken = lazy(r"(unclosed")  # no error until used, as the module that holds it imports
    with pytest.raises(re.error):
        broken.search("x")


def test_a_compiled_stand_in_costs_no_indirection() -> None:
    stand_in = lazy(r"\d+")
    stand_in.search("1")
    assert "search" in vars(stand_in)  # the compiled pattern's own bound method, kept
