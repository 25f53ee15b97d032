"""What a run prints: results on standard output, everything else on standard error.

- default: the path of each post written (or the post itself with --stdout);
- `--json`: one JSON object per input (the schema is `Result`, documented in the README);
- standard error: warnings and errors (unless --quiet), a progress line when it is a
  terminal, and a summary at the end.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TextIO

from ..chars import terminal_safe
from ..runner import Result, Runner
from ..urls import redact


def shown(text: str) -> str:
    """A line for standard error: credentials redacted, and no control character,
    escape sequence or bidi override that an input's name or title carried."""
    return terminal_safe(redact(text))


JSON_FIELDS = tuple(f.name for f in dataclasses.fields(Result))


def result_json(result: Result) -> str:
    record = dataclasses.asdict(result)
    record["warnings"] = [redact(w) for w in result.warnings]
    record["reason"] = redact(result.reason)
    record["failed_images"] = [{k: redact(v) for k, v in image.items()} for image in result.failed_images]
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


class Reporter:
    def __init__(
        self,
        out: Callable[[str], None],
        err: TextIO,
        *,
        as_json: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        progress: bool = False,
        dry_run: bool = False,
    ) -> None:
        self.out, self.err = out, err
        self.dry_run = dry_run
        self.as_json, self.quiet, self.verbose, self.progress = as_json, quiet, verbose, progress
        self.seen = 0
        self._line = False

    # Runner callbacks ---------------------------------------------------------------
    def emit(self, text: str) -> None:
        """A post path or post text; with --json, the JSON record is the only result line."""
        if not self.as_json:
            self.out(text)

    def warn(self, text: str) -> None:
        if self.quiet and not text.startswith("wx2post: error:"):  # -q: errors only
            return
        self._clear()
        print(shown(text), file=self.err)

    def report(self, result: Result) -> None:
        self.seen += 1
        if self.as_json:
            self.out(result_json(result))
        if self.verbose:
            self._clear()
            detail = (
                f" ({result.images_saved} images saved, {result.images_failed} failed)" if result.post else ""
            )
            print(shown(f"wx2post: {result.status}: {result.source}{detail}"), file=self.err)
            for image in result.failed_images:  # the detail behind the one-line summary
                print(shown(f"wx2post: image not saved: {image['url']}: {image['reason']}"), file=self.err)
        if self.progress:
            self._progress(result)

    # Output helpers -----------------------------------------------------------------
    def _progress(self, result: Result) -> None:
        line = shown(f"wx2post: {self.seen} done, last {result.status}: {result.title[:40]}")
        self.err.write(f"\r\x1b[K{line}")
        self.err.flush()
        self._line = True

    def _clear(self) -> None:
        if self._line:
            self.err.write("\r\x1b[K")
            self._line = False

    def summary(self, runner: Runner, skipped_files: int) -> None:
        self._clear()
        if runner.stopped_by_verification:  # an error: the run did not finish (also under -q)
            print(
                "wx2post: error: stopped early: WeChat asked for a verification. Wait before trying "
                "again, use a longer --delay, or save the pages from a browser and convert the files.",
                file=self.err,
            )
        if self.seen < 2 or self.quiet:
            return  # one article: its own line already said everything; -q: errors only
        c = runner.counts
        converted = "would convert" if self.dry_run else "converted"
        parts = [f"{c['converted']} {converted}", f"{c['unchanged']} unchanged", f"{c['skipped']} skipped"]
        if skipped_files:
            parts.append(f"{skipped_files} other files ignored")
        parts.append(f"{c['failed']} failed")
        if runner.partial:
            parts.append(f"{runner.partial} with missing images")
        print("wx2post: " + ", ".join(parts), file=self.err)
        for failure in runner.failures:
            print("  " + shown(f"failed: {failure.source}: {failure.reason}"), file=self.err)
