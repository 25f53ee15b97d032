"""An SVG already in the image folder (stored by an older version, or put there by hand) gets
the check a download gets before it is reused: a refused one fails the image like a refused
download (the post keeps the clean remote URL and never references the file), for convert,
fix --write, fix's dry run and fix's relinking alike."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.images import ImageSettings, image_stem
from wx2post.models import ImageRef
from wx2post.sources import PageSource
from wx2post.store import ImageStore
from wx2post.svg import svg_problem

from .loopback import LoopbackServer, Reply
from .test_svg import ACTIVE, INERT, H, body

SVG = {"Content-Type": "image/svg+xml"}
WECHAT_ID = "Sv9gLmQ2wE4rT6yU8iO0pA1sD3fG5hJ7kL9zX2cV4bN6mQ8wE0rT2yU4iO6pA8sDw"
WECHAT_SVG = f"https://mmbiz.qpic.cn/mmbiz_svg/AbCdEfGh12345678/{WECHAT_ID}/640?wx_fmt=svg"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def article(path: Path, image: str) -> Path:
    path.write_text(
        "<html><head><script>var msg_title = 'SVG'.html(false); var ct = \"1651543920\";</script></head>"
        f"<body><div id='js_content'><p>图</p><p><img data-src='{image}'></p></div></body></html>",
        encoding="utf-8",
    )
    return path


def plant(site: Path, name: str, data: bytes) -> Path:
    folder = site / "postimg"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


@pytest.fixture(scope="module")
def server() -> LoopbackServer:  # type: ignore[misc]
    with LoopbackServer() as srv:
        srv.route("/pic.svg", lambda r: Reply(200, INERT["plain"].encode(), SVG))
        yield srv


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_convert_refuses_a_hostile_svg_already_in_the_folder(
    tmp_path: Path, server: LoopbackServer, name: str
) -> None:
    url = server.url("/pic.svg")
    site = tmp_path / "site"
    planted = plant(site, f"{image_stem(url)}.svg", body(name))
    before = server.hits("/pic.svg")
    code, out, err = cli(
        "convert",
        str(article(tmp_path / "a.html", url)),
        "-o",
        str(site),
        "--json",
        "--allow-private-addresses",
    )
    assert code == 1, err  # partial: the image failed
    record = json.loads(out)
    assert record["images_saved"] == 0 and record["images_failed"] == 1
    (failed,) = record["failed_images"]
    assert failed["url"] == url and "in the image folder" in failed["reason"]
    post = (site / record["post"]).read_text(encoding="utf-8")
    assert f"]({url})" in post, "the post keeps the clean remote URL"
    assert planted.name not in post and "postimg/" not in post
    assert server.hits("/pic.svg") == before, "no download either: the file's name is taken"
    assert "image not saved" in err


def test_an_inert_svg_in_the_folder_is_still_reused(tmp_path: Path, server: LoopbackServer) -> None:
    url = server.url("/pic.svg")
    site = tmp_path / "site"
    planted = plant(site, f"{image_stem(url)}.svg", INERT["local-use-and-raster-data"].encode())
    before = server.hits("/pic.svg")
    code, out, err = cli(
        "convert",
        str(article(tmp_path / "a.html", url)),
        "-o",
        str(site),
        "--json",
        "--allow-private-addresses",
    )
    assert code == 0, err
    post = (site / json.loads(out)["post"]).read_text(encoding="utf-8")
    assert f"postimg/{planted.name})" in post
    assert server.hits("/pic.svg") == before, "reused: no request"


def repost(site: Path, image: str) -> Path:
    post = site / "_posts" / "2022-05-03-svg.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(
        f"---\nlayout: post\ntitle: SVG\n---\n来源：微信公众号\n\n![]({image})\n", encoding="utf-8"
    )
    return post


@pytest.mark.parametrize("name", ["script", "onload", "dtd-entity", "char-ref-javascript"])
def test_fix_refuses_a_hostile_svg_already_in_the_folder(tmp_path: Path, name: str) -> None:
    """No request can be made here (conftest refuses the internet): the refusal comes first."""
    site = tmp_path / "site"
    post = repost(site, WECHAT_SVG)
    plant(site, f"{WECHAT_ID}.svg", body(name))
    before = post.read_bytes()
    code, out, err = cli("fix", str(post), "--json")
    (planned,) = [json.loads(line) for line in out.splitlines()]
    assert planned["images_failed"] == 1 and "in the image folder" in planned["warnings"][0]
    code, out, err = cli("fix", str(post), "--write", "--json")
    assert code == 1, err
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["images_failed"] == 1 and record["images_saved"] == 0
    assert "in the image folder" in record["warnings"][0]
    assert post.read_bytes() == before, "the hot link is kept (it was clean already)"


@pytest.mark.parametrize("hostile", [True, False])
def test_fix_relinks_a_missing_image_only_to_an_inert_svg(tmp_path: Path, hostile: bool) -> None:
    site = tmp_path / "site"
    windows = f"C:\\Users\\me\\export\\img\\{WECHAT_ID}.svg"
    post = repost(site, windows)
    plant(site, f"{WECHAT_ID}.svg", body("script") if hostile else INERT["plain"].encode())
    code, out, err = cli("fix", str(post), "--write", "--images", "remote")
    text = post.read_text(encoding="utf-8")
    if hostile:
        assert f"postimg/{WECHAT_ID}.svg" not in text and code == 1
        assert "missing file" in out
    else:
        assert f"{{{{site.baseurl}}}}/postimg/{WECHAT_ID}.svg)" in text and code == 0, out + err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(n for n in ACTIVE if H in (ACTIVE[n] or ""))), filler=st.text(max_size=40))
def test_no_hostile_svg_in_the_folder_is_ever_referenced(tmp_path: Path, name: str, filler: str) -> None:
    """Any hostile form, with any inert text beside it: the store fails the image and
    gives the clean remote URL."""
    text = ACTIVE[name] or ""
    hostile = text.replace(H, H + f"<desc>{html.escape(filler)}</desc>", 1).encode("utf-8")
    assert svg_problem(hostile) is not None
    site = tmp_path / "site"
    plant(site, f"{WECHAT_ID}.svg", hostile)
    ref = ImageRef(url=WECHAT_SVG + "&tp=webp")
    with ImageStore(site, ImageSettings(prefix="/postimg/")) as store:
        (outcome,) = store.localise([ref], PageSource(html="", origin="test"))
    assert outcome.source == "failed" and outcome.path is None
    assert outcome.reference == WECHAT_SVG and "in the image folder" in outcome.error
