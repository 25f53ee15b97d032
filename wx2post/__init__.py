"""wx2post: turn WeChat public-account articles into blog posts."""

__version__ = "0.1.0"
