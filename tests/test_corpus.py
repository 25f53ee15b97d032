"""Every real page in ../shared/corpus: articles convert, failure pages are refused.

The corpus holds third-party pages; it is read from where it lies, never copied.
Under CI the folder must exist (a missing corpus fails, not skips).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import frontmatter
import lxml.html
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
CREDENTIAL_OR_TRACKING = re.compile(
    r"[?&](key|uin|pass_ticket|exportkey|appmsg_token|sharer_\w+|chksm|scene|subscene|srcid|"
    r"mpshare|clicktime|enterid|sessionid|ascene|devicetype|tp|wxfrom|wx_lazy|wx_co|from|utm_\w+)="
)
CHROME = ("微信扫一扫", "关注该公众号", "预览时标签不可点", "喜欢此内容的人还喜欢", "微信号", "功能介绍")
FAILURES = {
    "deleted-by-publisher": "deleted",
    "violation": "violation",
    "anti-bot-verification": "verification",
}


def _manifest() -> list[dict]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            raise AssertionError(f"the corpus is missing under CI: {CORPUS}")
        return []
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


ENTRIES = _manifest()


def test_corpus_is_present_under_ci() -> None:
    if os.environ.get("CI"):
        assert ENTRIES, f"no corpus at {CORPUS}"
    elif not ENTRIES:
        pytest.skip("no ../shared/corpus here")


def _convert(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", str(path), "--stdout"])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def converted() -> dict[str, tuple[int, str, str]]:
    return {e["file"]: _convert(CORPUS / e["file"]) for e in ENTRIES}


def _failure_kind(entry: dict) -> str | None:
    return next((FAILURES[f] for f in entry["features"] if f in FAILURES), None)


def _body(entry: dict) -> lxml.html.HtmlElement | None:
    """The page's own article body, read independently of wx2post."""
    path = CORPUS / entry["file"]
    raw = path.read_bytes()
    if path.suffix == ".mhtml":
        import email

        msg = email.message_from_bytes(raw)
        html = next(p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "text/html")
        raw = html
    doc = lxml.html.document_fromstring(raw)
    for body in doc.xpath("//div[@id='js_content']"):
        if "rich_media_content" in (body.get("class") or "") or entry["file"].startswith("pages/07"):
            for el in body.xpath(".//script|.//style"):
                el.drop_tree()
            return body
    return None


def _norm(text: str) -> str:
    text = re.sub(r"\]\([^)]*\)", "", text)  # link targets
    return re.sub(r"[\s*\\`#>|\[\]_~\u200b\ufeff\u00a0\u3000]+", "", text)


def _post_body(out: str) -> str:
    return out.split("\n---\n", 1)[1]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"][6:40] for e in ENTRIES])
