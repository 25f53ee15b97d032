"""Start-up: what one `wx2post` process costs, beside `python -c pass`.

    python benchmarks/startup.py [--rounds 15]

Times whole processes, as a publishing script or a shell loop pays them:
`python -c pass` (the interpreter alone, the baseline), `wx2post --help`,
`wx2post --version`, an option error (`wx2post convert --jobs 0`, exit 2) and
converting one small saved page (made from tests/pages.py) into a new site.

wx2post runs as the README installs it (`pip install .`): the package copied into
the site-packages of a fresh virtual environment made for this run, its bytecode
compiled, with the `wx2post` console script pip writes; its dependencies are this
Python's own (a path file names them). A developer's editable install is not what
users run: it adds an import hook to every interpreter start (about 25 ms, paid by
`python -c pass` too), and under PYTHONDONTWRITEBYTECODE it has no bytecode cache.
`--as-is` times the `wx2post` beside this Python instead (or `python -m wx2post`).
The commands take turns, round after round, so a busy machine slows them alike:
each row gives the median wall time, and the median of the per-round ratios to
`python -c pass` (the fresh environment's Python, or this one with `--as-is`).
Targets (issue 13): under 0.15 s for --help, --version and option errors, and
under 0.3 s to convert one small saved page, per process on this 2-core machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pages import article_html  # noqa: E402


def wx2post_command() -> list[str]:
    script = Path(sys.executable).with_name("wx2post")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "wx2post"]


CONSOLE_SCRIPT = """#!{python}
import re
import sys
from wx2post.cli import run
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(run())
"""


def installed_copy(folder: Path) -> tuple[str, list[str]]:
    """A fresh environment holding wx2post as `pip install .` leaves it: (python, wx2post)."""
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "wx2post-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "wx2post", site / "wx2post", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(site / "wx2post", quiet=1)
    script = folder / "bin" / "wx2post"
    script.write_text(CONSOLE_SCRIPT.format(python=python), encoding="utf-8")
    script.chmod(0o755)
    return str(python), [str(script)]


def wall(cmd: list[str], expect: int) -> float:
    start = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT).returncode
    elapsed = time.perf_counter() - start
    if code != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {code}, expected {expect}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--as-is", action="store_true", help="time the wx2post beside this Python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.as_is:
            python, wx = sys.executable, wx2post_command()
        else:
            python, wx = installed_copy(Path(tmp) / "env")
        page = Path(tmp) / "page.html"
        page.write_text(article_html(1), encoding="utf-8")
        site = Path(tmp) / "site"
        commands: dict[str, tuple[list[str], int, float | None]] = {
            "python -c pass": ([python, "-c", "pass"], 0, None),
            "wx2post --help": ([*wx, "--help"], 0, 0.15),
            "wx2post --version": ([*wx, "--version"], 0, 0.15),
            "option error (exit 2)": ([*wx, "convert", str(page), "--jobs", "0"], 2, 0.15),
            "convert one small page": ([*wx, "convert", str(page), "-o", str(site), "-q"], 0, 0.3),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for cmd, expect, _ in commands.values():
            wall(cmd, expect)  # warm the file cache
        for _ in range(args.rounds):
            for name, (cmd, expect, _) in commands.items():
                shutil.rmtree(site, ignore_errors=True)
                times[name].append(wall(cmd, expect))
    base = times["python -c pass"]
    print(f"{' '.join(wx)}; {args.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':26} {'median':>9} {'x python -c pass':>17}  target")
    for name, (_, _, target) in commands.items():
        median = statistics.median(times[name])
        ratio = statistics.median(t / b for t, b in zip(times[name], base, strict=True))
        verdict = "" if target is None else f"< {target} s: " + ("meets" if median < target else "MISSES")
        print(f"{name:26} {median * 1e3:7.1f}ms {ratio:16.1f}x  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
