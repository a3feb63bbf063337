"""The generated trees of the fixture manifests equal their golden copies."""

from __future__ import annotations

import difflib

import pytest

from tests.golden import CASES, GOLDEN, REGENERATE, render_case
from tests.support import tree


@pytest.mark.parametrize("name", CASES)
def test_generated_tree_matches_golden(name: str) -> None:
    expected = tree(GOLDEN / name)
    actual = render_case(name)

    problems = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            problems.append(f"{path}: no longer generated")
        elif path not in expected:
            problems.append(f"{path}: generated but not in the golden tree")
        elif actual[path] != expected[path]:
            diff = difflib.unified_diff(
                expected[path].decode().splitlines(),
                actual[path].decode().splitlines(),
                f"golden/{name}/{path}",
                f"generated/{path}",
                lineterm="",
            )
            problems.append("\n".join(diff))
    assert not problems, (
        "\n\n".join(problems)
        + f"\n\nIf the change is intended, regenerate with: {REGENERATE}"
    )
