"""Golden trees: what the generator emits for the fixture manifests, file by file.

Regenerate every golden tree after an intended change of the output::

    make golden
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from stepgen.api import generate
from stepgen.record import RECORD_NAME

from tests.support import tree

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/pipeline.json"))
REGENERATE = "make golden"


def render_case(name: str) -> dict[str, bytes]:
    """The generated tree of one fixture manifest, without the ownership record."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        generate(FIXTURES / name / "pipeline.json", out)
        files = tree(out)
    files.pop(RECORD_NAME)
    return files


def main() -> None:
    """Rewrite every golden tree from its fixture."""
    for name in CASES:
        target = GOLDEN / name
        shutil.rmtree(target, ignore_errors=True)
        for path, data in render_case(name).items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_bytes(data)
        print(f"wrote {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
