"""Templates write Python exactly as black leaves it, so generation need not run black
on them: checked here on manifests of every shape the tests know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stepgen.emit.content import Deferred
from stepgen.emit.formatting import format_python
from stepgen.emit.pydantic_models import generate_models
from stepgen.emit.python import emit_python
from stepgen.emit.templating import py_literal
from stepgen.manifest import load_pipeline

from benchmarks.synthetic import manifest as synthetic
from tests.conftest import MANIFEST, ROOT
from tests.test_free_text import HOSTILE

FIXED = {
    "nine-stage": MANIFEST,
    "minimal": ROOT / "tests" / "fixtures" / "minimal" / "pipeline.json",
    "diff-base": ROOT / "tests" / "diff_corpus" / "base" / "pipeline.json",
}


def _manifests(tmp_path: Path) -> list[Path]:
    paths = list(FIXED.values())
    big = tmp_path / "synthetic.json"
    big.write_text(json.dumps(synthetic(40)))
    hostile = json.loads(FIXED["minimal"].read_text())
    hostile["stages"][0]["name"] = "|".join(HOSTILE).replace("\x00", "")
    hostile["stages"][0]["description"] = "'\"" * 60
    hostile["models"].append("x" * 120)
    (tmp_path / "hostile.json").write_text(json.dumps(hostile))
    return [*paths, big, tmp_path / "hostile.json"]


def test_every_template_module_is_black_stable(tmp_path: Path) -> None:
    unstable = []
    for path in _manifests(tmp_path):
        for name, content in emit_python(load_pipeline(path)).items():
            template = name.endswith(".py") and isinstance(content, str) and content
            if template and format_python(str(content)) != content:
                unstable.append(f"{path.name}: {name}")

    assert unstable == []


@pytest.mark.parametrize(
    "text", ["plain", "it's", 'say "hi"', "both ' and \"", "\\'", '\\"', *HOSTILE]
)
def test_string_literals_are_quoted_as_black_quotes_them(text: str) -> None:
    source = f"x = {py_literal(text)}\n"

    assert format_python(source) == source
    assert eval(py_literal(text)) == text


def test_models_modules_are_black_stable(tmp_path: Path) -> None:
    unstable = []
    for path in _manifests(tmp_path):
        pipeline = load_pipeline(path)
        source = generate_models(pipeline)
        if format_python(source) != source:
            unstable.append(path.name)

    assert unstable == []


def test_produced_modules_are_the_only_ones_deferred() -> None:
    contents = emit_python(load_pipeline(MANIFEST))

    deferred = sorted(
        name for name, item in contents.items() if isinstance(item, Deferred)
    )
    assert deferred == ["python/rematrix_steps/models.py"]
