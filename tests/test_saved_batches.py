"""Batches of saved files: a verification page saved in place of an article is one failed
input of its own kind, never the end of the run (only a verification met while fetching is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .pages import raw_page

# WeChat's verification page as a browser saves it: no article, a captcha link.
VERIFICATION_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Weixin Official Accounts Platform</title>"
    "</head><body><div class='weui-msg'><h2 class='weui-msg__title'>环境异常</h2>"
    "<p class='weui-msg__desc'>当前环境异常，完成验证后即可继续访问。</p>"
    "<a href='https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=TOKEN&target_url=x'>去验证</a>"
    "</div></body></html>"
)


def _folder(root: Path) -> Path:
    pages = root / "saved"
    pages.mkdir()
    raw_page(pages, 1)
    (pages / "raw-2-verify.html").write_text(VERIFICATION_PAGE, encoding="utf-8")
    raw_page(pages, 3)
    return pages


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_saved_verification_page_is_one_failed_input(tmp_path: Path, jobs: str) -> None:
    pages = _folder(tmp_path)
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["convert", str(pages), "-o", str(site), "--json", "--jobs", jobs])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == ExitStatus.PARTIAL, result.stderr
    assert [r["status"] for r in records] == ["converted", "failed", "converted"]
    failed = records[1]
    assert failed["kind"] == "verification-page"
    assert failed["source"].endswith("raw-2-verify.html")
    assert "verification" in failed["reason"] and "save it again" in failed["reason"]
    assert "TOKEN" not in result.stdout + result.stderr
    assert len(list((site / "_posts").glob("*.md"))) == 2


def test_a_lone_saved_verification_page_fails_like_any_bad_file(tmp_path: Path) -> None:
    page = tmp_path / "verify.html"
    page.write_text(VERIFICATION_PAGE, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "-o", str(tmp_path / "site")])
    assert result.exit_code == ExitStatus.FAILED
    assert "verification page" in result.stderr
    assert not (tmp_path / "site" / "_posts").exists()


def test_api_reports_a_saved_verification_page_as_its_own_kind(tmp_path: Path) -> None:
    import wx2post
    from wx2post.errors import FailurePage, VerificationRequired

    page = tmp_path / "verify.html"
    page.write_text(VERIFICATION_PAGE, encoding="utf-8")
    with pytest.raises(FailurePage) as info:
        wx2post.parse_article(page)
    assert info.value.kind == "verification-page"
    assert not isinstance(info.value, VerificationRequired)
