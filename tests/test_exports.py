"""Files that hold many articles and other tools' exports, offline: a WARC file (written here with
warcio), wechat-article-exporter's ZIP and JSON exports, a wechatDownload folder with its CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .loopback import fake_png
from .pages import article_html, article_url, image_url
from .test_saved_batches import VERIFICATION_PAGE


def convert(*args: str) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(main, ["convert", *args, "--json"])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def posts(site: Path) -> dict[str, frontmatter.Post]:
    return {p.name: frontmatter.load(p) for p in sorted((site / "_posts").glob("*.md"))}


# -- WARC -----------------------------------------------------------------------------------


def write_warc(path: Path, *, gzip: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def response(writer: WARCWriter, uri: str, body: bytes, ctype: str, status: str = "200 OK") -> None:
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
        )

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(
            writer.create_warc_record(article_url(1), "request", payload=io.BytesIO(b"GET /s"))
        )
        # A capture URL carries the reader's parameters; the post never does.
        response(
            writer,
            article_url(1) + "&chksm=abc&key=SECRETKEY#rd",
            article_html(1, images=(image_url(1),)).encode(),
            "text/html; charset=utf-8",
        )
        response(writer, image_url(1) + "&tp=webp", fake_png(11), "image/png")
        response(
            writer,
            "https://res.wx.qq.com/mmbizappmsg/zh_CN/htmledition/js/app.js",
            b"var x;",
            "application/javascript",
        )
        response(writer, article_url(2), article_html(2).encode(), "text/html")
        response(writer, article_url(2), b"not found", "text/html", status="404 Not Found")
        response(writer, article_url(3), VERIFICATION_PAGE.encode(), "text/html")


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_every_article_of_a_warc_file_becomes_a_post(tmp_path: Path, gzip: bool) -> None:
    warc = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    write_warc(warc, gzip=gzip)
    site = tmp_path / "site"
    code, records, err = convert(str(warc), "-o", str(site))
    assert code == ExitStatus.PARTIAL, err
    assert [r["status"] for r in records] == ["converted", "converted", "failed"]
    assert records[2]["kind"] == "verification-page"
    assert [r["url"] for r in records[:2]] == [article_url(1), article_url(2)]
    written = posts(site)
    assert sorted(p["source"] for p in written.values()) == [article_url(1), article_url(2)]
    assert [p.read_bytes() for p in (site / "postimg").iterdir()] == [fake_png(11)]  # from the WARC
    assert "SECRETKEY" not in err + json.dumps(records)


def test_a_warc_crawl_of_the_wayback_machine(tmp_path: Path) -> None:
    """Captures named by archive URLs, pages rewritten: the WeChat article and its image."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from .test_web_archives import TS, wayback_rewrite

    warc = tmp_path / "wayback.warc.gz"
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for uri, body, ctype in (
            (
                f"https://web.archive.org/web/{TS}/{article_url(5)}",
                wayback_rewrite(article_html(5, images=(image_url(5),)), article_url(5)).encode(),
                "text/html",
            ),
            (f"https://web.archive.org/web/{TS}im_/{image_url(5)}", fake_png(55), "image/png"),
        ):
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
            )
    site = tmp_path / "site"
    code, records, err = convert(str(warc), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["url"] for r in records] == [article_url(5)]
    text = next((site / "_posts").glob("*.md")).read_text(encoding="utf-8")
    assert "archive.org" not in text
    assert [p.read_bytes() for p in (site / "postimg").iterdir()] == [fake_png(55)]


