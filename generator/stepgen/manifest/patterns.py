"""The portable subset of regular expressions.

A ``pattern`` must give the same verdict in Python's ``re``, in pydantic's Rust regex
engine and in JavaScript (the generated Zod compiles it with ``new RegExp(p, "u")``),
so only a subset that means the same in all of them is accepted; the ``.`` and ``$``
that still differ are rewritten by ``stepgen_runtime.patterns``. The subset is a
whitelist, read by a small parser:

- literal characters (not one of ``^ $ \\ . * + ? ( ) [ ] { } |``), ``.``, ``^``,
  ``$``, ``|`` and capturing groups ``( … )``;
- the quantifiers ``*``, ``+``, ``?``, ``{n}``, ``{n,}`` and ``{n,m}`` (n ≤ m), each
  optionally made lazy by one ``?``, after a character, a class, an escape or a group;
- character classes ``[…]`` and ``[^…]`` of characters and ranges in order, without an
  unescaped ``[`` or ``]`` inside and without ``&&``, ``--``, ``~~`` or ``||``;
- the escapes ``\\^ \\$ \\\\ \\. \\* \\+ \\? \\( \\) \\[ \\] \\{ \\} \\| \\/``, ``\\-``
  inside a class, ``\\t \\n \\r \\f \\v``, ``\\xHH`` and ``\\uHHHH`` (not a surrogate).

Everything else is refused with the reason: lookaround and other ``(?`` groups,
back-references, Unicode property classes, word boundaries, the shorthand classes
``\\d``, ``\\w``, ``\\s`` (whose members differ between engines), and the constructs
Python reads one way and JavaScript refuses (``a{,3}``, ``a++``, ``\\a``, a lone
``{``, octal escapes, ``[[:alpha:]]``, …).
"""

from __future__ import annotations

import re
import warnings

