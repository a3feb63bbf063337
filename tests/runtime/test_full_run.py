"""The nine-stage offline run through the CLI, with approvals given through the CLI."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.runtime.conftest import LESSONS, STAGES, job_of


def test_nine_stages_with_approvals_through_the_cli(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = ["--db", db_url]

    started = invoke("run", str(LESSONS / "fractions.md"), *db)
    job = job_of(started.stdout)
    assert started.exit_code == 0, started.stderr
    assert re.search(r"^PLAN +created +v1 .* approval PENDING$", started.stdout, re.M)
    assert f"stepgen approve {job} PLAN" in started.stdout
    assert "OUTLINE" not in started.stdout

    waits = []
    for stage in ("PLAN", "NARRATION", "PAGES"):
        approved = invoke("approve", job, stage, *db)
        assert approved.exit_code == 0, approved.stderr
        assert f"approved {stage} of job {job}" in approved.stdout
        waits.append(re.findall(r"waits for approval of (\w+)", approved.stdout))
    assert waits == [["NARRATION"], ["PAGES"], []]
    assert re.search(r"^DONE +created +v1 ", approved.stdout, re.M)
    assert f"job {job} is COMPLETED" in approved.stdout
    assert 'artifacts: table "Artifact" of ' in approved.stdout
    blob_line = re.search(r"^blobs: (.+)$", approved.stdout, re.M)
    assert blob_line and Path(blob_line.group(1)) == tmp_path / ".stepgen/blobs" / job

    shown = invoke("status", job, "--format", "json", *db)
    report = json.loads(shown.stdout)
    assert report["status"] == "COMPLETED"
    assert report["currentStage"] == "DONE"
    assert [row["stage"] for row in report["stages"]] == STAGES
    assert [row["version"] for row in report["stages"]] == [1] * 9
    assert [row["type"] for row in report["stages"]] == [
        "JSON",
        "JSON",
        "JSON",
        "JSON",
        "JSON",
        "AUDIO",
        "IMAGE",
        "VIDEO",
        "JSON",
    ]
    approvals = {row["stage"]: row["approval"] for row in report["stages"]}
    assert approvals == {
        **dict.fromkeys(STAGES),
        "PLAN": "APPROVED",
        "NARRATION": "APPROVED",
        "PAGES": "APPROVED",
    }

    text = invoke("status", job, *db)
    assert text.stdout.startswith(f"job {job}: COMPLETED at DONE\n")
    assert re.search(r"^  MERGE +VIDEO v1$", text.stdout, re.M)


def test_the_run_makes_real_media_from_the_lesson(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(
        "run", str(LESSONS / "fractions.md"), "--db", db_url, "--auto-approve"
    )
    job = job_of(result.stdout)
    assert result.exit_code == 0, result.stderr

    from stepgen_runtime.app import open_runtime

    with open_runtime(db_url) as runtime:
        latest = {item.stage: item for item in runtime.jobs.latest_artifacts(job)}
    outline = latest["OUTLINE"].content
    assert outline["title"] == "Adding Fractions"
    assert [section["title"] for section in outline["sections"]] == [
        "Overview",
        "What a fraction says",
        "Adding fractions with the same denominator",
        "Adding fractions with different denominators",
        "Simplifying the result",
        "Recap",
    ]
    audio = Path(latest["TTS"].blob_url.removeprefix("file://"))
    with wave.open(str(audio)) as track:
        seconds = track.getnframes() / track.getframerate()
    assert seconds == pytest.approx(latest["TTS"].content["durationSec"], abs=0.01)
    images = latest["RENDER"].content["renderedImages"]
    assert len(images) == len(latest["PAGES"].content["slides"]) == 7
    for image in images:
        data = Path(image["imagePath"]).read_bytes()
        assert data.startswith(b"\x89PNG") and data[16:24] == bytes.fromhex(
            "0000050000000" "2d0"
        )
    done = latest["DONE"].content
    assert done["jobId"] == job and done["status"] == "completed"
    assert done["summary"]["completedStages"] == 9
    assert [entry["stage"] for entry in done["summary"]["artifacts"]] == STAGES[:-1]


def test_the_embedded_default_needs_no_db_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = invoke("run", str(LESSONS / "zh-fractions.md"), "--auto-approve")

    assert result.exit_code == 0, result.stderr
    job = job_of(result.stdout)
    assert (tmp_path / ".stepgen" / "stepgen.db").is_file()
    assert f"sqlite:///{tmp_path.as_posix()}/.stepgen/stepgen.db" in result.stdout
    assert f"job {job} is COMPLETED" in result.stdout
    status = json.loads(invoke("status", job, "--format", "json").stdout)
    assert status["status"] == "COMPLETED"


def test_until_stops_after_the_named_stage(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lesson = str(LESSONS / "fractions.md")

    result = invoke(
        "run", lesson, "--db", db_url, "--auto-approve", "--until", "OUTLINE"
    )

    assert result.exit_code == 0, result.stderr
    job = job_of(result.stdout)
    assert f"job {job} is RUNNING (stopped after OUTLINE)" in result.stdout
    assert "STORYBOARD" not in result.stdout
    resumed = invoke("resume", job, "--db", db_url, "--auto-approve")
    assert re.search(r"^OUTLINE +reused +v1 ", resumed.stdout, re.M)
    assert f"job {job} is COMPLETED" in resumed.stdout
