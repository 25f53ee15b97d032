"""Stretches of text, found and looked up in linear time whatever the text holds (pure).

`opener.*?closer` (re.S) is the natural regex for "from here to the first end after it", and
it is quadratic: from every opener that is never closed the engine tries the whole rest of
the text again (8,000 unclosed `<script>`: 2 s; a hostile 3 MB page: hours). `paired` finds
each closer pattern's matches once and gives every opener the first closer after it by
bisection; an opener inside a stretch already taken is passed over, as `finditer` would.
Openers must not scan far themselves: write `<script\\b[^<>]*>`, not `<script[^>]*>` (which,
with no `>` left in the text, runs to the end from every `<script`).

`covering` answers "is this offset inside one of these spans" by bisection, where `any(...)`
over the spans, asked once per candidate, is quadratic too.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable

Span = tuple[int, int]
Closer = re.Pattern[str] | Callable[[re.Match[str]], re.Pattern[str]]


def paired(text: str, opener: re.Pattern[str], closer: Closer) -> list[tuple[re.Match[str], re.Match[str]]]:
    """Each `opener` match with the first `closer` match that starts at or after its end, in
    order and not overlapping: what `finditer(opener + ".*?" + closer, re.S)` finds. `closer`
    may depend on the opener (`{% raw %}` ... `{% endraw %}`): a function of its match."""
    found: list[tuple[re.Match[str], re.Match[str]]] = []
    closers: dict[re.Pattern[str], tuple[list[int], list[re.Match[str]]]] = {}
    pos = 0
    while (start := opener.search(text, pos)) is not None:
        pattern = closer(start) if callable(closer) else closer  # (a lazy pattern is no callable)
        if pattern not in closers:
            matches = list(pattern.finditer(text))
            closers[pattern] = ([m.start() for m in matches], matches)
        starts, matches = closers[pattern]
        i = bisect.bisect_left(starts, start.end())
        if i == len(matches):
            if not callable(closer):
                break  # no opener after this one is closed either
            pos = start.end()
            continue
        found.append((start, matches[i]))
        pos = max(matches[i].end(), start.start() + 1)  # on, even past an empty match
    return found


def without_paired(text: str, opener: re.Pattern[str], closer: Closer) -> str:
    """`text` with every stretch `paired` finds taken out."""
    pieces, pos = [], 0
    for start, end in paired(text, opener, closer):
        pieces.append(text[pos : start.start()])
        pos = end.end()
    pieces.append(text[pos:])
    return "".join(pieces)


def covering(spans: list[Span]) -> Callable[[int], bool]:
    """Whether an offset is inside one of `spans` (half-open, in any order, overlapping or not)."""
    ordered = sorted(spans)
    starts = [a for a, _ in ordered]
    reach = list(itertools.accumulate((b for _, b in ordered), max))  # furthest end so far

    def inside(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and offset < reach[i]

    return inside