def test_page_converts_or_is_refused(entry: dict, converted: dict) -> None:
    code, out, err = converted[entry["file"]]
    kind = _failure_kind(entry)
    if kind:
        # A saved verification page is one failed input (no request was made for it).
        assert code == ExitStatus.FAILED, err
        assert out == ""
        assert kind in err and entry["file"].split("/")[-1] in err
        assert len(err.strip().splitlines()) == 1
        return
    assert code == 0, err
    assert out.startswith("---\nlayout: post\n")


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_metadata_matches_manifest(entry: dict, converted: dict) -> None:
    import frontmatter

    code, out, _ = converted[entry["file"]]
    post = frontmatter.loads(out)
    if entry["title"]:
        # The manifest shortened one title with "…" in its notes; the page has it whole.
        assert post["title"] == entry["title"] or (
            post["title"].startswith(entry["title"]) and entry["title"] + "…" in entry["notes"]
        )
    if entry.get("ct_date"):
        # The manifest's ct_date is the UTC date of `var ct`; the post is dated in Beijing time.
        when = datetime.strptime(str(post["date"]), "%Y-%m-%d %H:%M:%S %z")
        assert when.utcoffset().total_seconds() == 8 * 3600
        assert when.astimezone(timezone.utc).date().isoformat() == entry["ct_date"]
    if entry.get("nickname"):
        assert post["account"] == entry["nickname"]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_output_is_clean(entry: dict, converted: dict) -> None:
    _, out, err = converted[entry["file"]]
    assert not CREDENTIAL_OR_TRACKING.search(out + err), CREDENTIAL_OR_TRACKING.search(out + err)
    assert "#wechat_redirect" not in out and "#rd" not in out
    assert "****" not in out
    body_el = _body(entry)
    page_text = body_el.text_content() if body_el is not None else ""
    post = _post_body(out)
    for phrase in CHROME:
        if phrase not in page_text:
            assert phrase not in post, phrase


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_every_body_image_is_referenced(entry: dict, converted: dict) -> None:
    _, out, _ = converted[entry["file"]]
    body = _body(entry)
    if body is None:
        pytest.skip("no #js_content body on this page kind")
    missing = []
    for img in body.iter("img"):
        url = img.get("data-src") or img.get("src") or ""
        if not url.startswith(("http", "//")) or url.startswith("http://localhost"):
            continue  # a data: placeholder, a saved copy without its URL, a WebView proxy
        image_id = max(url.split("?")[0].split("/"), key=len)
        if image_id not in out:
            missing.append(url)
    assert not missing, missing[:3]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_code_lines_are_fenced_in_order(entry: dict, converted: dict) -> None:
    _, out, _ = converted[entry["file"]]
    body = _body(entry)
    pres = list(body.iter("pre")) if body is not None else []
    if not pres:
        return
    fenced = "\n".join(re.findall(r"^```[^\n]*\n(.*?)\n```$", out, re.S | re.M))
    pos = 0
    for pre in pres:
        codes = pre.findall("code")
        lines = [c.text_content() for c in codes] if len(codes) > 1 else pre.text_content().split("\n")
        for line in lines:
            line = line.replace("\u00a0", " ").strip()
            if not line:
                continue
            found = fenced.find(line, pos)
            assert found >= 0, line
            pos = found + len(line)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_body_text_is_all_there(entry: dict, converted: dict) -> None:
    _, out, _ = converted[entry["file"]]
    body = _body(entry)
    if body is None:
        pytest.skip("no #js_content body on this page kind")
    post = _norm(_post_body(out))
    segments = [_norm(t) for t in body.itertext()]
    segments = [s for s in segments if s]
    total = sum(len(s) for s in segments)
    found = sum(len(s) for s in segments if s in post)
    share = found / total if total else 1.0
    missing = [s for s in segments if s not in post][:5]
    assert share >= 0.98, (share, missing)


