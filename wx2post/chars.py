"""Characters a page may hold but nothing wx2post builds or shows may (pure).

- `xml_safe`: what an lxml tree accepts. lxml refuses a string holding NUL or a C0
  control character ("All strings must be XML compatible"), and libxml2's HTML
  parser keeps them in attribute values, so a single 0x08 in an `href` used to
  fail the whole article when the link was cleaned and written back.
- `one_line`: what a title, an account name, a file name or a terminal message may
  hold: no control characters, no terminal escape sequences (ESC [ ... m would
  recolour or rewrite the user's terminal) and no bidirectional overrides (U+202E
  makes `gnp.exe` read as `exe.png`), white space as single spaces.
"""

from __future__ import annotations

from .lazyre import lazy

# C0 controls except tab, newline and carriage return; DEL; the C1 controls (0x9b
# is a one-byte CSI on some terminals); the noncharacters XML forbids; lone
# surrogates (a JS `\ud800` escape).
_NOT_XML = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Terminal escape sequences: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \),
# and any other two-character ESC sequence.
_ESCAPE_SEQUENCE = lazy(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
# Bidirectional embeddings, overrides, isolates and marks.
_BIDI = lazy("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = lazy(r"[\s\u2028\u2029]+")


def xml_safe(text: str) -> str:
    """`text` without the characters an XML tree refuses (tab, newline, CR kept)."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def one_line(text: str) -> str:
    """`text` fit to show as one line: escape sequences, controls and bidi overrides
    removed, runs of white space (newlines included) made one space, stripped."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _NOT_XML.sub("", _BIDI.sub("", text))
    return _SPACES.sub(" ", text).strip()


def terminal_safe(message: str) -> str:
    """A message for standard error: each line made safe as `one_line` makes it."""
    return "\n".join(one_line(line) for line in message.split("\n"))
