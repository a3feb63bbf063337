"""Formatting Python source with black, the project's pinned formatter."""

from __future__ import annotations

import ast
import io
import tokenize

LINE_LENGTH = 88
# Characters from U+1100 on may be wide; black counts a wide character as two
# columns, so counting every one of them as two never misses a line black rewraps.
_FIRST_WIDE = 0x1100


def warm_formatter() -> None:
    """Load black and run it once (its grammar and patterns load on first use) now,
    while this process would otherwise wait for a worker."""
    format_python("pass\n")


def format_python(source: str) -> str:
    """Format Python source with black, the project's pinned formatter."""
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
    return black.format_str(source, mode=mode)


def finish_module(source: str) -> str:
    """Make produced source black-stable, running black only where it has work to do.

    The model generator's own formatter already writes black's layout except for
    lines that are too long, string literals it leaves in single quotes (one ending
    in a backslash, say) and the final newline (a test holds it to that). Black lays
    out each top-level statement on its own, so only the statements holding such a
    line go through it, and the rest of the module is kept as it is.
    """
    text = source if source.endswith("\n") else source + "\n"
    lines = text.splitlines(keepends=True)
    if not any(_suspect(line) for line in lines):
        return text
    for first, last in reversed(_statement_spans(text)):
        span = lines[first:last]
        if any(_too_wide(line) for line in span) or _single_quoted(span):
            lines[first:last] = [format_python("".join(span))]
    return "".join(lines)


def _suspect(line: str) -> bool:
    return "'" in line or _too_wide(line)


def _too_wide(line: str) -> bool:
    """Whether black may find ``line`` longer than the limit (never a false no)."""
    body = line.rstrip("\r\n")
    if body.isascii():
        return len(body) > LINE_LENGTH
    width = sum(2 if ord(char) >= _FIRST_WIDE else 1 for char in body)
    return width > LINE_LENGTH


def _single_quoted(span: list[str]) -> bool:
    """Whether a string literal in the statement ``span`` is written in single quotes."""
    if not any("'" in line for line in span):
        return False
    tokens = tokenize.generate_tokens(io.StringIO("".join(span)).readline)
    return any(
        token.type == tokenize.STRING and token.string.lstrip("rRbBuUfF")[:1] == "'"
        for token in tokens
    )


def _statement_spans(text: str) -> list[tuple[int, int]]:
    """Line ranges (first, end) of the module's top-level statements, decorators in."""
    spans = []
    for node in ast.parse(text).body:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(item.lineno for item in decorators)]) - 1
        last = node.end_lineno if node.end_lineno is not None else node.lineno
        spans.append((first, last))
    return spans
