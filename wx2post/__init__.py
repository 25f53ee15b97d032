"""wx2post: turn WeChat public-account articles into blog posts.

The Python API mirrors `wx2post convert`; see `wx2post.api.convert`.
"""

__version__ = "0.1.0"

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
