"""A broken manifest never changes the output and is always reported, never crashed on.

Property: for every manifest made invalid by one to three of the mutations below,
``stepgen generate`` (run in-process) raises nothing, exits with code 2, prints at
least one problem line of the form ``file:line:column: code at /pointer: message``
(and a summary line counting them) on stderr, and leaves the output folder and
everything beside it byte-identical, ``stepgen.lock.json`` included.

Every mutation guarantees an invalid manifest on its own, whatever ran before it:

* the text mutations (a strict prefix of the text, or one structural character
  outside strings replaced) always break the JSON syntax; at most one is applied,
  and it is applied last, to a text that is valid JSON;
* the data mutations that edit run first, and each writes a violation that holds
  whatever ran before it, so the last one's violation survives; deletions run after
  them and only remove keys, so the deleted key nearest the root stays missing from
  an object that requires it;
* random Unicode in free text is harmless by itself and is therefore only ever
  combined with at least one of the breaking mutations.
"""

from __future__ import annotations

import json
import re
import shutil
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.conftest import MANIFEST, SCHEMA, CliResult, invoke

ORIGINAL_TEXT = MANIFEST.read_text("utf-8")
ORIGINAL = json.loads(ORIGINAL_TEXT)
STAGE_COUNT = len(ORIGINAL["stages"])
DEF_NAMES = sorted(ORIGINAL["$defs"])
JOB_INPUT_NAMES = sorted(ORIGINAL["jobInputs"])
#: AI stages that read the job input ``markdown``: an inline prompt without
#: ``<markdown>`` breaks the prompt-variable rule whatever else was changed.
MARKDOWN_AI_STAGES = [
    index
    for index, stage in enumerate(ORIGINAL["stages"])
    if stage["type"] == "AI_GENERATION" and "markdown" in stage["input"]["job"]
]

PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: [a-z0-9-]+ at /\S*: .+$")
SUMMARY_LINE = re.compile(r"^(\d+) problems? in the manifest; .+ was left unchanged$")
STRING_OR_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]', re.DOTALL)

Path_ = tuple[str | int, ...]
Data = dict[str, Any]
Draw = st.DrawFn


class Mutated:
    """A broken manifest's text and the mutations that made it, one label each."""

    def __init__(self, text: str, applied: tuple[str, ...]) -> None:
        self.text = text
        self.applied = applied

    def __repr__(self) -> str:
        return f"Mutated(<{len(self.text)} characters>, applied={self.applied!r})"

    @property
    def kinds(self) -> list[str]:
        """The mutation kind of each label (the part before the first colon)."""
        return [label.split(":", 1)[0] for label in self.applied]


@dataclass(frozen=True)
class Workspace:
    """A copy of ``schema/`` and a folder holding one generated output root."""

    manifest: Path
    out: Path
    around: Path
    snapshot: dict[str, bytes]


def _tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root``, by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _pointer(path: Path_) -> str:
    return "".join(f"/{part}" for part in path)


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Data, path: Path_, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _stage_index(draw: Draw, choices: list[int] | None = None) -> int:
    if choices is not None:
        return int(draw(st.sampled_from(choices)))
    return int(draw(st.integers(0, STAGE_COUNT - 1)))


def _free_text_fields(with_pipeline_name: bool) -> list[Path_]:
    """Paths of the manifest's strings that hold prose (descriptions and names)."""
    paths: list[Path_] = [("description",)]
    if with_pipeline_name:
        paths.append(("name",))
    for index in range(STAGE_COUNT):
        paths += [("stages", index, "name"), ("stages", index, "description")]
    paths += [("$defs", name, "description") for name in DEF_NAMES]
    paths += [("jobInputs", name, "description") for name in JOB_INPUT_NAMES]
    return paths


def _insert(draw: Draw, data: Data, path: Path_, piece: str) -> None:
    container = _get(data, path[:-1])
    text = container.get(path[-1], "")
    at = draw(st.integers(0, len(text)))
    container[path[-1]] = text[:at] + piece + text[at:]


# Text mutations: applied last, at most one, to a text that is valid JSON.


def truncate(draw: Draw, text: str) -> tuple[str, str]:
    """A strict prefix of a JSON object's text never holds its closing brace."""
    body = text.rstrip()
    length = draw(st.integers(0, len(body) - 1))
    return body[:length], f"truncate: to {length} of {len(body)} characters"


