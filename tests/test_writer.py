"""Writing the output tree: only changed bytes are written, foreign files are never
touched, owned files no longer produced are deleted, and a failure changes nothing."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from stepgen import writer
from stepgen.api import generate
from stepgen.errors import OutputPathError
from stepgen.record import RECORD_NAME, Record

from tests.conftest import ROOT, CliResult
from tests.support import tree

STEPS = "python/rematrix_steps/steps"


def _identities(root: Path) -> dict[str, tuple[int, int]]:
    return {
        path.relative_to(root).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def _edit(manifest: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(manifest.read_text())
    change(data)
    manifest.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _drop_done(data: dict) -> None:
    data["stages"] = [stage for stage in data["stages"] if stage["stage"] != "DONE"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "generated"
    generate(ROOT / "schema" / "pipeline.json", out)
    return tree(out)


@pytest.fixture
def out(tmp_path: Path, reference: dict[str, bytes]) -> Path:
    target = tmp_path / "generated"
    for name, data in reference.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    return target


def test_generating_again_writes_nothing(schema_copy: Path, out: Path) -> None:
    before = _identities(out)

    result = generate(schema_copy, out)

    assert result.written == []
    assert result.deleted == []
    assert _identities(out) == before


def test_changing_a_prompt_rewrites_only_that_step(
    schema_copy: Path, out: Path
) -> None:
    before = _identities(out)
    prompt = schema_copy.parent / "prompts" / "tts.md"
    prompt.write_text(prompt.read_text() + "\nSpeak slowly.\n")

    result = generate(schema_copy, out)

    assert result.written == [f"{STEPS}/tts.py", "typescript/src/steps/tts.ts"]
    after = _identities(out)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {f"{STEPS}/tts.py", "typescript/src/steps/tts.ts", RECORD_NAME}


def test_foreign_files_are_never_touched(schema_copy: Path, out: Path) -> None:
    (out / "NOTES.md").write_text("mine\n")
    (out / "python" / "local.cfg").write_text("mine too\n")
    before = _identities(out)
    _edit(schema_copy, _drop_done)

    generate(schema_copy, out)

    after = _identities(out)
    assert after["NOTES.md"] == before["NOTES.md"]
    assert after["python/local.cfg"] == before["python/local.cfg"]


def test_removing_a_stage_deletes_its_module(schema_copy: Path, out: Path) -> None:
    _edit(schema_copy, _drop_done)

    result = generate(schema_copy, out)

    assert result.deleted == [f"{STEPS}/done.py", "typescript/src/steps/done.ts"]
    assert not (out / STEPS / "done.py").exists()
    assert f"{STEPS}/done.py" not in Record.read(out).files  # type: ignore[union-attr]
    assert "done" not in (out / "python/rematrix_steps/registry.py").read_text()


def test_a_broken_manifest_leaves_the_tree_as_it_was(
    schema_copy: Path, out: Path, cli: Callable[..., CliResult]
) -> None:
    before = tree(out)
    _edit(schema_copy, lambda data: data["stages"][0].update(version="one"))

    result = cli("generate", "--manifest", str(schema_copy), "--out", str(out))

    assert result.exit_code == 2
    assert result.exception is None
    assert "/stages/0/version" in result.stderr
    assert tree(out) == before


def test_a_failure_while_swapping_leaves_the_tree_as_it_was(
    schema_copy: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(out)
    _edit(schema_copy, _drop_done)

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writer, "_swap", refuse)
    with pytest.raises(OSError, match="disk full"):
        generate(schema_copy, out)

    assert tree(out) == before
    assert sorted(path.name for path in out.parent.iterdir()) == ["generated", "schema"]


@pytest.mark.parametrize(
    "name",
    ["../escape.py", "/etc/passwd", "python/../../escape.py", "", RECORD_NAME, "a//b"],
)
def test_paths_outside_the_root_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputPathError):
        writer.check_paths(tmp_path / "out", {name: b"x"})


def test_a_symlink_cannot_lead_writes_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "python").symlink_to(outside)

    with pytest.raises(OutputPathError, match="leaves"):
        writer.write_tree(out, {"python/x.py": b"x"}, Record())

    assert list(outside.iterdir()) == []


def test_a_file_that_is_a_symlink_cannot_lead_writes_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_bytes(b"kept")
    out = tmp_path / "out"
    (out / "python").mkdir(parents=True)
    (out / "python" / "x.py").symlink_to(outside)

    with pytest.raises(OutputPathError, match="leaves"):
        writer.write_tree(out, {"python/y.py": b"y", "python/x.py": b"x"}, Record())

    assert outside.read_bytes() == b"kept"
    assert not (out / "python" / "y.py").exists()


def test_an_interrupted_generation_leaves_the_old_or_the_new_tree(
    schema_copy: Path, out: Path, tmp_path: Path
) -> None:
    old = tree(out)
    _edit(schema_copy, _drop_done)
    prompt = schema_copy.parent / "prompts" / "plan.md"
    prompt.write_text(prompt.read_text() + "\nBe brief.\n")
    new_out = tmp_path / "new"
    generate(schema_copy, new_out)
    new = tree(new_out)
    command = [
        sys.executable,
        "-c",
        "from stepgen.cli import main; main()",
        "generate",
        "--manifest",
        str(schema_copy),
        "--out",
        str(out),
    ]
    chooser = random.Random(20261203)
    outcomes = set()

    for _ in range(6):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        time.sleep(chooser.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(out)
        assert now in (old, new)
        outcomes.add("new" if now == new else "old")
        if now == new:
            shutil.rmtree(out)
            for name, data in old.items():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                (out / name).write_bytes(data)
            assert tree(out) == old

    generate(schema_copy, out)
    assert tree(out) == new
    print("outcomes seen:", sorted(outcomes))


def test_no_staging_folders_are_left_behind(schema_copy: Path, out: Path) -> None:
    _edit(schema_copy, _drop_done)

    generate(schema_copy, out)

    leftovers = [path.name for path in out.parent.iterdir() if "stepgen" in path.name]
    assert leftovers == []
    assert os.path.isdir(out)


def test_an_output_root_that_is_a_link_stays_one(
    tmp_path: Path, out: Path, reference: dict[str, bytes]
) -> None:
    target = tmp_path / "real"
    out.rename(target)
    link = tmp_path / "link"
    link.symlink_to(target)
    manifest = tmp_path / "schema" / "pipeline.json"
    shutil.copytree(ROOT / "schema", manifest.parent, symlinks=False)
    _edit(manifest, _drop_done)

    result = generate(manifest, link)

    assert link.is_symlink() and link.resolve() == target
    assert f"{STEPS}/done.py" in result.deleted
    assert not (target / STEPS / "done.py").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "link",
        "real",
        "schema",
    ]


def test_files_written_ahead_are_dropped_when_the_models_fail(
    schema_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stepgen.emit import pydantic_models

    out = tmp_path / "out"
    generate(schema_copy, out)
    before = tree(out)
    manifest = json.loads(schema_copy.read_text("utf-8"))
    manifest["$defs"]["PlanOutput"]["description"] = "A plan, described anew."
    schema_copy.write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    staging = tmp_path / ".out.stepgen-new"
    staged_while_waiting: list[str] = []

    def failing(source: str) -> str:
        staged_while_waiting.extend(
            path.relative_to(staging).as_posix()
            for path in staging.rglob("*")
            if path.is_file()
        )
        raise RuntimeError("the models module could not be finished")

    monkeypatch.setattr(pydantic_models, "finish_module", failing)
    with pytest.raises(RuntimeError, match="could not be finished"):
        generate(schema_copy, out)

    assert "docs/PIPELINE.md" not in staged_while_waiting  # it did not change
    assert "python/rematrix_steps/steps/plan.py" in staged_while_waiting
    assert "python/rematrix_steps/models.py" not in staged_while_waiting
    assert tree(out) == before
    assert not staging.exists()


def test_a_file_staged_ahead_and_then_unchanged_is_not_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writer.write_tree(out, {"a.py": b"a", "b.py": b"b"}, Record())
    tree_writer = writer.TreeWriter(out)

    tree_writer.stage({"a.py": b"new a"})
    result = tree_writer.finish({"a.py": b"a", "b.py": b"new b"}, Record())
    tree_writer.discard()

    assert result.written == ["b.py"]
    assert (out / "a.py").read_bytes() == b"a"
    assert (out / "b.py").read_bytes() == b"new b"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
