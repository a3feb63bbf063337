"""Free text inside schemas: descriptions, titles, enum and const values, defaults and
examples.

Descriptions and titles are documentation: the Python models carry them as docstrings
laid out as black lays them out (:mod:`stepgen.emit.docstrings`), while the published
schemas keep them exactly. Enum, const, default and example values are data: the
Python models and the Zod schemas hold them exactly. NUL is refused wherever it is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError
from stepgen.api import generate
from stepgen.emit.docstrings import as_docstring
from stepgen.emit.formatting import format_python

from tests.conftest import CliResult
from tests.support import import_generated, tree
from tests.test_free_text import HOSTILE, MINIMAL, build_typescript, run_node

WHITESPACE = [
    "  indented start",
    "trailing spaces and tabs \t \t",
    "\tleading tab\n\t\ttwo tabs\n  two spaces",
    "\n\n  \n lines\n\n\n  around  \n \n",
    "   ",
    "a\x0bb\x1cc\x1dd\x1ee\x85f\u2028g\u2029h\r\ni\rj\x0ck",
    "\xa0no-break space\u3000ideographic space\x1f",
    "ends with backslash \\",
    '"quoted"',
]
TEXTS = [*HOSTILE, *WHITESPACE]


PLACES = frozenset({"description", "title", "enum", "const", "default", "examples"})
DOCSTRINGS = frozenset({"description"})
LITERALS = PLACES - DOCSTRINGS


def schema_manifest(
    tmp_path: Path,
    text: str,
    values: list[str] | None = None,
    places: frozenset[str] = PLACES,
) -> Path:
    """The minimal manifest with ``text`` in every kind of schema free text.

    The ``Question`` output model gets it as description and title (on the class and
    on a field), as the first ``class`` enum value (or ``values``), as a const, and as
    the default and an example of the ``note`` field; the inline output schema of
    ``PACK`` and the ``DraftOutput`` class get it as description and title. Places
    not in ``places`` get plain text instead.
    """

    def put(place: str) -> str:
        return text if place in places else "plain"

    data = json.loads(MINIMAL.read_text())
    question = data["$defs"]["Question"]
    question["description"] = put("description")
    question["title"] = put("title")
    fields = question["properties"]
    fields["text"]["description"] = put("description")
    fields["text"]["title"] = put("title")
    fields["class"]["enum"] = values if values is not None else [put("enum"), "hard"]
    fields["kind"] = {"const": put("const"), "description": put("description")}
    fields["note"] = {
        "type": "string",
        "default": put("default"),
        "examples": [put("examples"), "plain"],
        "description": put("description"),
    }
    data["$defs"]["DraftOutput"]["description"] = put("description")
    pack = data["stages"][1]["output"]["schema"]
    pack["description"] = put("description")
    pack["title"] = put("title")
    pack["properties"]["count"]["description"] = put("description")
    target = tmp_path / "pipeline.json"
    target.write_text(json.dumps(data, ensure_ascii=False))
    return target


def _question(**fields: Any) -> dict[str, Any]:
    return {"text": "Which?", "choices": ["a", "b"], "answer": 0, **fields}


def _docstring(model: type) -> str:
    """The text of a model's docstring, as the models module lays docstrings out."""
    lines = str(model.__doc__).split("\n")
    assert lines[0] == "" and lines[-1] == "    "
    return "\n".join(line.removeprefix("    ") for line in lines[1:-1])


def _near_misses(text: str) -> list[str]:
    return [text + " ", " " + text, text[:-1], text.upper() + "x"]


