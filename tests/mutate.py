"""Seeded mutations of a page's bytes, for the fuzz test: what a broken save, a bad
crawler or an attacker could hand wx2post. Every mutation is named, so a failing
page can be rebuilt from its seed and the list of what was done to it."""

from __future__ import annotations

import random
from collections.abc import Callable

HOSTILE = (
    b"\x00",
    b"\x08",
    b"\x0b",
    b"\x1b[31m",
    b"\x1b]0;pwned\x07",
    "\u202e".encode(),
    "\u2066".encode(),
    b"&#8;",
    b"&#0;",
    b"&#x1b;",
    b"&#xD800;",
    b"&#99999999;",
    "中".encode()[:2],  # a truncated character
    b"\xff\xfe",
    b"\xc0\x80",
    b"<a href='",
    b'<a href="https://example.com/' + b"x" * 9000,
    b"<a href=javascript:alert(1)>",
    b"<div>" * 300,
    b"<b>" * 400,
    b"</div>" * 50,
    b"</section></p></a>",
    b"<!--",
    b"<![CDATA[",
    b"<script>",
    b"</script>",
    b"<style>",
    b"<svg><style>",
    b"<table><tr><td>",
    b"<pre><code>",
    b"<img src='data:image/png;base64,AAAA'>",
    b"<img data-src='//mmbiz.qpic.cn/mmbiz_png/x/y/640?tp=webp&wx_fmt=png'>",
    b"<span data-formula='\\frac{1}{0}'>",
    b"<mpvoice name='\x00'>",
    b"'",
    b'"',
    b"\\",
    b"\\x",
    b"\\u12",
    b"\\u{110000}",
    b"{{ site.x }}",
    b"{% raw %}",
    b"&amp;amp;",
    b"&#",
    b"\r\n\r",
    b"var msg_title = '\\x00\\u202e\\x1b[2J';",
    b'var ct = "99999999999";',
    b"window.cgiDataNew = {",
    b"picture_page_info_list: [{cdn_url: '",
    b'item_show_type = "8";',
)
CHARSETS = (b"gbk", b"utf-16", b"latin-1", b"bogus", b"", b"utf-8;utf-8", b"x-user-defined")


def _flip(rng: random.Random, data: bytearray) -> str:
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return "flip"


def _insert(rng: random.Random, data: bytearray) -> str:
    token = rng.choice(HOSTILE)
    at = rng.randint(0, len(data))
    data[at:at] = token
    return f"insert {token[:20]!r}@{at}"


def _delete(rng: random.Random, data: bytearray) -> str:
    if not data:
        return "delete nothing"
    at = rng.randrange(len(data))
    size = rng.choice((1, 10, 200, 5000))
    del data[at : at + size]
    return f"delete {size}@{at}"


def _duplicate(rng: random.Random, data: bytearray) -> str:
    if not data:
        return "duplicate nothing"
    at = rng.randrange(len(data))
    piece = data[at : at + rng.choice((10, 500, 20000))]
    data[at:at] = piece * rng.randint(1, 3)
    return f"duplicate {len(piece)}@{at}"


def _truncate(rng: random.Random, data: bytearray) -> str:
    at = rng.randint(0, len(data))
    del data[at:]
    return f"truncate@{at}"


def _charset(rng: random.Random, data: bytearray) -> str:
    at = bytes(data).lower().find(b"charset")
    if at < 0:
        return "charset none"
    end = at + 7
    while end < len(data) and data[end : end + 1] in (b"=", b" ", b"'", b'"'):
        end += 1
    stop = end
    while stop < len(data) and chr(data[stop]).isalnum() or stop < len(data) and data[stop] in b"-_":
        stop += 1
    new = rng.choice(CHARSETS)
    data[end:stop] = new
    return f"charset {new!r}"


MUTATIONS: tuple[Callable[[random.Random, bytearray], str], ...] = (
    _flip,
    _insert,
    _insert,
    _insert,
    _delete,
    _duplicate,
    _truncate,
    _charset,
)


def mutate(page: bytes, seed: str) -> tuple[bytes, list[str]]:
    """`page` with 1-5 seeded mutations, and what they were."""
    rng = random.Random(seed)
    data = bytearray(page)
    done = [rng.choice(MUTATIONS)(rng, data) for _ in range(rng.randint(1, 5))]
    return bytes(data), done