def replace_structural(draw: Draw, text: str) -> tuple[str, str]:
    """Replace one of ``{}[]:,`` outside string literals with another character.

    The replacement is never ``"``, so string literals keep their bounds; a bracket
    lost or gained unbalances the brackets, and a lost colon or comma leaves two
    tokens without their separator: the JSON syntax breaks either way.
    """
    positions = [
        match.start()
        for match in STRING_OR_STRUCTURE.finditer(text)
        if match.end() - match.start() == 1
    ]
    position = positions[draw(st.integers(0, len(positions) - 1))]
    old = text[position]
    new = draw(
        st.one_of(st.sampled_from("{}[]:,"), st.characters(codec="utf-8")).filter(
            lambda char: char not in (old, '"')
        )
    )
    label = f"replace_structural: {old!r} at offset {position} -> {new!r}"
    return text[:position] + new + text[position + 1 :], label


TEXT_MUTATIONS = (truncate, replace_structural)


# Data mutations that edit: each leaves its own violation, whatever ran before.

TOP_WRONG_VALUES: list[dict[str, Any]] = [{"version": "x"}, {"version": 0}]
STAGE_WRONG_VALUES: list[dict[str, Any]] = [
    {"version": "x"},
    {"version": 0},
    {"execution/timeoutMs": -1},
    {"execution/requiresApproval": "yes"},
    {"config/temperature": 2.5},
    {"config/temperature": -0.1},
    {"execution/retryPolicy/maxAttempts": 0},
    {"type": "OTHER"},
    {"stage": "lower case"},
    {"output/type": "BLOB"},
    {"input/sources": "PLAN"},
    {"config/model": "nobody/none"},
    {
        "execution/retryPolicy/backoffMs": 9000,
        "execution/retryPolicy/maxBackoffMs": 1000,
    },
]


def wrong_value(draw: Draw, data: Data) -> str:
    """Give a typed field a value of the wrong type, out of range, or unknown."""
    if draw(st.integers(0, 9)) == 0:
        base: Path_ = ()
        edits = draw(st.sampled_from(TOP_WRONG_VALUES))
    else:
        base = ("stages", _stage_index(draw))
        edits = draw(st.sampled_from(STAGE_WRONG_VALUES))
    labels = []
    for relative, value in edits.items():
        path = (*base, *relative.split("/"))
        _set(data, path, value)
        labels.append(f"{_pointer(path)} = {json.dumps(value)}")
    return "wrong_value: " + ", ".join(labels)


UNKNOWN_KEYS = ["extra", "$comment", "x-vendor", "retries", "additionalItems"]
CLOSED_STAGE_PARTS: list[Path_] = [
    (),
    ("config",),
    ("input",),
    ("output",),
    ("execution",),
    ("execution", "retryPolicy"),
]


def unknown_key(draw: Draw, data: Data) -> str:
    """Add a key that no closed object (and no schema node) allows."""
    if draw(st.booleans()):
        path: Path_ = ("$defs", draw(st.sampled_from(DEF_NAMES)))
    else:
        path = (
            "stages",
            _stage_index(draw),
            *draw(st.sampled_from(CLOSED_STAGE_PARTS)),
        )
    key = draw(st.sampled_from(UNKNOWN_KEYS))
    value: Any = draw(st.sampled_from([True, None, 1, "x", {}]))
    _get(data, path)[key] = value
    return f"unknown_key: {_pointer(path)}/{key} = {json.dumps(value)}"


def add_source(draw: Draw, data: Data) -> str:
    """Make a stage read a stage that does not exist, or itself, or a later one."""
    index = _stage_index(draw)
    if draw(st.booleans()):
        source = draw(st.sampled_from(["NOWHERE", "Plan", "PLAN_V2"]))
    else:
        later = draw(st.integers(index, STAGE_COUNT - 1))
        source = data["stages"][later]["stage"]
    inputs = data["stages"][index]["input"]
    if not isinstance(inputs["sources"], list):
        inputs["sources"] = []
    inputs["sources"].append(source)
    return f"add_source: /stages/{index}/input/sources += {source!r}"


def add_job_input(draw: Draw, data: Data) -> str:
    """Make a stage read a job input that ``jobInputs`` does not declare."""
    index = _stage_index(draw)
    name = draw(st.sampled_from(["sessionId", "userEmail", "config"]))
    inputs = data["stages"][index]["input"]
    if not isinstance(inputs.get("job"), list):
        inputs["job"] = []
    inputs["job"].append(name)
    return f"add_job_input: /stages/{index}/input/job += {name!r}"


def break_prompt(draw: Draw, data: Data) -> str:
    """Replace a prompt with one that lacks its variables, uses {{…}}, or is absent."""
    how = draw(st.sampled_from(["no-variables", "placeholder", "missing", "outside"]))
    if how == "no-variables":
        index = _stage_index(draw, MARKDOWN_AI_STAGES)
        prompt: Any = draw(st.sampled_from(["", "Summarise the lesson.", "<plan>"]))
    elif how == "placeholder":
        index = _stage_index(draw)
        prompt = draw(st.sampled_from(["{{x}}", "Read <markdown> and {{plan}}.", "}}"]))
    elif how == "missing":
        index = _stage_index(draw)
        prompt = {"file": "prompts/missing.md"}
    else:
        index = _stage_index(draw)
        prompt = {"file": draw(st.sampled_from(["../pipeline.json", "/etc/hostname"]))}
    data["stages"][index]["config"]["prompt"] = prompt
    return f"break_prompt: /stages/{index}/config/prompt = {json.dumps(prompt)} ({how})"