Made = Callable[[str, frozenset[str]], Path]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The generated tree of the schema manifest with a text in some places, made
    once for each."""
    outs: dict[tuple[str, frozenset[str]], Path] = {}

    def make(text: str, places: frozenset[str]) -> Path:
        if (text, places) not in outs:
            where = tmp_path_factory.mktemp("schema-text")
            outs[text, places] = where / "out"
            generate(schema_manifest(where, text, places=places), where / "out")
        return outs[text, places]

    return make


def _unstable_python(out: Path) -> list[str]:
    return [
        name
        for name, content in tree(out / "python").items()
        if name.endswith(".py") and format_python(content.decode()) != content.decode()
    ]


def _black_cases() -> list[Any]:
    cases = []
    for index, text in enumerate(TEXTS):
        for kind, places in (("docstrings", DOCSTRINGS), ("literals", LITERALS)):
            cases.append(pytest.param(text, places, id=f"{kind}-{index}"))
    return cases


@pytest.mark.parametrize(("text", "places"), _black_cases())
def test_python_modules_are_black_stable(
    made: Made, text: str, places: frozenset[str]
) -> None:
    assert _unstable_python(made(text, places)) == []


def test_wide_characters_in_a_long_literal_keep_the_modules_black_stable(
    made: Made,
) -> None:
    assert _unstable_python(made("中文 " * 15, LITERALS)) == []


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_python_models_hold_schema_text(made: Made, text: str) -> None:
    out = made(text, PLACES)
    package = import_generated(out, "quiz_steps")
    models: ModuleType = package.models
    question = models.Question
    schema = package.get_step("DRAFT_QUESTIONS").output.schema

    assert question.model_validate(_question(**{"class": text})).class_ == text
    assert question.model_validate(_question(kind=text)).kind == text
    for miss in _near_misses(text):
        with pytest.raises(ValidationError):
            question.model_validate(_question(**{"class": miss}))
        with pytest.raises(ValidationError):
            question.model_validate(_question(kind=miss))
    assert question.model_validate(_question()).note == text
    assert question.model_fields["note"].default == text
    assert question.model_fields["note"].examples == [text, "plain"]
    documentation = as_docstring(text)
    if documentation:
        assert _docstring(question) == documentation
        assert _docstring(models.PackOutput) == documentation
    assert question.model_fields["text"].title == documentation

    published = schema["$defs"]["Question"]
    assert published["description"] == text
    assert published["title"] == text
    assert published["properties"]["text"]["description"] == text
    assert published["properties"]["text"]["title"] == text
    assert published["properties"]["class"]["enum"] == [text, "hard"]
    assert published["properties"]["kind"] == {"const": text, "description": text}
    assert published["properties"]["note"]["default"] == text
    assert published["properties"]["note"]["examples"] == [text, "plain"]
    assert schema["description"] == text
    pack = package.get_step("PACK").output.schema
    assert (pack["description"], pack["title"]) == (text, text)


def test_schema_text_round_trips_through_typescript(tmp_path: Path) -> None:
    text = "|".join(TEXTS)
    values = [*TEXTS, "hard"]
    manifest = schema_manifest(tmp_path, text, values)
    js = build_typescript(manifest, "schema-text")
    script = (
        "const pkg = await import(process.argv[1] + '/index.js');"
        "const [values, misses, text] = JSON.parse(process.argv[2]);"
        "const output = pkg.VALIDATORS.DRAFT_QUESTIONS.output;"
        "const question = (fields) => ({questions: [{text: 'Which?',"
        " choices: ['a', 'b'], answer: 0, ...fields}]});"
        "const ok = (fields) => output.safeParse(question(fields)).success;"
        "process.stdout.write(JSON.stringify({"
        " enum: values.map((value) => ok({class: value})),"
        " enumMisses: misses.map((value) => ok({class: value})),"
        " const: ok({kind: text}),"
        " constMisses: misses.map((value) => ok({kind: value})),"
        " default: output.parse(question({})).questions[0].note,"
        " schemas: [pkg.getStep('DRAFT_QUESTIONS').output.schema,"
        "  pkg.getStep('PACK').output.schema]}));"
    )
    misses = [miss for value in values for miss in _near_misses(value)]
    misses = [miss for miss in misses if miss not in values] + [text + "x"]
    result = run_node(script, js, json.dumps([values, misses, text]))
    shutil.rmtree(js.parent, ignore_errors=True)

    assert result["enum"] == [True] * len(values)
    assert result["enumMisses"] == [False] * len(misses)
    assert result["const"] is True
    assert result["constMisses"] == [False] * len(misses)
    assert result["default"] == text
    generate(manifest, tmp_path / "out")
    package = import_generated(tmp_path / "out", "quiz_steps")
    published = [
        package.get_step(stage).output.schema for stage in ("DRAFT_QUESTIONS", "PACK")
    ]
    assert result["schemas"] == json.loads(json.dumps(published))
    question = result["schemas"][0]["$defs"]["Question"]
    assert question["properties"]["class"]["enum"] == values
    assert question["properties"]["note"]["examples"] == [text, "plain"]
    assert question["description"] == text


@pytest.mark.parametrize(
    "where",
    ["description", "title", "enum", "const", "default", "examples"],
)
def test_nul_in_schema_text_is_refused_where_it_stands(
    tmp_path: Path,
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    data = json.loads(MINIMAL.read_text())
    hint = data["$defs"]["Question"]["properties"]["hint"]
    text = "before\x00after"
    value: Any = [text, "x"] if where in ("enum", "examples") else text
    hint[where] = value
    (tmp_path / "pipeline.json").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)

    result = cli("generate", "--manifest", "pipeline.json", "--out", "out")

    pointer = "/$defs/Question/properties/hint/" + where
    pointer += "/0" if isinstance(value, list) else ""
    assert result.exit_code == 2
    assert result.exception is None
    assert f"nul-character at {pointer}" in result.stderr
    assert not (tmp_path / "out").exists()
