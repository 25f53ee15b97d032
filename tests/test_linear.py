"""Tag-shaped patterns read hostile input in linear time.

A pattern like `<meta[^>]+content=` tried from every `<meta` of a page that never closes one
runs to the end each time: a page of 100,000 of them took minutes. Every such part now stops at
the next `<` (or `[`), so each attempt is short. Each pattern here gets its own opener repeated
200,000 times, under a limit a quadratic reading exceeds many times over; what each one finds
in real markup is checked by its own module's tests.
"""

from __future__ import annotations

import re

import pytest

from wx2post import fetch, images, markup, postfacts
from wx2post.fix import images as fix_images
from wx2post.fix import links as fix_links
from wx2post.sources import archive_today, feeds

from .tools import within

CASES = [
    ("markup._TAG", markup._TAG, "<a "),
    ("postfacts._IMAGE_TARGETS", postfacts._IMAGE_TARGETS, "<img "),
    ("fetch._OG_URL", fetch._OG_URL, "<meta "),
    ("archive_today._CANONICAL", archive_today._CANONICAL, "<link "),
    ("archive_today._ANCHOR_OR_INPUT", archive_today._ANCHOR_OR_INPUT, "<a "),
    ("feeds._TAGS", feeds._TAGS, "<"),
    ("fix.images._IMG_TAG", fix_images._IMG_TAG, "<img "),
    ("fix.links._NOTE_LINK (Markdown)", fix_links._NOTE_LINK, "[原文"),
    ("fix.links._NOTE_LINK (HTML)", fix_links._NOTE_LINK, "<a "),
]


@pytest.mark.parametrize(("name", "pattern", "unit"), CASES, ids=[c[0] for c in CASES])
def test_a_tag_pattern_reads_200000_unclosed_openers_in_linear_time(
    name: str, pattern: re.Pattern[str], unit: str
) -> None:
    text = unit * 200_000
    with within(20, f"{name} over {unit!r} * 200000"):
        found = list(pattern.finditer(text))
    assert all(m.end() - m.start() <= 4 * len(unit) for m in found), "no match spans the openers"


def test_the_svg_size_pattern_reads_200000_unclosed_svg_tags_in_linear_time() -> None:
    with within(20, "200,000 unclosed <svg"):
        assert images._SVG_SIZE.search(b"<svg " * 200_000) is None
