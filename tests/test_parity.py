"""Verdict parity: pydantic, Zod and jsonschema agree with the JSON Schema test suite
on every schema the generator supports, and the committed report is current."""

from __future__ import annotations

from pathlib import Path

import pytest
from stepgen.emit.formatting import format_python

from tests.parity.report import Outcome, markdown, run

REPORT = Path(__file__).resolve().parents[1] / "docs" / "parity.md"


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    return run()


def test_all_three_validators_agree_with_the_suite(outcome: Outcome) -> None:
    disagreements = outcome.disagreements()

    assert disagreements == [], "\n".join(disagreements)
    assert len(outcome.supported) >= 60


def test_every_rejected_schema_has_a_located_reason(outcome: Outcome) -> None:
    for case in outcome.cases:
        if case.rejected is not None:
            code = case.rejected.split(":", 1)[0]
            assert code and " " not in code, case.rejected


def test_the_committed_report_is_current(outcome: Outcome) -> None:
    assert REPORT.read_text("utf-8") == markdown(
        outcome
    ), "docs/parity.md is out of date: run `make parity`"


def test_the_generated_python_is_black_stable(outcome: Outcome) -> None:
    for name, data in outcome.files.items():
        if name.endswith(".py"):
            assert format_python(data.decode()) == data.decode(), name