def test_a_folder_with_a_warc_file_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    write_warc(folder / "crawl.warc.gz", gzip=True)
    (folder / "broken.warc.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    code, records, _ = convert(str(folder), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.PARTIAL
    failed = [r for r in records if r["status"] == "failed"]
    assert [Path(r["source"]).name for r in failed if r["kind"] == "InputError"] == ["broken.warc.gz"]
    assert sum(r["status"] == "converted" for r in records) == 2


# -- wechat-article-exporter ZIP and JSON ---------------------------------------------------------


def test_exporter_zip_holds_one_post_per_folder(tmp_path: Path) -> None:
    archive = tmp_path / "公众号文章.zip"
    with zipfile.ZipFile(archive, "w") as z:
        page = article_html(1, images=(image_url(101),), image_src=("./assets/17000.png",), scripts=False)
        z.writestr("第1篇文章/index.html", page)
        z.writestr("第1篇文章/assets/17000.png", fake_png(101))
        z.writestr("第2篇文章/index.html", article_html(2, scripts=False))
        z.writestr("第2篇文章/assets/style.css", "body{}")
    site = tmp_path / "site"
    code, records, err = convert(str(archive), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted", "converted"]
    assert sorted(p["source"] for p in posts(site).values()) == [article_url(1), article_url(2)]
    assert [p.read_bytes() for p in (site / "postimg").iterdir()] == [fake_png(101)]


def test_exporter_json_records_with_content_become_posts(tmp_path: Path) -> None:
    export = tmp_path / "微信公众号文章.json"
    records = [
        {
            "title": "记录里的第一篇",
            "link": article_url(1) + "&chksm=x#rd",
            "create_time": 1700000000,  # 2023-11-15 06:13:20 Beijing time
            "_accountName": "导出测试号",
            "author_name": "作者乙",
            "content": "<section><p>HTML 的正文。</p><p><img src='" + image_url(9) + "'></p></section>",
        },
        {
            "title": "记录里的第二篇",
            "link": article_url(2),
            "create_time": "1700086400",
            "_accountName": "导出测试号",
            "content": "纯文本导出的正文，一整行。",
        },
        {"title": "没有正文的记录", "link": article_url(3), "create_time": 1700172800},
    ]
    export.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    site = tmp_path / "site"
    code, results, err = convert(str(export), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.OK, err
    assert len(results) == 2
    by_title = {p["title"]: p for p in posts(site).values()}
    first, second = by_title["记录里的第一篇"], by_title["记录里的第二篇"]
    assert first["source"] == article_url(1) and first["account"] == "导出测试号"
    assert str(first["date"]) == "2023-11-15 06:13:20 +0800"
    assert "HTML 的正文。" in first.content and "Img0009" in first.content
    assert second["source"] == article_url(2) and "纯文本导出的正文，一整行。" in second.content
    assert "no publish date" not in err


def test_a_json_file_that_is_no_export_is_not_an_input(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "package.json").write_text('{"name": "x", "version": "1"}', encoding="utf-8")
    (folder / "raw.html").write_text(article_html(1), encoding="utf-8")
    code, records, _ = convert(str(folder), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.OK and len(records) == 1


# -- wechatDownload file names and CSV ----------------------------------------------------------


def bare_page(title: str, text: str) -> str:
    """An export without scripts, date or link: only the title and the body."""
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1 id='activity-name'>{title}</h1><div id='js_content'><p>{text}</p></div></body></html>"
    )


def test_wechatdownload_names_and_csv_date_and_link_pages(tmp_path: Path) -> None:
    folder = tmp_path / "wechatDownload"
    folder.mkdir()
    (folder / "[202604030825]标题一.html").write_text(bare_page("标题一", "一的正文"), encoding="utf-8")
    (folder / "20241101标题二.html").write_text(bare_page("标题二", "二的正文"), encoding="utf-8")
    (folder / "[2025-12-20225424]标题：三.html").write_text(
        bare_page("标题：三", "三的正文"), encoding="utf-8"
    )
    with (folder / "文章列表.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "url", "time", "read_num"])
        writer.writerow(["标题二", article_url(2) + "&scene=21#wechat_redirect", "2024-11-01 09:30:00", "12"])
        writer.writerow(["标题:三", article_url(3), "", ""])  # the saver's file name lost the colon
    site = tmp_path / "site"
    code, _, err = convert(str(folder), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert "no publish date" not in err
    by_title = {p["title"]: p for p in posts(site).values()}
    assert str(by_title["标题一"]["date"]) == "2026-04-03 08:25:00 +0800"
    assert "source" not in by_title["标题一"].metadata or not by_title["标题一"]["source"]
    assert str(by_title["标题二"]["date"]) == "2024-11-01 09:30:00 +0800"  # the CSV's minute
    assert by_title["标题二"]["source"] == article_url(2)
    assert str(by_title["标题：三"]["date"]) == "2025-12-20 22:54:24 +0800"
    assert by_title["标题：三"]["source"] == article_url(3)


def test_hostile_containers_are_failed_inputs_and_write_nothing_outside(tmp_path: Path) -> None:
    """A ZIP whose entries climb out of it, a WARC cut in the middle, JSON of the wrong shape,
    a ZIP of photos in a folder: no traceback, nothing outside the site, articles before the
    damage converted."""
    folder = tmp_path / "saved"
    folder.mkdir()
    with zipfile.ZipFile(folder / "climb.zip", "w") as z:
        z.writestr(
            "../../escape/index.html", article_html(1, images=(image_url(1),), image_src=("../../x.png",))
        )
        z.writestr("../../x.png", fake_png(1))
    write_warc(tmp_path / "whole.warc.gz", gzip=True)
    whole = (tmp_path / "whole.warc.gz").read_bytes()
    (folder / "cut.warc.gz").write_bytes(whole[: len(whole) * 2 // 3])
    (folder / "weird.json").write_text(json.dumps([{"title": 3, "link": []}, "x", None]), encoding="utf-8")
    with zipfile.ZipFile(folder / "photos.zip", "w") as z:
        z.writestr("a.jpg", b"\xff\xd8\xff")
    site = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["convert", str(folder), "-o", str(site), "--json", "--images", "local"]
    )
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(r["kind"] != "internal-error" for r in records)
    assert any(r["status"] == "converted" and "climb.zip::" in r["source"] for r in records)
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    assert {p.resolve().is_relative_to(site.resolve()) for p in site.rglob("*")} == {True}
    assert not any("photos.zip" in r["source"] or "weird.json" in r["source"] for r in records)
