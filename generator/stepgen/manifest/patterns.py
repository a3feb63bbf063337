"""The portable subset of regular expressions.

A ``pattern`` must give the same verdict in Python's ``re``, in pydantic's Rust regex
engine and in JavaScript, so constructs whose meaning differs between them are refused:
lookaround, back-references, named groups, inline flags, Unicode property classes,
word boundaries and the shorthand classes ``\\d``, ``\\w``, ``\\s`` (whose members
differ between engines).
"""

from __future__ import annotations

import re

_REFUSED = (
    (re.compile(r"\(\?"), "groups with (? (lookaround, named groups, inline flags)"),
    (re.compile(r"\\[1-9]"), "back-references"),
    (re.compile(r"\\k<"), "named back-references"),
    (re.compile(r"\\[pP]\{"), "Unicode property classes (\\p{…})"),
    (re.compile(r"\\d"), "\\d (write [0-9])"),
    (re.compile(r"\\D"), "\\D (write [^0-9])"),
    (re.compile(r"\\w"), "\\w (write [A-Za-z0-9_])"),
    (re.compile(r"\\W"), "\\W (write [^A-Za-z0-9_])"),
    (re.compile(r"\\[sS]"), "\\s or \\S (list the whitespace characters)"),
    (re.compile(r"\\[bB]"), "word boundaries (\\b)"),
    (re.compile(r"\\[AZz]"), "anchors \\A, \\Z, \\z (use ^ and $)"),
)


def portability_problem(pattern: str) -> str | None:
    """Say why ``pattern`` is outside the portable subset, or return None."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"the pattern is not a valid regular expression: {error}"
    # Drop escaped backslashes so that "\\\\d" (a literal backslash, then d) passes.
    probe = pattern.replace("\\\\", "")
    for finder, what in _REFUSED:
        if finder.search(probe):
            return (
                f"the pattern uses {what}, which differ between Python and JavaScript"
            )
    return None
