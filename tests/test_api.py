"""The Python API used by publishing scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

import wx2post
from wx2post.errors import FailurePage

from .pages import raw_page


def test_convert_returns_typed_results(tmp_path: Path) -> None:
    good = raw_page(tmp_path, 1)
    bad = tmp_path / "gone.html"
    bad.write_text("<html><body><h2 class='weui-msg__title'>此内容因违规无法查看</h2></body></html>", "utf-8")
    results = wx2post.convert([good, bad], site=tmp_path / "site", options=wx2post.Options(tags=("转载",)))
    assert [type(r) for r in results] == [wx2post.Result, wx2post.Result]
    ok, failed = results
    assert ok.status == "converted" and Path(ok.post).is_file()
    assert "- 转载" in Path(ok.post).read_text(encoding="utf-8")
    assert (failed.status, failed.kind) == ("failed", "violation")
    again = wx2post.convert([good], site=tmp_path / "site")
    assert again[0].status == "unchanged"


def test_parse_article_and_its_errors(tmp_path: Path) -> None:
    article = wx2post.parse_article(raw_page(tmp_path, 3))
    assert article.title == "第3篇文章"
    assert article.published is not None and article.published.isoformat() == "2022-05-03T10:12:00+08:00"
    bad = tmp_path / "gone.html"
    bad.write_text("<html><body><h2 class='weui-msg__title'>该内容已被发布者删除</h2></body></html>", "utf-8")
    with pytest.raises(FailurePage) as info:
        wx2post.parse_article(bad)
    assert info.value.kind == "deleted"