MISSING_REFS = [
    "#/$defs/Missing",
    "#/$defs/PlanOutputs",
    "#/definitions/PlanOutput",
    "other.json#/$defs/PlanOutput",
]


def missing_ref(draw: Draw, data: Data) -> str:
    """Point a ``$ref`` at a ``$defs`` entry that does not exist."""
    where = draw(st.sampled_from(["def", "output", "input"]))
    if where == "def":
        path: Path_ = ("$defs", draw(st.sampled_from(DEF_NAMES)))
    else:
        index = _stage_index(draw)
        path = ("stages", index, where, "schema")
        if where == "input":
            fields = sorted(_get(data, path)["properties"])
            path = (*path, "properties", draw(st.sampled_from(fields)))
    ref = draw(st.sampled_from(MISSING_REFS))
    _get(data, path)["$ref"] = ref
    return f"missing_ref: {_pointer(path)}/$ref = {ref!r}"


def nul_character(draw: Draw, data: Data) -> str:
    """Put a NUL character into a name or a description."""
    path = draw(st.sampled_from(_free_text_fields(with_pipeline_name=True)))
    _insert(draw, data, path, "\x00")
    return f"nul_character: in {_pointer(path)}"


# Data mutation that deletes: applied after every editing one.

#: Required keys of closed objects: at the top level (``None``), or at a path
#: inside a stage.
REQUIRED_KEYS: list[tuple[Path_ | None, list[str]]] = [
    (None, ["name", "version", "packages", "models", "enums", "stages"]),
    (
        (),
        ["stage", "name", "version", "type", "config", "input", "output", "execution"],
    ),
    (("input",), ["sources", "schema"]),
    (("output",), ["type", "schema"]),
    (("execution",), ["requiresApproval"]),
    (("execution", "retryPolicy"), ["maxAttempts", "backoffMs", "maxBackoffMs"]),
]


def delete_required_key(draw: Draw, data: Data) -> str:
    """Delete a key that a closed object requires.

    Only deletions run after this one, so a key deleted here stays deleted unless a
    later deletion removes its container, which is then itself a missing required
    key closer to the root.
    """
    inside_stage, keys = draw(st.sampled_from(REQUIRED_KEYS))
    path: Path_ = ()
    if inside_stage is not None:
        path = ("stages", _stage_index(draw), *inside_stage)
    key = draw(st.sampled_from(keys))
    try:
        del _get(data, path)[key]
    except (KeyError, IndexError, TypeError):
        return f"delete_required_key: {_pointer(path)}/{key} (already gone)"
    return f"delete_required_key: {_pointer(path)}/{key}"


EDITING_MUTATIONS = (
    wrong_value,
    unknown_key,
    add_source,
    add_job_input,
    break_prompt,
    missing_ref,
    nul_character,
)
DATA_MUTATIONS = (*EDITING_MUTATIONS, delete_required_key)


# Harmless by itself; always combined with a breaking mutation.

UNICODE_PIECES = ["\u2028", "\u2029", '"', "\\", "\\u0000", "😀", "*/", "/*", "\n", "'"]


def unicode_text(draw: Draw, data: Data) -> str:
    """Insert random Unicode (line separators, quotes, backslashes, emoji) into prose."""
    path = draw(st.sampled_from(_free_text_fields(with_pipeline_name=False)))
    pieces = st.one_of(st.sampled_from(UNICODE_PIECES), st.characters(codec="utf-8"))
    piece = "".join(draw(st.lists(pieces, min_size=1, max_size=8)))
    _insert(draw, data, path, piece)
    return f"unicode_text: {piece!r} in {_pointer(path)}"


ALL_KINDS = {
    mutation.__name__ for mutation in (*TEXT_MUTATIONS, *DATA_MUTATIONS, unicode_text)
}


@st.composite
def broken_manifests(draw: Draw) -> Mutated:
    """One to three mutations in all, at least one of them breaking.

    Order: optional Unicode, editing data mutations, deletions, then at most one
    text mutation.
    """
    text_mutation = draw(st.one_of(st.none(), st.sampled_from(TEXT_MUTATIONS)))
    with_unicode = draw(st.booleans())
    budget = 3 - (1 if with_unicode else 0) - (1 if text_mutation else 0)
    data_count = draw(st.integers(0 if text_mutation else 1, budget))
    data_mutations = [draw(st.sampled_from(DATA_MUTATIONS)) for _ in range(data_count)]
    data_mutations.sort(key=lambda mutation: mutation is delete_required_key)

    applied: list[str] = []
    text = ORIGINAL_TEXT
    if with_unicode or data_mutations:
        data = json.loads(ORIGINAL_TEXT)
        if with_unicode:
            applied.append(unicode_text(draw, data))
        applied += [mutation(draw, data) for mutation in data_mutations]
        text = json.dumps(data, indent=2, ensure_ascii=False)
    if text_mutation is not None:
        text, label = text_mutation(draw, text)
        applied.append(label)
    return Mutated(text, tuple(applied))


