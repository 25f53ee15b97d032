"""Convert many inputs: one Result per input, and the run's exit status.

batch.py: `Runner`, inputs in order -> results (links, albums, feeds, saved pages; every
failure a Result). pool.py: `DraftPool`, saved pages drafted in worker processes.
publish.py: `Publisher`, one article's post written and recorded. resources.py: the run's
HTTP client, image stores and page fetcher. crosslinks.py: links between converted
articles (pure). results.py: `Result` (the `--json` record) and `FetchSettings`.
"""

from .batch import Runner
from .results import FetchSettings, Result

__all__ = ["FetchSettings", "Result", "Runner"]