def _script_text(raw: str, pattern: str) -> str:
    m = re.search(pattern, raw, re.S)
    if not m:
        return ""
    text = re.sub(r"\\x([0-9a-fA-F]{2})", lambda x: chr(int(x.group(1), 16)), m.group(1))
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.parametrize(
    "entry",
    [e for e in ENTRIES if {"picture-post", "text-post", "shared-article-card"} & set(e["features"])],
    ids=lambda e: e["file"][6:40],
)
def test_posts_without_a_body_element_keep_their_text(entry: dict, converted: dict) -> None:
    """Picture, text and share posts carry their text in script data, not in #js_content."""
    _, out, _ = converted[entry["file"]]
    raw = (CORPUS / entry["file"]).read_text(encoding="utf-8")
    if "shared-article-card" in entry["features"]:
        text = _script_text(raw, r"js_share_notice'\)\.innerHTML = \"((?:[^\"\\]|\\.)*)\"")
    else:
        text = _script_text(raw, r"content_noencode: JsDecode\('((?:[^'\\]|\\.)*)'\)")
    assert text.strip()
    post = _norm(_post_body(out))
    lines = [_norm(t) for t in text.split("\n") if _norm(t)]
    found = sum(len(s) for s in lines if s in post)
    assert found / sum(len(s) for s in lines) >= 0.98
    if "picture-post" in entry["features"]:
        first = raw.index("picture_page_info_list")
        block = raw[first : raw.index("];", first)]
        pictures = re.findall(r"^\s{16}cdn_url: '([^']+)'", block, re.M)
        assert pictures
        for url in pictures:
            assert max(url.split("?")[0].split("/"), key=len) in out


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if "shared-article-card" in e["features"]], ids=lambda e: e["file"][6:40]
)
def test_share_posts_render_the_article_they_embed(entry: dict, converted: dict) -> None:
    """The page holds the shared article's whole body (`content_noencode`): the post has
    it all, under the sharer's comment, and its attribution names the shared article."""
    _, out, _ = converted[entry["file"]]
    raw = (CORPUS / entry["file"]).read_text(encoding="utf-8")
    embedded = _script_text(raw, r"\n\s*content_noencode: JsDecode\('((?:[^'\\]|\\.)+)'\)")
    if not embedded:
        pytest.skip("this share page does not embed the shared article")
    shared = lxml.html.fragment_fromstring(embedded, create_parent="div")
    post = _norm(_post_body(out))
    segments = [s for s in (_norm(t) for t in shared.itertext()) if s]
    found = sum(len(s) for s in segments if s in post)
    assert found / sum(len(s) for s in segments) >= 0.98, [s for s in segments if s not in post][:5]
    comment = _script_text(raw, r"js_share_notice'\)\.innerHTML = \"((?:[^\"\\]|\\.)*)\"")
    first_line = _norm(comment.split("\n")[0])
    assert post.index(first_line) < post.index(segments[0])
    author = re.search(r'id="js_share_author">([^<]+)<', raw)
    assert author is not None and "分享自：" + author.group(1) in out


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_the_subtitle_is_at_most_one_sentence(entry: dict, converted: dict) -> None:
    import frontmatter

    _, out, _ = converted[entry["file"]]
    subtitle = str(frontmatter.loads(out).get("subtitle", ""))
    assert len(subtitle) <= 120, subtitle
    inner = subtitle.rstrip("”’」』）)")[:-1]  # a sentence may end the subtitle, not sit inside it
    assert not any(mark in inner for mark in "。！？!?"), subtitle


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not _failure_kind(e)], ids=lambda e: e["file"][6:40])
def test_bytes_path_reads_what_the_text_path_reads(entry: dict) -> None:
    """parse_source scans big UTF-8 pages as bytes; it must agree with parsing the text."""
    from wx2post.parse import parse_page, parse_source
    from wx2post.sources import read_page

    page = read_page(CORPUS / entry["file"])
    fast, slow = parse_source(page), parse_page(page.html, page.origin)
    fast_meta, slow_meta = fast.metadata(), slow.metadata()
    assert fast_meta == slow_meta
    assert lxml.html.tostring(fast.content) == lxml.html.tostring(slow.content)


