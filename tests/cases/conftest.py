"""Golden cases: `tests/cases/<name>/input.html` + `expected.md` (+ `options.json`).

`pytest --update-golden` rewrites every `expected.md` from the current output;
review the diff before committing it. The option is registered here; for pytest
to see it on a bare `pytest --update-golden`, the top-level tests/conftest.py
loads this file with `pytest_plugins = ["tests.cases.conftest"]`. Setting
`WX2POST_UPDATE_GOLDEN=1` works without either.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        parser.addoption(
            "--update-golden",
            action="store_true",
            default=False,
            help="rewrite tests/cases/*/expected.md from the current output",
        )
    except ValueError:
        pass  # registered already: this file is both a plugin and a conftest
