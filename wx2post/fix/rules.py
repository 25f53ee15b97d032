"""The rules of `wx2post fix`, in the order they run (the README's `fix` table lists them)."""

from __future__ import annotations

from .activehtml import unsafe_html
from .chrome import heading_space, page_chrome, profile_card
from .emphasis import bold_flanking, empty_bold, merge_bold, split_bold
from .engine import Rule
from .images import download_images, header_image, relink_images
from .links import clean_urls, front_matter_urls
from .liquid import escape_liquid
from .paragraphs import paragraphs, table_pipes
from .refetch import refetch_images
from .schemes import unsafe_front_matter, unsafe_links

RULES: tuple[Rule, ...] = (
    Rule("unsafe-front-matter", "front", unsafe_front_matter),
    Rule("front-matter-urls", "front", front_matter_urls),
    Rule("unsafe-links", "body", unsafe_links),  # before any rule reads a link as one
    Rule("unsafe-html", "body", unsafe_html),
    Rule("clean-urls", "body", clean_urls),
    Rule("header-image", "front", header_image),
    Rule("download-images", "body", download_images),
    Rule("relink-images", "body", relink_images),
    Rule("refetch-images", "body", refetch_images),
    Rule("empty-bold", "body", empty_bold),  # first: `****微信扫一扫`, `****#Title`
    Rule("profile-card", "body", profile_card),
    Rule("page-chrome", "body", page_chrome),
    Rule("heading-space", "body", heading_space),
    Rule("merge-bold", "body", merge_bold),
    Rule("split-bold", "body", split_bold),
    Rule("bold-flanking", "body", bold_flanking),
    Rule("paragraphs", "body", paragraphs),
    Rule("table-pipes", "body", table_pipes),
    Rule("liquid-escape", "body", escape_liquid),
)
RULE_NAMES = tuple(r.name for r in RULES)
