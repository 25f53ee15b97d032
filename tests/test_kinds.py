"""Picture and share posts from every source; the subtitle is one sentence (issue 11, items 3 and 6)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from wx2post.clean import clean_body
from wx2post.cli import main
from wx2post.parse import parse_page, summary_sentence

CASES = Path(__file__).parent / "cases"


def _stdout(path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["convert", str(path), "--stdout", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_stripped_picture_post_takes_its_pictures_not_the_avatar_or_qr_code() -> None:
    article = parse_page((CASES / "picture-post-stripped" / "input.html").read_text(encoding="utf-8"))
    assert article.kind == "picture"  # no item_show_type left: #js_image_content says it
    urls = [img.url for img in clean_body(article).images]
    assert [u.split("/")[4] for u in urls] == ["FlowerOne001", "FlowerTwo002"]  # once each, in order


def test_a_share_post_renders_the_article_it_embeds_under_the_comment() -> None:
    out = _stdout(CASES / "share-embedded" / "input.html")
    head, body = out.split("\n---\n", 1)
    assert body.index("推荐这篇。") < body.index("## 被分享的文章") < body.index("谢谢阅读")
    assert "第一段：原文的**正文**" in body and "`a < b`" in body  # HTML, not entity-decoded twice
    shared = (
        "https://mp.weixin.qq.com/s?__biz=MzIxMTExMTExMQ==&amp;mid=2247480001&amp;idx=1"
        "&amp;sn=fedcba9876543210fedcba9876543210"
    )
    assert f'分享自：原作者号《被分享的文章》 <a href="{shared}">原文链接</a>' in body
    assert "scene=45" not in out and "阅读全文" not in out


def test_the_shared_article_is_named_in_markdown_attributions_too() -> None:
    out = _stdout(CASES / "share-embedded" / "input.html", "--preset", "jekyll")
    link = "https://mp.weixin.qq.com/s?__biz=MzIxMTExMTExMQ=="
    assert f"> 分享自：原作者号《被分享的文章》 [原文链接]({link}" in out


def test_a_share_post_without_the_embedded_article_keeps_its_card() -> None:
    page = (CASES / "share-embedded" / "input.html").read_text(encoding="utf-8")
    start = page.index("content_noencode: JsDecode('")
    page = page[:start] + "content_noencode: JsDecode('')," + page[page.index("\n", start) :]
    article = parse_page(page)
    text = article.content.text_content()
    assert "分享：被分享的文章（原作者号）" in text and "第一段" not in text
    assert article.shared is not None and article.shared.account == "原作者号"


def test_the_subtitle_is_one_sentence_of_at_most_120_characters() -> None:
    assert summary_sentence("第一句。第二句。") == "第一句。"
    assert summary_sentence("他说：“好！”然后走了。") == "他说：“好！”"
    assert summary_sentence("First one. Second one.") == "First one."
    assert summary_sentence("v1.2 发布") == "v1.2 发布"  # a dot inside a word ends nothing
    long = "字" * 300
    assert summary_sentence(long) == "字" * 119 + "…"
    assert summary_sentence("  一行\n\n两行  ") == "一行 两行"


def test_a_picture_posts_whole_text_is_not_its_subtitle() -> None:
    out = _stdout(CASES / "picture-post-stripped" / "input.html")
    assert "\nsubtitle: 早上七点的花市已经很热闹。\n" in out