def test_the_whole_corpus_as_one_folder(tmp_path: Path) -> None:
    """The README's folder example on every page of the corpus: the failure pages (a saved
    verification page among them) are reported one by one; every article is converted."""
    if not ENTRIES:
        pytest.skip("no ../shared/corpus here")
    site = tmp_path / "site"
    args = ["convert", str(CORPUS / "pages"), "-o", str(site), "--json", "--images", "remote", "--jobs", "2"]
    result = CliRunner().invoke(main, args)
    records = {Path(r["source"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert result.exit_code == ExitStatus.PARTIAL, result.stderr
    for entry in ENTRIES:
        record = records[Path(entry["file"]).name]
        kind = _failure_kind(entry)
        if kind:
            assert record["status"] == "failed"
            assert record["kind"] == ("verification-page" if kind == "verification" else kind)
        elif record["status"] == "skipped":
            # A copy without its link of another page of the corpus (an exporter's output
            # of a raw page): the same article, one post.
            twins = [e for e in ENTRIES if e is not entry and e["title"] == entry["title"]]
            assert twins and "the same article as" in record["reason"], record
            assert records[Path(twins[0]["file"]).name]["status"] == "converted"
        else:
            assert record["status"] == "converted", record
            assert Path(record["post"]).is_file()


def _without_template(entry: dict) -> str:
    """The page as a saver that drops WeChat's template leaves it: no id, no class, no script."""
    path = CORPUS / entry["file"]
    raw = path.read_bytes()
    if path.suffix == ".mhtml":
        import email

        msg = email.message_from_bytes(raw)
        raw = next(p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "text/html")
    doc = lxml.html.document_fromstring(raw)
    for el in doc.xpath("//script|//style|//noscript"):
        el.drop_tree()
    for el in doc.iter():
        if isinstance(el.tag, str):
            el.attrib.pop("id", None)
            el.attrib.pop("class", None)
    return lxml.html.tostring(doc, encoding="unicode")


@pytest.mark.parametrize(
    "entry",
    # A text post's body is in script data (gone with the scripts); share cards have no body text.
    [e for e in ENTRIES if not _failure_kind(e) and not {"text-post", "picture-post"} & set(e["features"])],
    ids=lambda e: e["file"][6:40],
)
def test_page_without_its_template_keeps_its_text(entry: dict, tmp_path: Path) -> None:
    body = _body(entry)
    if body is None:
        pytest.skip("no #js_content body to compare with")
    page = tmp_path / "stripped.html"
    page.write_text(_without_template(entry), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "--stdout"])
    assert result.exit_code == 0, result.stderr
    post = _norm(_post_body(result.stdout))
    segments = [s for s in (_norm(t) for t in body.itertext()) if s]
    total = sum(len(s) for s in segments)
    share = sum(len(s) for s in segments if s in post) / total if total else 1.0
    assert share >= 0.95, (share, [s for s in segments if s not in post][:5])
    if entry["title"]:
        assert frontmatter.loads(result.stdout)["title"].startswith(entry["title"][:10])
    for phrase in CHROME:
        assert phrase not in _post_body(result.stdout) or phrase in body.text_content(), phrase


ARTICLES = [e for e in ENTRIES if not _failure_kind(e) and e["file"].endswith(".html")]


@pytest.mark.parametrize("entry", ARTICLES, ids=lambda e: e["file"][6:40])
def test_wayback_capture_of_every_page_is_the_same_post(entry: dict, tmp_path: Path, converted: dict) -> None:
    """Every corpus page as the Wayback Machine serves it (URLs rewritten, toolbar, playback
    scripts) converts to exactly the post of the page itself."""
    from .test_web_archives import wayback_rewrite

    path = CORPUS / entry["file"]
    original = frontmatter.loads(converted[entry["file"]][1])
    page = tmp_path / path.name
    page.write_text(wayback_rewrite(path.read_text(encoding="utf-8"), original.get("source") or ""), "utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "--stdout"])
    assert result.exit_code == 0, result.stderr
    archived = frontmatter.loads(result.stdout)
    assert "archive.org" not in result.stdout
    assert archived.content == original.content
    for key in ("title", "source", "account", "subtitle"):
        assert archived.get(key) == original.get(key), key


@pytest.mark.parametrize(
    "entry",
    [e for e in ARTICLES if not {"text-post", "picture-post"} & set(e["features"])],
    ids=lambda e: e["file"][6:40],
)
def test_archive_today_flattening_of_every_page_keeps_its_text_and_link(
    entry: dict, tmp_path: Path, converted: dict
) -> None:
    """Every corpus article as archive.today keeps it: no id, class or script, links wrapped
    through the archive, canonical pointing at it, the original link only in its header."""
    body = _body(entry)
    if body is None:
        pytest.skip("no #js_content body to compare with")
    original = frontmatter.loads(converted[entry["file"]][1])
    flat = re.sub(r"<meta\b[^>]*\b(?:property|name|itemprop)=[^>]*>", "", _without_template(entry))
    flat = re.sub(r"""href=(["'])(https?://)""", r"href=\1https://archive.ph/o/AbCdE/\2", flat)
    if original.get("source"):
        saved_from = f"<a href='{original['source']}'>x</a>"
        header = f"<div>archive.today webpage capture | Saved from {saved_from}</div>"
        flat = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, flat, count=1)
    flat = flat.replace("<head>", "<head><link rel='canonical' href='https://archive.ph/AbCdE'>", 1)
    folder = tmp_path / "archive.ph-AbCdE"
    folder.mkdir()
    (folder / "index.html").write_text(flat, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(folder), "--stdout"])
    assert result.exit_code == 0, result.stderr
    post = frontmatter.loads(result.stdout)
    assert "archive.ph" not in result.stdout
    assert post.get("source") == original.get("source")
    text = _norm(post.content)
    segments = [s for s in (_norm(t) for t in body.itertext()) if s]
    total = sum(len(s) for s in segments)
    share = sum(len(s) for s in segments if s in text) / total if total else 1.0
    assert share >= 0.95, (share, [s for s in segments if s not in text][:5])
