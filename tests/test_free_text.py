"""Free text from a manifest reaches generated code only as data.

Names, descriptions, prompts and meta values full of characters that break naive code
generators either round-trip exactly (imported and compared) or, for NUL, are refused
with a clear error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stepgen.api import generate

from tests.conftest import ROOT, CliResult
from tests.support import import_generated

MINIMAL = Path(__file__).parent / "fixtures" / "minimal" / "pipeline.json"
HOSTILE = [
    'double " quote',
    "single ' quote",
    '""" triple double',
    "''' triple single",
    "back\\slash \\n \\u0041 \\",
    "*/ closes a comment /* opens one",
    "${template} `back`ticks`",
    "carriage\r\nreturn and lone \r",
    "line\u2028separator and paragraph\u2029separator",
    "tab\tand form\x0cfeed, bell\x07",
    "{% raw %}{{ jinja }}{% endraw %} {# comment #}",
    "'); import os; os.system('x'); ('",
    "emoji 🎬 and 中文 and \U0001f600",
]


def _manifest_with(tmp_path: Path, text: str) -> Path:
    data = json.loads(MINIMAL.read_text())
    stage = data["stages"][0]
    stage["name"] = text
    stage["description"] = text
    stage["config"]["prompt"] = "Use <markdown>. " + text.replace("{{", "{ {").replace(
        "}}", "} }"
    )
    stage["config"]["meta"] = {"note": text, text.replace("\x00", ""): [text]}
    data["description"] = text
    target = tmp_path / "pipeline.json"
    target.write_text(json.dumps(data, ensure_ascii=False))
    return target


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_round_trips_as_data(tmp_path: Path, text: str) -> None:
    manifest = _manifest_with(tmp_path, text)
    source = json.loads(manifest.read_text())["stages"][0]
    out = tmp_path / "out"

    generate(manifest, out)
    package = import_generated(out, "quiz_steps")

    step = package.get_step("DRAFT_QUESTIONS")
    assert step.name == text
    assert step.description == text
    assert step.config.prompt == source["config"]["prompt"]
    assert step.config.meta == source["config"]["meta"]


def test_nul_is_refused_with_a_clear_error(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest_with(tmp_path, "before\x00after")
    monkeypatch.chdir(tmp_path)

    result = cli("generate", "--manifest", "pipeline.json", "--out", "out")

    assert result.exit_code == 2
    assert result.exception is None
    assert "nul-character at /stages/0/name" in result.stderr
    assert "NUL character" in result.stderr
    assert not (tmp_path / "out").exists()
    assert manifest.exists()


def build_typescript(manifest: Path, name: str) -> Path:
    """Generate ``manifest`` below build/, compile its TypeScript package with the
    repository's tsc and return the directory of the JavaScript."""
    out = ROOT / "build" / name
    shutil.rmtree(out, ignore_errors=True)
    generate(manifest, out)
    subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "tsc"),
            "-p",
            str(out / "typescript"),
            "--outDir",
            str(out / "js"),
        ],
        check=True,
        capture_output=True,
    )
    return out / "js"


def run_node(script: str, js: Path, *args: str) -> Any:
    """Run the ES module ``script`` on node with the package's directory as
    ``process.argv[1]`` and ``args`` after it; return the JSON it writes."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script, str(js), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def test_hostile_text_round_trips_through_typescript(tmp_path: Path) -> None:
    text = "|".join(HOSTILE)
    manifest = _manifest_with(tmp_path, text)
    source = json.loads(manifest.read_text())["stages"][0]
    js = build_typescript(manifest, "free-text")

    script = (
        "const pkg = await import(process.argv[1] + '/index.js');"
        "const step = pkg.getStep('DRAFT_QUESTIONS');"
        "process.stdout.write(JSON.stringify({name: step.name, description: step.description,"
        " prompt: step.config.prompt, meta: step.config.meta}));"
    )
    result = run_node(script, js)
    shutil.rmtree(js.parent, ignore_errors=True)

    assert result == {
        "name": text,
        "description": text,
        "prompt": source["config"]["prompt"],
        "meta": source["config"]["meta"],
    }
