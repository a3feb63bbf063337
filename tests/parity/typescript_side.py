"""Verdicts of the generated Zod schemas, compiled with tsc and run on Node."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.parity.suite import Case

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TSC = ROOT / "node_modules" / ".bin" / "tsc"


def typescript_verdicts(cases: list[Case], files: dict[str, bytes]) -> None:
    """Fill ``verdicts["zod"]`` of every case."""
    BUILD.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="parity-", dir=BUILD))
    try:
        for name, data in files.items():
            if name.startswith("typescript/"):
                (scratch / name).parent.mkdir(parents=True, exist_ok=True)
                (scratch / name).write_bytes(data)
        compiled = scratch / "js"
        subprocess.run(
            [
                str(TSC),
                "-p",
                str(scratch / "typescript" / "tsconfig.json"),
                "--outDir",
                str(compiled),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        payload = [
            {"stage": case.stage, "data": [test["data"] for test in case.tests]}
            for case in cases
        ]
        cases_file = scratch / "cases.json"
        cases_file.write_text(json.dumps(payload), "utf-8")
        result = subprocess.run(
            [
                "node",
                str(Path(__file__).with_name("verdicts.mjs")),
                str(compiled),
                str(cases_file),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        verdicts = json.loads(result.stdout)
        for case in cases:
            case.verdicts["zod"] = verdicts[case.stage]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
