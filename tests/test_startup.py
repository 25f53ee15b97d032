"""Start-up: the command line loads the pipeline only when it is about to run it.

Every `wx2post` call pays for what `import wx2post.cli` imports, so `--help`,
`--version` and a mistyped option must not import requests, BeautifulSoup, lxml or
the conversion stages. Each case runs in a fresh interpreter and reads its
`sys.modules` (timing would be flaky on a shared machine; what is imported is not).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Third-party packages and product modules that belong to a run, not to parsing options.
HEAVY_PACKAGES = ("requests", "urllib3", "bs4", "soupsieve", "lxml", "yaml", "pypinyin", "charset_normalizer")
PIPELINE = (
    "wx2post.api",
    "wx2post.runner",
    "wx2post.pipeline",
    "wx2post.parse",
    "wx2post.clean",
    "wx2post.render",
    "wx2post.post",
    "wx2post.sources",
    "wx2post.fetch",
    "wx2post.download",
    "wx2post.store",
    "wx2post.images",
    "wx2post.fix",
    "wx2post.state",
    "wx2post.cli.report",
)

PROBE = """
import json, sys
from wx2post.cli import main
try:
    main(sys.argv[1:], prog_name="wx2post")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)
"""


def loaded_modules(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        m
        for m in modules
        if m.split(".")[0] in HEAVY_PACKAGES or any(m == p or m.startswith(p + ".") for p in PIPELINE)
    )


def test_importing_the_cli_loads_no_pipeline() -> None:
    code = "import json, sys, wx2post.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert heavy(set(json.loads(done.stdout))) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["convert", "--help"],
        ["convert", "--no-such-option"],
        ["convert", "--jobs", "0", "page.html"],
        ["convert"],  # no inputs: a usage error
        ["fix", "--help"],
        ["init", "--help"],
        ["no-such-command"],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_help_version_and_usage_errors_load_no_pipeline(args: list[str], tmp_path: Path) -> None:
    assert heavy(loaded_modules(*args, cwd=tmp_path)) == []


def test_a_site_config_is_read_without_the_pipeline(tmp_path: Path) -> None:
    (tmp_path / "wx2post.toml").write_text('preset = "hugo"\ntags = ["a"]\n', encoding="utf-8")
    assert heavy(loaded_modules("convert", "--help", cwd=tmp_path)) == []


def test_the_probe_sees_a_real_run_load_the_pipeline(tmp_path: Path) -> None:
    """The check above can fail: a conversion does import the stages."""
    modules = loaded_modules("convert", str(tmp_path / "missing.html"), "-o", str(tmp_path), cwd=tmp_path)
    assert "wx2post.runner" in modules


def test_converting_a_saved_page_imports_no_beautifulsoup(tmp_path: Path) -> None:
    """A saved page is decoded without bs4 (and its CSS-selector parser soupsieve)."""
    page = tmp_path / "a.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<h1 id='activity-name'>标题</h1><div id='js_content'><p>正文。</p></div>"
        '<script>var ct = "1700000000";</script></body></html>',
        encoding="utf-8",
    )
    modules = loaded_modules("convert", str(page), "--stdout", cwd=tmp_path)
    assert "wx2post.pipeline" in modules
    assert sorted(m for m in modules if m.split(".")[0] in ("bs4", "soupsieve")) == []


# What only some runs need: the HTTP stack (a download or a fetch), the email package (an
# MHTML file, a fetched page's Content-Type), the process pool (two saved pages or more),
# zipfile (a ZIP export).
RUN_ONLY = (
    "requests",
    "urllib3",
    "email",
    "multiprocessing",
    "concurrent.futures.process",
    "zipfile",
    "wx2post.http",
    "wx2post.structure",
)


def small_page(folder: Path, name: str = "a.html", images: str = "") -> Path:
    page = folder / name
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f"<h1 id='activity-name'>标题{name}</h1><div id='js_content'><p>正文。</p>{images}</div>"
        '<script>var ct = "1700000000";</script></body></html>',
        encoding="utf-8",
    )
    return page


def test_converting_one_saved_page_into_a_site_loads_only_what_it_uses(tmp_path: Path) -> None:
    """One saved page without pictures, written into a site: no network stack, no mail
    parser, no process pool, no ZIP reader (each costs start-up that every call pays)."""
    page = small_page(tmp_path)
    modules = loaded_modules("convert", str(page), "-o", str(tmp_path / "site"), cwd=tmp_path)
    assert (tmp_path / "site" / "_posts").is_dir()
    assert sorted(m for m in RUN_ONLY if m in modules - interpreter_modules()) == []


def interpreter_modules() -> set[str]:
    """What this Python loads before any code of ours runs: a site's `.pth` files may
    import packages at start-up (a sandbox's certifi hook brings zipfile)."""
    code = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_each_run_only_module_is_loaded_when_its_input_needs_it(tmp_path: Path) -> None:
    """The check above can fail: two pages start the pool, and a picture with --images
    local needs the HTTP client (the download fails offline; the import is what counts)."""
    pages = [str(small_page(tmp_path, f"p{i}.html")) for i in range(2)]
    modules = loaded_modules("convert", *pages, "--jobs", "2", "-o", str(tmp_path / "s1"), cwd=tmp_path)
    assert "concurrent.futures.process" in modules
    picture = "<img data-src='http://127.0.0.1:9/a.png'>"
    page = small_page(tmp_path, "pic.html", images=picture)
    modules = loaded_modules(
        "convert", str(page), "-o", str(tmp_path / "s2"), "--images", "local", cwd=tmp_path
    )
    assert "wx2post.http" in modules and "requests" in modules


def test_module_level_patterns_compile_on_first_use() -> None:
    """Importing every conversion module compiles no regular expression of the package's
    own: each is compiled when first used (`wx2post.lazyre`)."""
    code = (
        "import re, sys\n"
        "import click, lxml.html, yaml, filelock, nh3\n"  # third-party ones compile their own
        "ours = []\n"
        "real = re._compile\n"
        "def spy(pattern, flags):\n"
        "    caller = sys._getframe(2).f_globals.get('__name__', '')\n"
        "    if caller.startswith('wx2post'):\n"
        "        ours.append(caller)\n"
        "    return real(pattern, flags)\n"
        "re._compile = spy\n"
        "import wx2post.cli.report, wx2post.runner, wx2post.store, wx2post.follow, wx2post.fix\n"
        "import wx2post.lazyre\n"
        "wx2post.jsvars._ASSIGN_FORMS  # touched: no compile yet\n"
        "print(len(ours))\n"
        "wx2post.urls.scan._BODY.match('https://example.com/')\n"
        "print(len(ours))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(int, done.stdout.split())
    assert before == 0
    assert after == 1  # and the spy sees a first use
