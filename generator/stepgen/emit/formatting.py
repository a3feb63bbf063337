"""Formatting Python source with black, the project's pinned formatter."""

from __future__ import annotations


def format_python(source: str) -> str:
    """Format Python source with black, the project's pinned formatter."""
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=88)
    return black.format_str(source, mode=mode)


def finish_module(source: str, line_length: int = 88) -> str:
    """Make produced source black-stable, running black only where it has work to do.

    The model generator's own formatter already writes black's layout except for
    lines that are too long and the final newline; a test holds it to that.
    """
    text = source if source.endswith("\n") else source + "\n"
    if any(len(line) > line_length for line in text.splitlines()):
        return format_python(text)
    return text
