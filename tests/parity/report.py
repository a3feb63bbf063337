"""Run the JSON Schema test suite through all three validators and report the counts.

    python -m tests.parity.report [--write docs/parity.md]

Every schema of the suite becomes a stage of one manifest. Schemas the generator
refuses are counted as rejected at generate time, with the reason; every test of the
others is judged by the generated pydantic model, the generated Zod schema and the
``jsonschema`` library, and all three must give the suite's expected verdict.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.parity.python_side import python_verdicts
from tests.parity.suite import Case, load_cases, supported_tree
from tests.parity.typescript_side import typescript_verdicts

VALIDATORS = ("pydantic", "zod", "jsonschema")


@dataclass
class Outcome:
    """The cases of the suite with the verdicts of every validator."""

    cases: list[Case]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def supported(self) -> list[Case]:
        """The cases the generator accepted."""
        return [case for case in self.cases if case.rejected is None]

    def disagreements(self) -> list[str]:
        """One line for each test where any validator missed the expected verdict."""
        lines = []
        for case in self.supported:
            for index, test in enumerate(case.tests):
                got = {name: case.verdicts[name][index] for name in VALIDATORS}
                if any(value != test["valid"] for value in got.values()):
                    lines.append(
                        f"{case.file} / {case.description} / {test['description']}: "
                        f"expected {test['valid']}, got {got}"
                    )
        return lines


def run() -> Outcome:
    """Judge every supported test with all three validators."""
    cases = load_cases()
    with tempfile.TemporaryDirectory() as scratch:
        files = supported_tree(cases, Path(scratch))
    supported = [case for case in cases if case.rejected is None]
    python_verdicts(supported, files)
    typescript_verdicts(supported, files)
    return Outcome(cases, files)


def markdown(outcome: Outcome) -> str:
    """The parity table and the reasons for every rejected schema."""
    rows: dict[str, Counter[str]] = {}
    for case in outcome.cases:
        row = rows.setdefault(case.file, Counter())
        if case.rejected is not None:
            row["rejected"] += len(case.tests)
            continue
        row["supported"] += len(case.tests)
        for index, test in enumerate(case.tests):
            if all(case.verdicts[name][index] == test["valid"] for name in VALIDATORS):
                row["agreed"] += 1
    total: Counter[str] = Counter()
    lines = [
        "# Verdict parity with the JSON Schema test suite",
        "",
        "Produced by `make parity` (`python -m tests.parity.report --write docs/parity.md`);",
        "`make test` runs the same comparison and fails on any disagreement.",
        "",
        "Each schema of the draft 2020-12 suite in `shared/conformance/` becomes the",
        "`value` property of a stage's output schema. Tests of supported schemas are judged",
        "by the generated pydantic model, the generated Zod schema (compiled with `tsc`, run",
        "on Node) and the `jsonschema` library; *agreed* counts tests where all three give",
        "the suite's expected verdict. *Rejected* counts tests of schemas the generator",
        "refuses at generate time, with a located error, instead of generating them loosely.",
        "",
        "| file | supported | agreed | rejected at generate |",
        "|---|---:|---:|---:|",
    ]
    for name, row in rows.items():
        total.update(row)
        lines.append(
            f"| {name} | {row['supported']} | {row['agreed']} | {row['rejected']} |"
        )
    lines.append(
        f"| **all** | **{total['supported']}** | **{total['agreed']}** | **{total['rejected']}** |"
    )
    lines += [
        "",
        "## Why schemas were rejected",
        "",
        "| file | schema | first problem |",
        "|---|---|---|",
    ]
    for case in outcome.cases:
        if case.rejected is not None:
            reason = case.rejected.replace("|", "\\|")
            description = case.description.replace("|", "\\|")
            lines.append(f"| {case.file} | {description} | {reason} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the report, or write it to a file."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--write", type=Path, help="write the report to this file")
    arguments = parser.parse_args()
    outcome = run()
    text = markdown(outcome)
    if arguments.write:
        arguments.write.parent.mkdir(parents=True, exist_ok=True)
        arguments.write.write_text(text, "utf-8")
        print(f"wrote {arguments.write}")
    else:
        print(text)
    problems = outcome.disagreements()
    for line in problems:
        print(line)
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
