"""Active SVG is never stored: SVG variants served by a loopback server, converted end to end.

An SVG in the blog's image folder is served from the blog's origin, where its
script would run; a refused SVG leaves a warning and the post keeps the image's
clean remote URL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.svg import svg_problem

from .loopback import LoopbackServer, Reply
from .tools import within

H = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="10" height="10">'
)
INERT = {
    "plain": H + '<rect width="10" height="10" style="fill:#c00"/></svg>',
    "local-use-and-raster-data": H
    + '<defs><circle id="c" r="2"/></defs><use href="#c"/><use xlink:href="#c"/>'
    + '<image href="data:image/png;base64,iVBORw0KGgo="/><rect style="fill:url(#g)"/></svg>',
    "public-doctype": '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + H + "<!-- a comment --><rect/></svg>",
    "text-mentioning-script": H + "<text>the word script and onload= in text</text></svg>",
    "quoted-local-url": H + "<style>rect { fill: url( \"#g\" ) } circle { fill: url('#h') }</style></svg>",
}
ACTIVE = {
    "script": H + "<script>alert(1)</script></svg>",
    "prefixed-root-and-script": '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></s:svg>',
    "prefixed-script": H + '<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script></svg>',
    "script-other-namespace": H + '<x:script xmlns:x="urn:anything">alert(1)</x:script></svg>',
    "onload": H.replace("width=", 'onload="alert(1)" width=') + "</svg>",
    "ONLOAD-upper": H.replace("width=", 'ONLOAD="alert(1)" width=') + "</svg>",
    "namespaced-handler": H + '<rect xmlns:e="urn:e" e:onclick="alert(1)"/></svg>',
    "foreignObject": H
    + '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>',
    "xhtml-element": H + '<h:a xmlns:h="http://www.w3.org/1999/xhtml" href="#x">x</h:a></svg>',
    "char-ref-javascript": H + '<a xlink:href="&#106;avascript:alert(1)"><rect/></a></svg>',
    "tab-in-javascript": H
    + '<a href="#x"><set attributeName="href" to="java&#x09;script:alert(1)"/></a></svg>',
    "animate-values": H + '<a><animate attributeName="href" values="JavaScript:alert(1)"/></a></svg>',
    "vbscript": H + '<a href="VBScript:msgbox(1)"><rect/></a></svg>',
    "data-html-link": H + '<a href="data:text/html,x"><rect/></a></svg>',
    "external-image": H + '<image href="https://evil.example/x.png"/></svg>',
    "external-use": H + '<use xlink:href="http://evil.example/x.svg#a"/></svg>',
    "protocol-relative": H + '<image href="//evil.example/x.png"/></svg>',
    "stylesheet-pi": '<?xml-stylesheet href="http://evil.example/x.css"?>' + H + "</svg>",
    "style-import": H + "<style>@import url(http://evil.example/x.css);</style></svg>",
    "style-attribute-url": H + '<rect style="fill:url(https://evil.example/x#a)"/></svg>',
    "style-url-never-closed": H + "<style>rect { fill: url(https://evil.example/x#a</style></svg>",
    "quoted-url-holding-a-paren": H + '<rect style="fill:url(&quot;https://evil.example/a)b&quot;)"/></svg>',
    "css-escaped-javascript": H + "<style>rect { background: url(\\6a avascript:alert(1)) }</style></svg>",
    "dtd-entity": '<!DOCTYPE svg [<!ENTITY js "javascript:alert(1)">]>'
    + H
    + '<a href="&js;"><rect/></a></svg>',
    "dtd-attlist-default": '<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>' + H + "</svg>",
    "billion-laughs": '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    + H
    + "<text>&b;&b;&b;</text></svg>",
    "xinclude": H + '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/></svg>',
    "not-well-formed": H + "<rect></svg>",
    "utf16-script": None,  # filled below: the same script in UTF-16
}
UTF16 = ('<?xml version="1.0" encoding="UTF-16"?>' + H + "<script>alert(1)</script></svg>").encode("utf-16")


def body(name: str) -> bytes:
    if name == "utf16-script":
        return UTF16
    text = ACTIVE.get(name) or INERT[name]
    return text.encode("utf-8")


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_active_svg_is_refused(name: str) -> None:
    assert svg_problem(body(name)) is not None


@pytest.mark.parametrize("name", sorted(INERT))
def test_inert_svg_is_accepted(name: str) -> None:
    assert svg_problem(body(name)) is None


def test_a_stylesheet_of_unclosed_urls_is_read_in_linear_time() -> None:
    """`url\\((.*?)\\)` retried the rest of the text from every unclosed `url(`."""
    svg = (H + "<style>" + "url(" * 200_000 + "</style></svg>").encode()
    with within(30, "200,000 unclosed url("):
        assert svg_problem(svg) == "SVG with an external reference"


def test_svg_variants_served_by_a_loopback_server(tmp_path: Path) -> None:
    names = sorted(INERT) + sorted(ACTIVE)
    with LoopbackServer() as server:
        for name in names:
            server.route(
                f"/{name}.svg", lambda req, n=name: Reply(200, body(n), {"Content-Type": "image/svg+xml"})
            )
        imgs = "".join(f"<p><img data-src='{server.url(f'/{n}.svg')}'></p>" for n in names)
        src = tmp_path / "in.html"
        src.write_text(
            "<html><head><script>var msg_title = 'SVG'.html(false); var ct = \"1651543920\";</script></head>"
            f"<body><div id='js_content'><p>图</p>{imgs}</div></body></html>",
            encoding="utf-8",
        )
        site = tmp_path / "site"
        result = CliRunner().invoke(
            main, ["convert", str(src), "-o", str(site), "--json", "--allow-private-addresses"]
        )
        base = server.base
    assert result.exit_code == 1, result.stderr  # partial: some images refused
    record = json.loads(result.stdout)
    assert record["images_saved"] == len(INERT) and record["images_failed"] == len(ACTIVE)
    stored = sorted((site / "postimg").iterdir())
    assert len(stored) == len(INERT)
    for path in stored:
        assert svg_problem(path.read_bytes()) is None
    post = (site / record["post"]).read_text(encoding="utf-8")
    for name in ACTIVE:  # refused: the post keeps the clean remote URL, the record names it and why
        assert f"]({base}/{name}.svg)" in post
        assert any(f["url"] == f"{base}/{name}.svg" and f["reason"] for f in record["failed_images"]), name
    for name in INERT:
        assert f"/{name}.svg)" not in post
