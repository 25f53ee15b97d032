"""Regular expressions compiled on first use.

The package holds some 150 module-level patterns, and each command uses a part of
them (feeds, web archives, exports and `fix` have their own): compiling them all at
import cost about 40 ms of every start-up. `lazy(pattern, flags)` stands for
`re.compile(pattern, flags)` and compiles when the pattern is first used; after that
its methods are the compiled pattern's own, found without any indirection.
"""

from __future__ import annotations

import re
from typing import Any, cast, overload

# What a compiled pattern offers; copied onto the stand-in once it is compiled.
_ATTRIBUTES = (
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class _Lazy:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for attributes not copied yet
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and friends probe for dunders
        pattern, flags = self._source
        compiled: re.Pattern[Any] = re.compile(pattern, flags)  # type: ignore[call-overload]
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


@overload
def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]: ...
@overload
def lazy(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]: ...
def lazy(pattern: str | bytes, flags: int = 0) -> re.Pattern[str] | re.Pattern[bytes]:
    """`re.compile(pattern, flags)`, compiled on first use (a bad pattern raises then)."""
    return cast("re.Pattern[str] | re.Pattern[bytes]", _Lazy(pattern, flags))
