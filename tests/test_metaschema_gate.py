"""The compiled meta-schema check says "valid" exactly when jsonschema finds nothing.

``check_meta_schema`` trusts the compiled validator's yes and asks jsonschema only
otherwise, so a yes where jsonschema would find an error would lose a problem. These
tests hold the two to the same verdict on the shipped manifest, the synthetic ones
and thousands of manifests with one to three subtrees replaced by arbitrary JSON.
"""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from stepgen.manifest.metaschema import _validator, conforms_quickly

from benchmarks.synthetic import manifest as synthetic
from tests.conftest import MANIFEST

ORIGINAL = json.loads(MANIFEST.read_text("utf-8"))

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(
        ["^[a-z]+$", "[", "a{,3}", "(?P<x>a)", "[[:alpha:]]", "date-time", "#/$defs/X"]
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            [
                "type",
                "pattern",
                "enum",
                "const",
                "items",
                "properties",
                "required",
                "minimum",
                "format",
                "$ref",
                "anyOf",
                "default",
                "x",
            ]
        ),
        inner,
        max_size=3,
    ),
    max_leaves=6,
)


def _jsonschema_finds_nothing(data: Any) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return next(iter(_validator().iter_errors(data)), None) is None


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``data`` (the root excluded)."""
    found = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data) if isinstance(data, list) else ()
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


PATHS = _paths(ORIGINAL)


@st.composite
def replaced(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped manifest with one to three values replaced by arbitrary JSON."""
    data = copy.deepcopy(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    return data


def test_both_accept_the_shipped_and_synthetic_manifests() -> None:
    for data in (ORIGINAL, synthetic(20)):
        assert conforms_quickly(data)
        assert _jsonschema_finds_nothing(data)


@settings(
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(replaced())
def test_the_compiled_check_agrees_with_jsonschema(data: dict[str, Any]) -> None:
    verdict = _jsonschema_finds_nothing(data)
    event("valid" if verdict else "invalid")

    assert conforms_quickly(data) == verdict
