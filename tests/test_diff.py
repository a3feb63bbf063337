"""`stepgen diff` classifies every change between two manifests by a rule.

The corpus in ``tests/diff_corpus/cases/`` holds one change pair per file: a JSON
Patch (RFC 6902) applied to ``tests/diff_corpus/base/`` (``both`` patches go to both
sides first, ``files`` replaces prompt files on the new side) and the expected
``(classification, rule, where)`` of every change, with the exit code. The other tests
cover the text and JSON output, git revisions, broken manifests and the rule table's
page in ``docs/evolution.md``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from stepgen.evolution import RULES, diff_pipelines, diff_schemas, major_bumped
from stepgen.evolution.docs import evolution_markdown
from stepgen.evolution.schema_diff import INPUT, OUTPUT
from stepgen.manifest import load_pipeline

from tests.conftest import ROOT, CliResult, invoke
from tests.diff_corpus.corpus import BASE, CASES, CORPUS, materialize

LINE = re.compile(r"^(BREAKING|MIGRATION|COMPATIBLE|INFO) +\S.*  .+ — [a-z-]+: .+$")


def run_case(case: dict[str, Any], tmp_path: Path, *extra: str) -> CliResult:
    """Materialize both sides of a corpus case and run ``stepgen diff`` on them."""
    both = case.get("both", [])
    old = materialize(tmp_path / "old", both)
    new = materialize(tmp_path / "new", both + case["patch"], case.get("files"))
    result = invoke("diff", str(old), str(new), *extra)
    assert result.exception is None, result.exception
    return result


def triples(body: dict[str, Any]) -> list[list[str]]:
    """The (classification, rule, where) of every change of a JSON report, sorted."""
    return sorted([c["classification"], c["rule"], c["where"]] for c in body["changes"])


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_corpus_case(path: Path, tmp_path: Path) -> None:
    case = json.loads(path.read_text("utf-8"))
    result = run_case(case, tmp_path, "--format", "json")
    body = json.loads(result.stdout)
    assert triples(body) == sorted(case["expect"]["changes"]), case["about"]
    assert result.exit_code == case["expect"]["exit"], result.stdout
    assert body["status"] == ("breaking" if case["expect"]["exit"] else "ok")


def test_corpus_is_large_and_exercises_every_rule() -> None:
    used = set()
    for path in CASES:
        case = json.loads(path.read_text("utf-8"))
        used |= {rule for _, rule, _ in case["expect"]["changes"]}
    assert len(CASES) >= 30
    assert {rule.id for rule in RULES} - used == set()
    assert used - {rule.id for rule in RULES} == set()


def test_rule_ids_are_unique_and_classified() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.classification in ("breaking", "migration", "compatible", "info")
        assert rule.change and rule.consequence
        assert not rule.migration or rule.breaking


def test_text_output_is_one_line_per_change_and_a_summary(tmp_path: Path) -> None:
    case = json.loads(
        (CORPUS / "cases" / "45-covered-by-stage-version.json").read_text()
    )
    result = run_case(case, tmp_path)
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert all(LINE.match(line) for line in lines[:-1]), lines
    assert lines[1].startswith(
        "BREAKING    PLAN output.estimatedPages  maximum 40 → 50"
    )
    assert "(in $defs/PlanOutput) [covered by PLAN version 1 → 2]" in lines[1]
    assert "— out-constraint-loosened: " in lines[1]
    assert lines[-1].endswith(
        "4 changes: 1 breaking (0 not covered by a version bump), "
        "0 needing a migration, 2 compatible, 1 info"
    )
    assert result.stderr == ""


def test_uncovered_breaking_change_is_named_on_stderr(tmp_path: Path) -> None:
    case = json.loads((CORPUS / "cases" / "30-stage-removed.json").read_text())
    result = run_case(case, tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("BREAKING    DONE  stage DONE removed — ")
    assert "1 breaking change(s) not covered" in result.stderr


def test_json_output_shape(tmp_path: Path) -> None:
    case = json.loads((CORPUS / "cases" / "27-shared-def-tightened.json").read_text())
    body = json.loads(run_case(case, tmp_path, "--format", "json").stdout)
    assert set(body) == {
        "old",
        "new",
        "status",
        "oldVersion",
        "newVersion",
        "majorBumped",
        "summary",
        "changes",
    }
    assert body["summary"] == {
        "breaking": 5,
        "migration": 0,
        "compatible": 2,
        "info": 0,
        "uncovered": 5,
    }
    first = body["changes"][0]
    assert first == {
        "classification": "breaking",
        "rule": "in-constraint-tightened",
        "where": "job input markdown",
        "detail": "minLength 1 → 3",
        "stage": None,
        "def": "NonEmptyString",
        "migration": False,
        "covered": False,
        "coveredBy": None,
        "consequence": first["consequence"],
    }
    assert {change["def"] for change in body["changes"]} == {"NonEmptyString"}
    stages = [change["stage"] for change in body["changes"]]
    assert stages == [None, "PLAN", "PLAN", "OUTLINE", "OUTLINE", "NOTES", "RENDER"]


def test_broken_manifest_on_one_side_exits_2_with_a_located_problem(
    tmp_path: Path,
) -> None:
    old = materialize(tmp_path / "old", [])
    new = materialize(tmp_path / "new", [])
    text = new.read_text("utf-8").replace('"version": 1,', '"version": "one",', 1)
    new.write_text(text, encoding="utf-8")
    result = invoke("diff", str(old), str(new))
    assert result.exit_code == 2
    assert re.search(
        r"pipeline\.json:\d+:\d+: \S+ at /stages/0/version: ", result.stderr
    )
    assert result.stderr.rstrip().endswith("1 problem; nothing was compared")
    assert result.stdout == ""
    as_json = invoke("diff", str(new), str(old), "--format", "json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["problems"][0]["pointer"] == "/stages/0/version"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    old = materialize(tmp_path / "old", [])
    assert invoke("diff").exit_code == 2
    assert invoke("diff", "--against", "HEAD", str(old), str(old)).exit_code == 2
    missing = invoke("diff", str(tmp_path / "absent.json"), str(old))
    assert missing.exit_code == 2
    assert "absent.json" in missing.stderr


def _git(folder: Path, *args: str) -> None:
    identity = (
        *("-c", "user.name=stepgen", "-c", "user.email=stepgen@example.com"),
        *("-c", "commit.gpgsign=false"),
    )
    subprocess.run(["git", "-C", str(folder), *identity, *args], check=True)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is missing")


@needs_git
def test_against_head_of_this_repository_reports_no_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inside = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        check=False,
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout")
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "schema"],
        check=False,
    )
    if dirty.returncode != 0:
        pytest.skip("schema/ has changes that are not committed")
    monkeypatch.chdir(ROOT)
    result = invoke("diff", "--against", "HEAD")
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == "HEAD:schema/pipeline.json → schema/pipeline.json: no changes\n"
    )


@needs_git
def test_against_a_revision_reads_the_manifest_and_its_prompt_files(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    manifest = materialize(repo / "schema", [])
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "base")
    (repo / "schema" / "prompts" / "plan.md").write_text("Plan from <markdown>.\n")
    result = invoke("diff", "--against", "HEAD", str(manifest), "--format", "json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["old"] == "HEAD:schema/pipeline.json"
    assert triples(body) == [["info", "prompt-changed", "PLAN prompt"]]
    data = json.loads(manifest.read_text("utf-8"))
    del data["stages"][4]
    manifest.write_text(json.dumps(data), encoding="utf-8")
    removed = invoke("diff", "--against", "HEAD", str(manifest))
    assert removed.exit_code == 1
    assert "stage-removed" in removed.stdout
    unknown = invoke("diff", "--against", "no-such-branch", str(manifest))
    assert unknown.exit_code == 2
    assert "unknown revision 'no-such-branch'" in unknown.stderr


@needs_git
def test_against_a_revision_reports_its_broken_manifest(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    manifest = materialize(repo / "schema", [])
    (repo / "schema" / "prompts" / "plan.md").unlink()
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "no prompt")
    (repo / "schema" / "prompts" / "plan.md").write_text("Plan from <markdown>.\n")
    result = invoke("diff", "--against", "HEAD", str(manifest))
    assert result.exit_code == 2
    assert re.match(
        r"HEAD:schema/pipeline\.json:\d+:\d+: prompt-file-missing at "
        r"/stages/0/config/prompt/file: ",
        result.stderr,
    )


def test_library_compares_models_not_files() -> None:
    pipeline = load_pipeline(BASE / "pipeline.json")
    report = diff_pipelines(pipeline, pipeline)
    assert report.changes == ()
    assert report.summary() == "no changes"


def test_schema_diff_reads_directions_oppositely() -> None:
    old = {"type": "string", "maxLength": 5}
    new = {"type": ["string", "null"], "maxLength": 9}
    out = [change.rule for change in diff_schemas(old, new, OUTPUT, {}, {})]
    into = [change.rule for change in diff_schemas(old, new, INPUT, {}, {})]
    assert out == ["out-type-widened", "out-constraint-loosened"]
    assert into == ["in-type-widened", "in-constraint-loosened"]
    backwards = [change.rule for change in diff_schemas(new, old, INPUT, {}, {})]
    assert backwards == ["in-type-narrowed", "in-constraint-tightened"]


@pytest.mark.parametrize(
    ("old", "new", "bumped"),
    [
        ("1.0.0", "2.0.0", True),
        ("1.4.2", "1.5.0", False),
        ("0.3.1", "0.4.0", True),
        ("0.3.1", "0.3.2", False),
        ("2.0.0", "1.0.0", False),
        ("one", "2.0.0", False),
    ],
)
def test_major_bump(old: str, new: str, bumped: bool) -> None:
    assert major_bumped(old, new) is bumped


def test_docs_page_is_current() -> None:
    page = ROOT / "docs" / "evolution.md"
    assert page.read_text("utf-8") == evolution_markdown(), (
        "docs/evolution.md is out of date: run "
        "`python -m stepgen.evolution.docs --write docs/evolution.md`"
    )
