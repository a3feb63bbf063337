"""The drift check: exit 0 when generated/ is current, 1 naming every file that is not,
2 for a broken manifest; it never writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from stepgen.api import generate

from tests.conftest import ROOT, CliResult
from tests.support import tree

ENUMS = "python/rematrix_steps/enums.py"


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


@pytest.fixture
def check(
    schema_copy: Path, out: Path, cli: Callable[..., CliResult]
) -> Callable[..., CliResult]:
    def run(*extra: str) -> CliResult:
        before = tree(out)
        result = cli("check", "--manifest", str(schema_copy), "--out", str(out), *extra)
        assert tree(out) == before, "the check wrote to the output"
        assert result.exception is None
        return result

    return run


def test_a_current_tree_is_clean_and_proved_by_hashes(
    check: Callable[..., CliResult],
) -> None:
    result = check("--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "status": "clean",
        "provedBy": "hashes",
        "files": [],
    }


def test_editing_the_manifest_without_generating_is_drift(
    schema_copy: Path, check: Callable[..., CliResult]
) -> None:
    data = json.loads(schema_copy.read_text())
    data["stages"][0]["execution"]["timeoutMs"] = 60000
    schema_copy.write_text(json.dumps(data, indent=2))

    result = check()

    assert result.exit_code == 1
    assert "changed" in result.stderr
    assert "python/rematrix_steps/steps/plan.py" in result.stderr
    assert "run `stepgen generate`" in result.stderr


def test_editing_a_prompt_file_is_drift(
    schema_copy: Path, check: Callable[..., CliResult]
) -> None:
    prompt = schema_copy.parent / "prompts" / "render.md"
    prompt.write_text(prompt.read_text().replace("1280", "1920"))

    result = check("--format", "json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["files"] == [
        {"path": "python/rematrix_steps/steps/render.py", "status": "changed"},
        {"path": "typescript/src/steps/render.ts", "status": "changed"},
    ]


def test_a_hand_edited_file_is_drift(
    out: Path, check: Callable[..., CliResult]
) -> None:
    (out / ENUMS).write_text((out / ENUMS).read_text() + "# patched\n")

    result = check()

    assert result.exit_code == 1
    assert f"hand-edited  {(out / ENUMS).as_posix()}" in result.stderr


def test_the_diff_shows_what_generation_would_write(
    out: Path, check: Callable[..., CliResult]
) -> None:
    (out / ENUMS).write_text((out / ENUMS).read_text().replace('"PLAN"', '"PLAN2"'))

    result = check("--diff")

    assert result.exit_code == 1
    assert f"--- a/{ENUMS}" in result.stdout
    assert '-    PLAN = "PLAN2"' in result.stdout
    assert '+    PLAN = "PLAN"' in result.stdout


def test_missing_and_orphaned_files_are_named(
    schema_copy: Path, out: Path, check: Callable[..., CliResult]
) -> None:
    (out / ENUMS).unlink()
    data = json.loads(schema_copy.read_text())
    data["stages"] = data["stages"][:-1]
    schema_copy.write_text(json.dumps(data, indent=2))

    report = json.loads(check("--format", "json").stdout)

    statuses = {item["path"]: item["status"] for item in report["files"]}
    assert statuses[ENUMS] == "missing"
    assert statuses["python/rematrix_steps/steps/done.py"] == "orphaned"
    assert statuses["python/rematrix_steps/registry.py"] == "changed"
    assert report["provedBy"] == "render"


def test_a_tree_never_generated_is_drift(
    schema_copy: Path, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    empty = tmp_path / "empty"

    result = cli("check", "--manifest", str(schema_copy), "--out", str(empty))

    assert result.exit_code == 1
    assert "missing" in result.stderr
    assert not empty.exists()


def test_a_broken_manifest_exits_2(
    schema_copy: Path, check: Callable[..., CliResult]
) -> None:
    schema_copy.write_text("{")

    result = check()

    assert result.exit_code == 2
    assert "json-syntax" in result.stderr


def test_the_repository_is_in_sync() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from stepgen.cli import main; main()", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_generating_under_two_hash_seeds_gives_the_same_bytes(tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed-{seed}"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from stepgen.cli import main; main()",
                "generate",
                "--out",
                str(out),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
        trees.append(tree(out))

    assert trees[0] == trees[1]
    assert all(b"\r\n" not in data for data in trees[0].values())


def test_generation_needs_no_database_or_runtime_executor(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "schema", tmp_path / "schema", symlinks=False)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from stepgen.api import generate\n"
        "generate(Path('schema/pipeline.json'), Path('out'))\n"
        "loaded = sorted(name for name in sys.modules if name.startswith("
        "('sqlalchemy', 'psycopg', 'stepgen_runtime.executor')))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"


def test_a_check_that_renders_keeps_no_compiled_templates(
    schema_copy: Path, out: Path, tmp_path: Path
) -> None:
    prompt = schema_copy.parent / "prompts" / "plan.md"
    prompt.write_text(prompt.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()

    command = [sys.executable, "-c", "from stepgen.cli import main; main()"]
    result = subprocess.run(
        [*command, "check", "--manifest", str(schema_copy), "--out", str(out)],
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "plan.py" in result.stderr
    assert [path for path in cache.rglob("*") if path.is_file()] == []
