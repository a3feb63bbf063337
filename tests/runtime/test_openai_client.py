"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import rematrix_steps
from stepgen_runtime.app import Runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient, OpenAIClient
from stepgen_runtime.errors import ConfigurationError, ModelError, StageFailed

from tests.runtime.conftest import Sleeps
from tests.runtime.test_faults import free_port

OpenRuntime = Callable[..., Runtime]
KEY = "sk-test-do-not-log-0123456789"
PLAN_ANSWER = {"estimatedPages": 5, "estimatedDurationSec": 90, "style": "calm"}


@dataclass
class Reply:
    """One scripted answer: a status and a body, or a wait longer than the client's."""

    status: int = 200
    body: Any = None
    stall_s: float = 0.0


def completion(content: Any) -> dict[str, Any]:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"choices": [{"message": {"role": "assistant", "content": text}}]}


@dataclass
class FakeServer:
    """A chat completions endpoint answering from a script, recording each request."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            fake.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            reply = fake.replies.pop(0) if fake.replies else Reply(body=completion({}))
            if reply.stall_s:
                fake.release.wait(reply.stall_s)
            payload = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield fake
    fake.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def request(**changes: Any) -> ModelRequest:
    values: dict[str, Any] = {
        "stage": "PLAN",
        "model": "openai/gpt-4o-mini",
        "temperature": 0.4,
        "prompt": "Plan <markdown>\n\n# Markdown\n\n# Title\n",
        "schema": rematrix_steps.get_step("PLAN").output.schema,
    }
    values.update(changes)
    return ModelRequest(**values)


def test_a_structured_request_and_its_answer(server: FakeServer) -> None:
    server.replies.append(Reply(body=completion(PLAN_ANSWER)))
    client = OpenAIClient(server.url + "/", KEY)

    answer = client.complete(request())

    assert answer == PLAN_ANSWER
    (sent,) = server.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["authorization"] == f"Bearer {KEY}"
    body = sent["body"]
    assert body["model"] == "openai/gpt-4o-mini"
    assert body["temperature"] == 0.4
    assert body["messages"][1] == {"role": "user", "content": request().prompt}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "plan_output",
            "schema": rematrix_steps.get_step("PLAN").output.schema,
            "strict": False,
        },
    }
    assert "temperature" not in client.body(request(temperature=None))
    assert KEY not in repr(client)


@pytest.mark.parametrize(
    ("reply", "message", "retryable"),
    [
        (
            Reply(500, {"error": {"message": "upstream overloaded"}}),
            "the model server answered 500: upstream overloaded",
            True,
        ),
        (
            Reply(429, {"error": {"message": "slow down"}}),
            "answered 429: slow down",
            True,
        ),
        (
            Reply(401, {"error": {"message": "invalid api key"}}),
            "the model server answered 401: invalid api key",
            False,
        ),
        (
            Reply(200, completion("not json")),
            "the model's answer is not one JSON object",
            True,
        ),
        (
            Reply(200, completion([1, 2])),
            "the model's answer is not one JSON object",
            True,
        ),
        (
            Reply(200, {"id": "x"}),
            "the model server's answer is not a chat completion",
            True,
        ),
        (
            Reply(200, {"choices": [{"message": {"content": None, "refusal": "no"}}]}),
            "the model refused: no",
            False,
        ),
    ],
)
def test_errors_say_what_happened_and_whether_to_retry(
    server: FakeServer, reply: Reply, message: str, retryable: bool
) -> None:
    server.replies.append(reply)

    with pytest.raises(ModelError) as caught:
        OpenAIClient(server.url, KEY).complete(request())

    assert message in str(caught.value)
    assert caught.value.retryable is retryable
    assert KEY not in str(caught.value)


def test_a_server_slower_than_the_time_limit_times_out(server: FakeServer) -> None:
    server.replies.append(Reply(body=completion(PLAN_ANSWER), stall_s=10))
    client = OpenAIClient(server.url, KEY, timeout_s=60)

    with pytest.raises(ModelError) as caught:
        client.complete(request(timeout_s=0.2))

    assert str(caught.value) == (
        f"the model server at {server.url} did not answer within 0.2 s"
    )
    assert caught.value.retryable


def test_an_unreachable_server_is_a_retryable_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"

    with pytest.raises(ModelError, match=f"cannot reach the model server at {url}"):
        OpenAIClient(url, KEY).complete(request())


def test_the_environment_supplies_url_and_key() -> None:
    client = OpenAIClient.from_env(
        {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": KEY}
    )
    assert client.base_url == "http://127.0.0.1:9/v1"

    with pytest.raises(
        ConfigurationError, match="needs OPENAI_BASE_URL and OPENAI_API_KEY"
    ):
        OpenAIClient.from_env({})


def test_the_executor_retries_a_server_error_and_writes_one_artifact(
    server: FakeServer,
    open_rt: OpenRuntime,
    lesson: str,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.replies += [
        Reply(503, {"error": {"message": "try later"}}),
        Reply(body=completion(PLAN_ANSWER)),
    ]
    runtime = open_rt(client=OpenAIClient(server.url, KEY))
    job = runtime.pipeline.start(lesson)
    caplog.set_level(logging.DEBUG, logger="stepgen_runtime")

    run = runtime.executor.run_stage(job.id, "PLAN")

    assert (run.outcome, run.attempts, run.artifact.version) == ("created", 2, 1)
    assert run.artifact.content == {**PLAN_ANSWER, "questions": []}
    assert run.artifact.meta["producedBy"] == "openai"
    assert sleeps == [1.0]
    prompt = server.requests[0]["body"]["messages"][1]["content"]
    assert prompt.startswith(rematrix_steps.get_step("PLAN").config.prompt.rstrip())
    assert "\n\n# Markdown\n\n# Adding Fractions\n" in prompt
    assert prompt.rstrip().endswith("```")
    assert "# Output" in prompt
    assert KEY not in caplog.text
    assert "try later" in caplog.text


def test_offline_answers_are_not_reused_for_a_real_model(
    server: FakeServer, open_rt: OpenRuntime, lesson: str
) -> None:
    offline = open_rt(client=OfflineClient())
    job = offline.pipeline.start(lesson)
    offline.executor.run_stage(job.id, "PLAN")
    server.replies.append(Reply(body=completion(PLAN_ANSWER)))

    online = open_rt(client=OpenAIClient(server.url, KEY))
    run = online.executor.run_stage(job.id, "PLAN")

    assert (run.outcome, run.artifact.version) == ("created", 2)


def test_a_refused_request_fails_the_stage_at_once(
    server: FakeServer, open_rt: OpenRuntime, lesson: str, sleeps: Sleeps
) -> None:
    server.replies.append(Reply(401, {"error": {"message": "invalid api key"}}))
    runtime = open_rt(client=OpenAIClient(server.url, KEY))
    job = runtime.pipeline.start(lesson)

    with pytest.raises(
        StageFailed, match="after 1 attempt: the model server answered 401"
    ):
        runtime.executor.run_stage(job.id, "PLAN")

    assert len(server.requests) == 1
    assert sleeps == []
    assert runtime.jobs.artifacts(job.id) == []