def _edited(label: str, edit: Callable[[Data], None]) -> Mutated:
    data = json.loads(ORIGINAL_TEXT)
    edit(data)
    return Mutated(json.dumps(data, indent=2, ensure_ascii=False), (label,))


def _outline_reads_pages(data: Data) -> None:
    data["stages"][1]["input"]["sources"] = ["PAGES"]


def _backoff_above_maximum(data: Data) -> None:
    data["stages"][8]["execution"]["retryPolicy"]["backoffMs"] = 6000


def _placeholder_prompt(data: Data) -> None:
    data["stages"][0]["config"]["prompt"] = "Plan <markdown> with {{x}}"


def _nul_in_stage_name(data: Data) -> None:
    data["stages"][2]["name"] = "Story\u2028board 😀 */ \\ \x00"


def _no_stages(data: Data) -> None:
    del data["stages"]


def _undeclared_job_input(data: Data) -> None:
    data["stages"][0]["input"]["job"].append("sessionId")


def _unknown_source_twice(data: Data) -> None:
    data["stages"][1]["input"]["sources"] += ["NOWHERE", "NOWHERE"]


EXAMPLES = [
    Mutated("", ("truncate: to 0 characters",)),
    Mutated(ORIGINAL_TEXT.replace("{", "[", 1), ("replace_structural: first brace",)),
    _edited("add_source: OUTLINE reads PAGES", _outline_reads_pages),
    _edited("wrong_value: DONE backoffMs above maxBackoffMs", _backoff_above_maximum),
    _edited("break_prompt: inline {{x}} in PLAN", _placeholder_prompt),
    _edited("nul_character: NUL and unicode in a stage name", _nul_in_stage_name),
    _edited("delete_required_key: /stages", _no_stages),
    # An AI stage reading an undeclared job input: the prompt check looks it up.
    _edited("add_job_input: PLAN reads 'sessionId'", _undeclared_job_input),
    # The same unknown source added twice also breaks the meta-schema's uniqueItems.
    _edited("add_source: OUTLINE reads 'NOWHERE' twice", _unknown_source_twice),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Copy ``schema/`` and generate once; the snapshot covers the output's folder."""
    root = tmp_path_factory.mktemp("mutations")
    schema = root / "schema"
    shutil.copytree(SCHEMA, schema, symlinks=False)
    around = root / "work"
    out = around / "generated"
    result = invoke(
        "generate", "--manifest", str(schema / MANIFEST.name), "--out", str(out)
    )
    assert result.exception is None and result.exit_code == 0, result.stderr
    assert (out / "stepgen.lock.json").is_file()
    return Workspace(schema / MANIFEST.name, out, around, _tree(around))


def _check_rejected(
    cli: Callable[..., CliResult], workspace: Workspace, mutated: Mutated
) -> None:
    workspace.manifest.write_bytes(mutated.text.encode("utf-8"))

    result = cli(
        "generate", "--manifest", str(workspace.manifest), "--out", str(workspace.out)
    )

    assert result.exception is None, "".join(
        traceback.format_exception(result.exception)
    )
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.split("\n")
    assert lines[-1] == "", result.stderr
    *problems, summary = lines[:-1]
    assert problems, result.stderr
    for line in problems:
        assert PROBLEM_LINE.fullmatch(line), line
    counted = SUMMARY_LINE.fullmatch(summary)
    assert counted and int(counted.group(1)) == len(problems), result.stderr
    assert _tree(workspace.around) == workspace.snapshot


def test_broken_manifests_are_rejected_and_change_nothing(
    workspace: Workspace, cli: Callable[..., CliResult]
) -> None:
    exercised: Counter[str] = Counter()
    runs = 0

    @given(mutated=broken_manifests())
    def check(mutated: Mutated) -> None:
        nonlocal runs
        runs += 1
        for kind in mutated.kinds:
            event(f"mutation: {kind}")
        exercised.update(mutated.kinds)
        _check_rejected(cli, workspace, mutated)

    for case in EXAMPLES:
        check = example(mutated=case)(check)
    settings(
        max_examples=2000,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )(check)()

    assert runs >= 2000 + len(EXAMPLES)
    assert set(exercised) == ALL_KINDS, exercised
