"""The state's records and their validation (pure): nothing read from disk is trusted.

A state file is only data to wx2post, but a path in it becomes a write target. So every
entry is checked before use: known keys, the right types, a sha256 that is one, and a post
path that is relative, normalised, inside the site and names a Markdown file (`"path": 5`,
`"path": "_posts"` or `"../x.md"` are refused). Anything else makes the whole file
`CorruptState`: it is moved aside and rebuilt from the posts (see rebuild.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..lazyre import lazy

VERSION = 1
POST_SUFFIXES = (".md", ".markdown")
_SHA256 = lazy(r"[0-9a-f]{64}")
_CONTROL = lazy(r"[\x00-\x1f\x7f]")
_ENTRY_KEYS = {"path", "sha256", "complete", "adopted"}
_TOP_KEYS = {"version", "posts", "inputs"}
_OPS = {"intent", "set", "done"}
MAX_TEXT = 4096  # longer identities, keys or paths are not wx2post's


class CorruptState(ValueError):
    """A state file or journal line that is not what wx2post writes."""


@dataclass
class Written:
    """What wx2post wrote for one article."""

    path: str  # relative to the site, POSIX separators
    sha256: str
    complete: bool = True  # every image was saved
    adopted: bool = False  # found by a rebuild from the posts, not recorded when written

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "complete": self.complete}
        if self.adopted:
            data["adopted"] = True
        return data


def valid_post_path(value: object) -> str:
    """`value` if it can name a post inside the site, else CorruptState."""
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise CorruptState(f"post path {value!r:.80} is not a non-empty string")
    if _CONTROL.search(value) or "\\" in value:
        raise CorruptState(f"post path {value!r:.80} has control characters or backslashes")
    parts = value.split("/")
    pure = PurePosixPath(value)
    if pure.is_absolute() or any(p in ("", ".", "..") for p in parts) or len(parts) < 2:
        raise CorruptState(f"post path {value!r:.80} is not a relative path below a posts folder")
    if pure.suffix.lower() not in POST_SUFFIXES:
        raise CorruptState(f"post path {value!r:.80} does not name a Markdown file")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\x00" in value:
        raise CorruptState(f"{what} {value!r:.80} is not a non-empty string")
    return value


def parse_entry(value: object) -> Written:
    if not isinstance(value, dict):
        raise CorruptState(f"a post entry is {type(value).__name__}, not an object")
    unknown = set(value) - _ENTRY_KEYS
    if unknown:
        raise CorruptState(f"unknown keys in a post entry: {sorted(unknown)!r:.80}")
    sha = value.get("sha256")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise CorruptState(f"sha256 {sha!r:.80} is not a sha256")
    complete, adopted = value.get("complete", True), value.get("adopted", False)
    if not isinstance(complete, bool) or not isinstance(adopted, bool):
        raise CorruptState("'complete' and 'adopted' must be true or false")
    return Written(valid_post_path(value.get("path")), sha, complete, adopted)


def loads(text: str) -> Any:
    """json.loads that turns every way JSON can fail (deep nesting too) into CorruptState."""
    try:
        return json.loads(text)
    except RecursionError:
        raise CorruptState("nested too deeply") from None
    except ValueError as error:
        raise CorruptState(f"not JSON ({error})") from None


def parse_state(text: str) -> tuple[dict[str, Written], dict[str, str]]:
    """posts.json -> (identity -> Written, input key -> identity)."""
    raw = loads(text)
    if not isinstance(raw, dict):
        raise CorruptState(f"the top level is {type(raw).__name__}, not an object")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise CorruptState(f"unknown keys: {sorted(unknown)!r:.80}")
    if raw.get("version", VERSION) != VERSION or isinstance(raw.get("version"), bool):
        raise CorruptState(f"version {raw.get('version')!r:.20} is not {VERSION}")
    posts_raw, inputs_raw = raw.get("posts", {}), raw.get("inputs", {})
    if not isinstance(posts_raw, dict) or not isinstance(inputs_raw, dict):
        raise CorruptState("'posts' and 'inputs' must be objects")
    posts = {_text(k, "identity"): parse_entry(v) for k, v in posts_raw.items()}
    inputs = {_text(k, "input key"): _text(v, "identity") for k, v in inputs_raw.items()}
    check_distinct(posts)
    return posts, inputs


def check_distinct(posts: dict[str, Written]) -> None:
    seen: dict[str, str] = {}
    for identity, written in posts.items():
        other = seen.setdefault(written.path, identity)
        if other != identity:
            raise CorruptState(f"two articles recorded at {written.path!r:.80}")


def dumps_state(posts: dict[str, Written], inputs: dict[str, str]) -> bytes:
    payload = {
        "version": VERSION,
        "posts": {k: v.as_json() for k, v in sorted(posts.items())},
        "inputs": dict(sorted(inputs.items())),
    }
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@dataclass
class JournalLine:
    """One line of the journal: `intent` (before a post is written), `done` (after), or
    `set` (recorded with no write: the file already held these bytes)."""

    op: str
    identity: str
    written: Written | None = None
    input_key: str = ""


def parse_line(text: str) -> JournalLine:
    raw = loads(text)
    if not isinstance(raw, dict) or raw.get("op") not in _OPS:
        raise CorruptState(f"journal line {text[:80]!r} is not an operation")
    identity = _text(raw.get("post"), "identity")
    if raw["op"] == "done":
        if set(raw) != {"op", "post"}:
            raise CorruptState(f"journal line {text[:80]!r} has unknown keys")
        return JournalLine("done", identity)
    entry = {k: v for k, v in raw.items() if k not in ("op", "post", "input")}
    key = raw.get("input", "")
    return JournalLine(raw["op"], identity, parse_entry(entry), _text(key, "input key") if key else "")


def dumps_line(line: JournalLine) -> bytes:
    data: dict[str, Any] = {"op": line.op, "post": line.identity}
    if line.written is not None:
        data.update(line.written.as_json())
    if line.input_key:
        data["input"] = line.input_key
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
