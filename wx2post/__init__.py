"""wx2post: turn WeChat public-account articles into blog posts.

The Python API mirrors `wx2post convert`; see `wx2post.api.convert`.
Its names are imported on first use (PEP 562), so that `import wx2post.cli` (and
`wx2post --help`) does not load the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Article": "models",
    "ExitStatus": "errors",
    "FetchSettings": "runner",
    "ImageSettings": "images",
    "Options": "models",
    "PageFetcher": "fetch",
    "Result": "runner",
    "WxError": "errors",
    "convert": "api",
    "parse_article": "api",
}

if TYPE_CHECKING:
    from .api import convert, parse_article
    from .errors import ExitStatus, WxError
    from .fetch import PageFetcher
    from .images import ImageSettings
    from .models import Article, Options
    from .runner import FetchSettings, Result

__all__ = [
    "Article",
    "ExitStatus",
    "FetchSettings",
    "ImageSettings",
    "Options",
    "PageFetcher",
    "Result",
    "WxError",
    "__version__",
    "convert",
    "parse_article",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wx2post' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
