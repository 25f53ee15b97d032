"""The run-time dependencies are exactly the third-party packages the product imports."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """`PyYAML>=6.0` -> `pyyaml`, `tomli>=1.1; python_version < '3.11'` -> `tomli`."""
    base = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", base).lower()


def imported_distributions() -> dict[str, set[str]]:
    """Distribution -> the product modules that import it (any import, lazy ones included)."""
    owners = packages_distributions()
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "wx2post").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "wx2post":
                    continue
                for dist in owners.get(top, [top]):
                    used.setdefault(_name(dist), set()).add(str(path.relative_to(ROOT)))
    return used


def test_runtime_dependencies_are_what_the_product_imports() -> None:
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    used = imported_distributions()
    missing = set(used) - declared
    unused = declared - set(used)
    assert not missing, f"imported but not declared: {sorted(missing)} ({[sorted(used[m]) for m in missing]})"
    assert not unused, f"declared but never imported by wx2post/: {sorted(unused)} (move to the test extra)"


def test_benchmark_and_comparison_packages_are_test_only() -> None:
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    test = {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]}
    for name in ("html2text", "markdownify", "beautifulsoup4"):
        assert name not in declared and name in test
