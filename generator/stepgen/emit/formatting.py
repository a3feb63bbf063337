"""Formatting Python source with black, the project's pinned formatter."""

from __future__ import annotations

import ast

LINE_LENGTH = 88


def warm_formatter() -> None:
    """Import black now, while this process would otherwise wait for a worker."""
    import black  # noqa: F401


def format_python(source: str) -> str:
    """Format Python source with black, the project's pinned formatter."""
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
    return black.format_str(source, mode=mode)


def finish_module(source: str) -> str:
    """Make produced source black-stable, running black only where it has work to do.

    The model generator's own formatter already writes black's layout except for
    lines that are too long and the final newline (a test holds it to that). Black
    lays out each top-level statement on its own, so only the statements holding a
    long line go through it, and the rest of the module is kept as it is.
    """
    text = source if source.endswith("\n") else source + "\n"
    lines = text.splitlines(keepends=True)
    if not any(len(line.rstrip("\r\n")) > LINE_LENGTH for line in lines):
        return text
    for first, last in reversed(_statement_spans(text)):
        if any(len(line.rstrip("\r\n")) > LINE_LENGTH for line in lines[first:last]):
            lines[first:last] = [format_python("".join(lines[first:last]))]
    return "".join(lines)


def _statement_spans(text: str) -> list[tuple[int, int]]:
    """Line ranges (first, end) of the module's top-level statements, decorators in."""
    spans = []
    for node in ast.parse(text).body:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(item.lineno for item in decorators)]) - 1
        last = node.end_lineno if node.end_lineno is not None else node.lineno
        spans.append((first, last))
    return spans
