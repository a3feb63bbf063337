"""The models module made in parts and with written input models says exactly what
one run of the model generator over every class says."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from stepgen import api
from stepgen.emit import model_parts
from stepgen.emit.input_models import CarrierMismatch, InputClass, write_inputs
from stepgen.emit.model_parts import PartsCollide, join, split
from stepgen.emit.model_worker import ModelWorker
from stepgen.emit.pydantic_models import HEADER, generate_models, prepare
from stepgen.manifest import load_pipeline

from benchmarks.synthetic import manifest as synthetic
from tests.conftest import MANIFEST, ROOT
from tests.support import tree

MINIMAL = ROOT / "tests" / "fixtures" / "minimal" / "pipeline.json"


def _classes(source: str) -> dict[str, str]:
    """Each top-level class of ``source`` with its text, by name."""
    lines = source.splitlines()
    return {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef)
    }


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "pipeline.json"
    path.write_text(json.dumps(synthetic(60)), "utf-8")
    return path


def test_a_small_manifest_is_made_in_one_part_and_a_big_one_in_several(
    big: Path,
) -> None:
    assert len(prepare(load_pipeline(MINIMAL)).parts) == 1
    assert len(prepare(load_pipeline(MANIFEST)).parts) == 1
    assert len(prepare(load_pipeline(big)).parts) >= 2


@pytest.mark.parametrize("name", ["nine-stage", "minimal", "synthetic"])
def test_parts_and_written_inputs_equal_one_whole_run(
    name: str, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_parts, "ONE_PART_WEIGHT", 0)  # parts even when small
    path = {"nine-stage": MANIFEST, "minimal": MINIMAL, "synthetic": big}[name]
    pipeline = load_pipeline(path)
    quick = prepare(pipeline)
    assert len(quick.parts) >= 2
    assert [item.name for item in quick.inputs] == [
        stage.input_model for stage in pipeline.stages
    ]

    made = generate_models(pipeline, quick)
    whole = generate_models(pipeline, prepare(pipeline, whole=True))

    assert _classes(made) == _classes(whole)
    assert _imports(made) == _imports(whole)


def test_written_input_models_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "parted_models.py").write_text(
        generate_models(load_pipeline(MANIFEST)), "utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("parted_models")
    plan = {"estimatedPages": 2, "estimatedDurationSec": 60, "style": "x"}

    assert module.OutlineInput.model_validate({"markdown": "# A", "plan": plan})
    with pytest.raises(ValidationError):
        module.OutlineInput.model_validate({"markdown": "# A", "plan": plan, "x": 1})
    with pytest.raises(ValidationError):
        module.OutlineInput.model_validate({"markdown": "", "plan": plan})


def test_every_part_comes_after_the_classes_it_uses() -> None:
    classes = {
        "Leaf": {"type": "object"},
        "Middle": {"type": "object", "properties": {"a": {"$ref": "#/$defs/Leaf"}}},
        "Top": {"type": "object", "properties": {"b": {"$ref": "#/$defs/Middle"}}},
        "Alone": {"type": "object"},
    }
    parts = split(classes, {}, 3)

    seen: set[str] = set()
    for part in parts:
        assert set(part.external) <= seen
        seen |= set(part.defs) - set(part.external)
    assert seen == set(classes)


def test_two_parts_defining_one_name_collide() -> None:
    one = "from x import A\n\n\nclass Twice:\n    pass\n"
    two = "from x import B\n\n\nclass Twice:\n    pass\n"

    with pytest.raises(PartsCollide, match="Twice"):
        join([one, two], HEADER)


def test_joined_imports_drop_the_placeholder_and_merge_the_rest() -> None:
    placeholder = model_parts.PLACEHOLDER_MODULE
    one = "from __future__ import annotations\n\nfrom typing import Any\n\n\nclass A:\n    x: Any\n"
    two = (
        f"from typing import Literal\n\nfrom {placeholder} import A\n\n\n"
        "class B:\n    a: A\n    y: Literal[1]\n"
    )

    joined = join([one, two], HEADER)

    assert placeholder not in joined
    assert "from typing import Any, Literal\n" in joined
    assert joined.index("class A") < joined.index("class B")


def test_a_carrier_that_is_not_as_expected_is_refused() -> None:
    module = "class Other:\n    pass\n"

    with pytest.raises(CarrierMismatch):
        write_inputs(module, [InputClass("XInput", ("a",))], ["a"])


def test_a_worker_and_this_process_make_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: Path
) -> None:
    with_worker, _ = api.render_pipeline(big)
    monkeypatch.setattr(ModelWorker, "start", classmethod(lambda cls: None))
    alone, _ = api.render_pipeline(big)

    assert with_worker == alone


def test_files_reused_after_a_prompt_edit_are_those_made_from_scratch(
    schema_copy: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "kept"
    api.generate(schema_copy, kept)
    prompt = schema_copy.parent / "prompts" / "outline.md"
    prompt.write_text(prompt.read_text("utf-8") + "\nKeep it short.\n", "utf-8")
    manifest = json.loads(schema_copy.read_text("utf-8"))
    manifest["stages"][0]["name"] = "Plan the lesson"

    edited = api.generate(schema_copy, kept)
    schema_copy.write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    renamed = api.generate(schema_copy, kept)
    fresh = tmp_path / "fresh"
    api.generate(schema_copy, fresh)

    assert sorted(edited.written) == [
        "python/rematrix_steps/steps/outline.py",
        "typescript/src/steps/outline.ts",
    ]
    assert "python/rematrix_steps/steps/plan.py" in renamed.written
    assert tree(kept) == tree(fresh)


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``stepgen`` console script, as a user does."""
    script = Path(sys.executable).with_name("stepgen")
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_console_script_makes_what_the_library_makes(
    schema_copy: Path, tmp_path: Path
) -> None:
    # The console script forks its worker before it parses the command line; the
    # library starts one when it needs it. Both make the same tree.
    by_script = tmp_path / "script"
    by_library = tmp_path / "library"

    made = _console(
        "generate",
        "--manifest",
        str(schema_copy),
        "--out",
        str(by_script),
        cwd=tmp_path,
    )
    api.generate(schema_copy, by_library)

    assert made.returncode == 0, made.stderr
    assert made.stdout.endswith("34 written, 0 deleted, 0 unchanged in script\n")
    assert tree(by_script) == tree(by_library)


