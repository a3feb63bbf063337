"""Verdicts of the generated pydantic models and of the jsonschema library."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import ValidationError
from stepgen_runtime.reference import reference_validator

from tests.parity.suite import Case
from tests.support import import_generated


def python_verdicts(cases: list[Case], files: dict[str, bytes]) -> None:
    """Fill ``verdicts["pydantic"]`` and ``verdicts["jsonschema"]`` of every case."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        for name, data in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
        package = import_generated(out, "conformance_steps")
        for case in cases:
            checker = reference_validator(case.schema)
            model = package.get_step(case.stage).output.model
            pydantic = []
            for test in case.tests:
                try:
                    model.model_validate({"value": test["data"]})
                    pydantic.append(True)
                except ValidationError:
                    pydantic.append(False)
                except Exception:  # a crash is a disagreement, shown as None
                    pydantic.append(None)  # type: ignore[arg-type]
            case.verdicts["pydantic"] = pydantic
            case.verdicts["jsonschema"] = [
                bool(checker.is_valid(test["data"])) for test in case.tests
            ]
