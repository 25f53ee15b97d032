"""A run killed at any point of any sequence of writes: the record read afterwards names every post
on disk as wx2post's own, with the bytes it holds, and nothing that is not on disk.

The "run" is a forked child that writes through SiteState and dies with os._exit (no handler, no
finally: what SIGKILL does) at a point hypothesis chooses: before a post's bytes are renamed into
place, right after, or between two posts.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.files import write_file
from wx2post.state import SiteState, text_hash

from .pages import article_url

STEPS = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 3), st.sampled_from(["ok", "die-before", "die-after"])),
    min_size=1,
    max_size=8,
)


def _child(site: Path, steps: list[tuple[int, int, str]]) -> None:
    state = SiteState(site, writable=True)
    for article, version, fate in steps:
        relpath = f"_posts/2022-05-03-{article}.md"
        data = f"---\ntitle: {article}\n---\nversion {version}\n".encode()

        def write(relpath: str = relpath, data: bytes = data, fate: str = fate) -> Path:
            if fate == "die-before":
                os._exit(9)
            path = write_file(site, relpath, data)
            if fate == "die-after":
                os._exit(9)
            return path

        state.commit(article_url(article), relpath, data, write, complete=True)
    os._exit(0)  # no close(): the journal is all there is


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@settings(max_examples=60, deadline=None)
@given(steps=STEPS)
def test_a_kill_at_any_point_leaves_a_record_matching_the_posts(steps: list[tuple[int, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            try:
                _child(site, steps)
            finally:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) in (0, 9)
        state = SiteState(site)  # read-only: what the next run sees
        on_disk = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.glob("_posts/*.md")}
        recorded = state.posts()
        assert sorted(recorded.values()) == sorted(on_disk), "every post on disk recorded, nothing else"
        for identity, relpath in recorded.items():
            assert state.owns(identity, relpath, on_disk[relpath]), "recognised as wx2post's own"
            assert state.get(identity) is not None
            assert state.get(identity).sha256 == text_hash(on_disk[relpath])  # type: ignore[union-attr]