def test_the_console_script_stops_a_worker_it_does_not_need(
    schema_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    api.generate(schema_copy, out)
    before = tree(out)
    prompt = schema_copy.parent / "prompts" / "tts.md"
    prompt.write_text(prompt.read_text("utf-8") + "\nSpeak slowly.\n", "utf-8")

    edited = _console(
        "generate", "--manifest", str(schema_copy), "--out", str(out), cwd=tmp_path
    )

    assert edited.returncode == 0, edited.stderr
    assert edited.stderr == ""
    assert "2 written, 0 deleted, 32 unchanged" in edited.stdout
    changed = {name for name in tree(out) if tree(out)[name] != before.get(name)}
    assert changed == {
        "python/rematrix_steps/steps/tts.py",
        "stepgen.lock.json",
        "typescript/src/steps/tts.ts",
    }


def test_the_console_script_reports_a_broken_manifest_and_writes_nothing(
    schema_copy: Path, tmp_path: Path
) -> None:
    manifest = json.loads(schema_copy.read_text("utf-8"))
    manifest["stages"][1]["input"]["sources"] = ["PAGES"]
    schema_copy.write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    out = tmp_path / "out"

    broken = _console(
        "generate", "--manifest", str(schema_copy), "--out", str(out), cwd=tmp_path
    )

    assert broken.returncode == 2
    assert "source-order at /stages/1/input/sources/0" in broken.stderr
    assert not out.exists()


def test_a_prestarted_worker_nobody_claims_is_stopped() -> None:
    ModelWorker.prestart()
    worker = ModelWorker._prestarted
    assert worker is not None
    pid = worker._pid
    assert pid is not None

    ModelWorker.stop_unclaimed()

    assert ModelWorker.claim() is None
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(pid, os.WNOHANG)


def test_a_command_that_fails_before_generating_stops_its_worker(
    tmp_path: Path,
) -> None:
    # The console script forks the worker before it reads the command line; a
    # worker left behind would go on loading the model generator after the command
    # ended (holding its output pipes open). The command stops it first.
    absent = str(tmp_path / "absent.json")
    script = Path(sys.executable).with_name("stepgen")
    command = subprocess.Popen(
        [str(script), "generate", "--manifest", absent, "--no-such-option"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    code = command.wait()  # the command itself, not whatever it forked
    listed = subprocess.run(
        ["ps", "-ww", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout

    assert code == 2
    assert absent not in listed, listed


def test_the_worker_loads_the_model_generator_and_nothing_else_of_stepgen() -> None:
    # Whatever of stepgen the worker imports lies on the longest path of a
    # generation from scratch: it is forked before the manifest is read.
    code = (
        "import sys\n"
        "from stepgen.emit.model_worker import ModelWorker\n"
        "from stepgen.emit.model_generator import load_model_generator\n"
        "load_model_generator()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'stepgen'))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert ast.literal_eval(loaded.stdout) == [
        "stepgen",
        "stepgen.emit",
        "stepgen.emit.model_generator",
        "stepgen.emit.model_worker",
    ]


@pytest.mark.parametrize("collecting", [True, False])
def test_loading_the_model_generator_leaves_the_collector_as_it_found_it(
    collecting: bool,
) -> None:

    code = (
        "import gc\n"
        "from stepgen.emit.model_generator import load_model_generator\n"
        f"{'gc.enable()' if collecting else 'gc.disable()'}\n"
        "load_model_generator()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.split() == [str(collecting), "False"]
