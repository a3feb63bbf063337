"""Formatting Python source with black, the project's pinned formatter."""

from __future__ import annotations


def format_python(source: str) -> str:
    """Format Python source with black, the project's pinned formatter."""
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=88)
    return black.format_str(source, mode=mode)