_DIFFER = "which differ between Python and JavaScript"
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_CONTROL = frozenset("tnrfv")
_PORTABLE_ESCAPES = (
    "a backslash before one of ^ $ \\ . * + ? ( ) [ ] { } | /, "
    "\\t \\n \\r \\f \\v, \\xHH and \\uHHHH"
)
_QUANTIFIER = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
_OMITTED_MINIMUM = re.compile(r"\{,[0-9]*\}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_SET_OPERATIONS = ("&&", "--", "~~", "||")
# Escapes refused because their meaning differs between the engines, with the words
# the message uses for them.
_SHORTHANDS = {
    "d": "\\d (write [0-9])",
    "D": "\\D (write [^0-9])",
    "w": "\\w (write [A-Za-z0-9_])",
    "W": "\\W (write [^A-Za-z0-9_])",
    "s": "\\s or \\S (list the whitespace characters)",
    "S": "\\s or \\S (list the whitespace characters)",
    "b": "word boundaries (\\b)",
    "B": "word boundaries (\\b)",
    "A": "anchors \\A, \\Z, \\z (use ^ and $)",
    "Z": "anchors \\A, \\Z, \\z (use ^ and $)",
    "z": "anchors \\A, \\Z, \\z (use ^ and $)",
}


class _Refused(Exception):
    """The first construct of a pattern that is outside the portable subset."""


def _uses(what: str) -> _Refused:
    return _Refused(f"the pattern uses {what}, {_DIFFER}")


def portability_problem(pattern: str) -> str | None:
    """Say why ``pattern`` is outside the portable subset, or return None."""
    try:
        with warnings.catch_warnings():
            # "Possible nested set" and the like: refused below with a reason.
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error as error:
        return f"the pattern is not a valid regular expression: {error}"
    try:
        _Parser(pattern).parse()
    except _Refused as refused:
        return str(refused)
    return None


class _Parser:
    """Reads a pattern left to right and raises ``_Refused`` at the first problem."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.index = 0

    def parse(self) -> None:
        pattern = self.pattern
        # Whether the last thing read can take a quantifier, and whether it was one.
        repeatable = False
        quantified = False
        depth = 0
        while self.index < len(pattern):
            start = self.index
            char = pattern[start]
            if char in "*+?{":
                self._quantifier(repeatable, quantified)
                repeatable, quantified = False, True
                continue
            quantified = False
            if char == "\\":
                self._escape(in_class=False)
                repeatable = True
            elif char == "[":
                self._character_class()
                repeatable = True
            elif char == "(":
                if pattern.startswith("(?", start):
                    raise _uses(
                        "groups with (? (lookaround, named groups, inline flags)"
                    )
                depth += 1
                self.index += 1
                repeatable = False
            elif char == ")":
                if depth == 0:
                    raise _Refused(
                        f"the pattern has an unopened ')' at position {start}"
                    )
                depth -= 1
                self.index += 1
                repeatable = True
            elif char in "|^$":
                self.index += 1
                repeatable = False
            elif char in "]}":
                raise _Refused(
                    f"the pattern has a lone '{char}' at position {start}, which "
                    f"JavaScript refuses; write \\{char} for the character"
                )
            else:
                self._literal(char, start)
                self.index += 1
                repeatable = True
        if depth:
            raise _Refused("the pattern has an unclosed '('")

    def _quantifier(self, repeatable: bool, quantified: bool) -> None:
        pattern, start = self.pattern, self.index
        if pattern[start] == "{":
            found = _QUANTIFIER.match(pattern, start)
            if found is None:
                if _OMITTED_MINIMUM.match(pattern, start):
                    raise _Refused(
                        f"the pattern has a quantifier without its minimum at "
                        f"position {start}, which JavaScript refuses; write {{0,m}} "
                        "for {,m}"
                    )
                raise _Refused(
                    f"the pattern has a '{{' at position {start} that does not start "
                    "a quantifier {n}, {n,} or {n,m}, which JavaScript refuses; "
                    "write \\{ for the character"
                )
            low, comma, high = found.group(1), found.group(2), found.group(3)
            if comma and high and int(low) > int(high):
                raise _Refused(
                    f"the pattern has the quantifier {found.group()} at position "
                    f"{start}, whose minimum is greater than its maximum"
                )
            self.index = found.end()
        else:
            self.index += 1
        if quantified:
            raise _Refused(
                f"the pattern has a quantifier at position {start} right after "
                "another (as in a++ or a**), which JavaScript refuses; one "
                "quantifier may be followed only by ? to make it lazy"
            )
        if not repeatable:
            raise _Refused(
                f"the pattern has a quantifier at position {start} with nothing "
                "to repeat"
            )
        if pattern.startswith("?", self.index):
            self.index += 1

    def _literal(self, char: str, position: int) -> None:
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise _Refused(
                f"the pattern holds the lone surrogate U+{ord(char):04X} at position "
                f"{position}, which JavaScript and Python read differently"
            )

    def _escape(self, *, in_class: bool) -> int:
        """Read the escape at the index and return the code point it stands for."""
        pattern, start = self.pattern, self.index
        following = pattern[start + 1 : start + 2]
        if not following:
            raise _Refused("the pattern ends with a lone backslash")
        self.index = start + 2
        if following in _SYNTAX or (in_class and following == "-"):
            return ord(following)
        if following in _CONTROL:
            return ord("\t\n\r\f\v"["tnrfv".index(following)])
        if following == "x" and _HEX2.fullmatch(pattern, start + 2, start + 4):
            self.index = start + 4
            return int(pattern[start + 2 : start + 4], 16)
        if following == "u" and _HEX4.fullmatch(pattern, start + 2, start + 6):
            self.index = start + 6
            point = int(pattern[start + 2 : start + 6], 16)
            if 0xD800 <= point <= 0xDFFF:
                raise _Refused(
                    f"the pattern uses the escape {pattern[start:start + 6]} at "
                    f"position {start}, a surrogate, which JavaScript joins with its "
                    "neighbour and Python does not; write the character itself"
                )
            return point
        if following in _SHORTHANDS:
            raise _uses(_SHORTHANDS[following])
        if following in "pP" and pattern.startswith("{", start + 2):
            raise _uses("Unicode property classes (\\p{…})")
        if following == "k" and pattern.startswith("<", start + 2):
            raise _uses("named back-references")
        if following in "123456789":
            raise _uses("back-references")
        shown = (
            f"\\{following}"
            if following.isprintable()
            else f"\\ before U+{ord(following):04X}"
        )
        raise _Refused(
            f"the pattern uses the escape {shown} at position {start}, which "
            f"is not portable{_hint(following, in_class)}; the portable escapes "
            f"are {_PORTABLE_ESCAPES}"
            + (", and \\- inside a character class" if not in_class else "")
        )

    def _character_class(self) -> None:
        pattern, start = self.pattern, self.index
        self.index += 1
        if pattern.startswith("^", self.index):
            self.index += 1
        if pattern.startswith("]", self.index):
            raise _Refused(
                f"the character class at position {start} starts with ']', which "
                "JavaScript reads as the end of an empty class; write \\] for the "
                "character"
            )
        while True:
            low, low_at = self._class_atom(start)
            if low is None:
                return
            if pattern.startswith("-", self.index) and not pattern.startswith(
                "-]", self.index
            ):
                self._no_set_operation(start, self.index)
                self.index += 1
                high, _ = self._class_atom(start)
                if high is None:  # unreachable: "-]" was ruled out above
                    return
                if low > high:
                    raise _Refused(
                        f"the character class at position {start} has a range at "
                        f"position {low_at} whose ends are out of order"
                    )

    def _no_set_operation(self, start: int, at: int) -> None:
        for operation in _SET_OPERATIONS:
            if self.pattern.startswith(operation, at):
                raise _Refused(
                    f"the character class at position {start} holds {operation} at "
                    f"position {at}, which some engines read as a set operation; "
                    "escape one of the two characters"
                )

    def _class_atom(self, start: int) -> tuple[int | None, int]:
        """The code point of the next member of a class, or None at its end."""
        pattern, at = self.pattern, self.index
        if at >= len(pattern):
            raise _Refused(f"the character class at position {start} is not closed")
        char = pattern[at]
        if char == "]":
            self.index += 1
            return None, at
        self._no_set_operation(start, at)
        if char == "[":
            raise _Refused(
                f"the character class at position {start} holds an unescaped '[' at "
                f"position {at} (a nested class or [:alpha:] in some engines, a "
                "syntax error in JavaScript); write \\[ for the character"
            )
        if char == "\\":
            return self._escape(in_class=True), at
        self._literal(char, at)
        self.index += 1
        return ord(char), at


def _hint(char: str, in_class: bool) -> str:
    if char == "-" and not in_class:
        return (
            " outside a character class (JavaScript refuses it there; write - "
            "without the backslash)"
        )
    if char == "0":
        return " (pydantic's Rust engine refuses it; write \\xHH for a character by its code)"
    if char in "UN":
        return " (JavaScript refuses it; write the character itself or \\uHHHH)"
    if char == "a":
        return " (JavaScript refuses it; write \\x07 for the bell character)"
    if char.isascii() and not char.isalnum() and char.isprintable():
        return f" (JavaScript refuses it; write '{char}' without the backslash)"
    return ""
