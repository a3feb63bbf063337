"""The database must not drift from the manifest either: `stepgen check --prisma`
compares the enums of a schema.prisma with the manifest's, reading them exactly as
Prisma's own parser does, and the generated TypeScript enums have Prisma's shape."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from stepgen.prisma import read_enums

from tests.conftest import ROOT, CliResult

FIXTURE = ROOT / "tests" / "fixtures" / "prisma" / "schema.prisma"
TEXT = FIXTURE.read_text()
VARIANTS = {
    "missing-value": (
        TEXT.replace("  DONE\n}", "}"),
        ["enum JobStage: schema.prisma lacks DONE"],
    ),
    "extra-value": (
        TEXT.replace("  SUBTITLES\n", "  SUBTITLES\n  THUMBNAIL\n"),
        ["enum ArtifactType: schema.prisma has THUMBNAIL, which the manifest does not"],
    ),
    "reordered": (
        TEXT.replace("  TTS\n  RENDER\n", "  RENDER\n  TTS\n"),
        [
            "enum JobStage: the order differs: schema.prisma has PLAN, OUTLINE, "
            "STORYBOARD, NARRATION, PAGES, RENDER, TTS, MERGE, DONE; the manifest has "
            "PLAN, OUTLINE, STORYBOARD, NARRATION, PAGES, TTS, RENDER, MERGE, DONE"
        ],
    ),
    "mapped-value": (
        TEXT.replace(
            "  PENDING\n", '  PENDING @map("pending") // stored in lower case\n'
        ),
        [
            "enum ApprovalStatus: schema.prisma lacks PENDING",
            "enum ApprovalStatus: schema.prisma has pending, which the manifest does not",
        ],
    ),
    "mapped-type": (
        TEXT.replace("  SUBTITLES\n}", '  SUBTITLES\n\n  @@map("artifact_type")\n}'),
        [
            "enum ArtifactType is mapped to the database type 'artifact_type'; "
            "the manifest expects 'ArtifactType'"
        ],
    ),
    "missing-enum": (
        TEXT.replace("enum JobStage {", "enum Stage {").replace(" JobStage", " Stage"),
        ["enum JobStage is missing from schema.prisma"],
    ),
    "value-after-a-comment-with-a-brace": (
        TEXT.replace("  SUBTITLES\n", "  SUBTITLES // last one}\n  THUMBNAIL\n"),
        ["enum ArtifactType: schema.prisma has THUMBNAIL, which the manifest does not"],
    ),
    "mapped-value-with-a-brace": (
        TEXT.replace("  PENDING\n", '  PENDING @map("pen}ding")\n'),
        [
            "enum ApprovalStatus: schema.prisma lacks PENDING",
            "enum ApprovalStatus: schema.prisma has pen}ding, which the manifest does "
            "not",
        ],
    ),
    "value-after-a-doc-comment-with-a-brace": (
        TEXT.replace("  RUNNING\n", "  /// not done yet }\n  RUNNING\n  PAUSED\n"),
        ["enum JobStatus: schema.prisma has PAUSED, which the manifest does not"],
    ),
    "crlf-value-after-a-comment-with-a-brace": (
        TEXT.replace("  DONE\n", "  // the end }\n  DONE\n  ARCHIVE\n").replace(
            "\n", "\r\n"
        ),
        ["enum JobStage: schema.prisma has ARCHIVE, which the manifest does not"],
    ),
}


def _check(cli: Callable[..., CliResult], path: Path) -> CliResult:
    return cli(
        "check",
        "--prisma",
        str(path),
        "--manifest",
        str(ROOT / "schema" / "pipeline.json"),
        "--out",
        str(ROOT / "generated"),
    )


def test_the_fixture_matches_the_manifest(cli: Callable[..., CliResult]) -> None:
    result = _check(cli, FIXTURE)

    assert result.exit_code == 0, result.stderr
    assert "enums match the manifest" in result.stdout


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_drifted_schema_fails_with_a_clear_message(
    cli: Callable[..., CliResult], tmp_path: Path, name: str
) -> None:
    text, expected = VARIANTS[name]
    path = tmp_path / "schema.prisma"
    path.write_text(text)

    result = _check(cli, path)

    assert result.exit_code == 1
    lines = [
        line.split(": ", 1)[1]
        for line in result.stderr.splitlines()
        if line.startswith("prisma")
    ]
    assert lines == expected
    assert "migrate the database or change the manifest" in result.stderr


def test_json_output_carries_the_enum_findings(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = tmp_path / "schema.prisma"
    path.write_text(VARIANTS["missing-value"][0])

    result = cli(
        "check",
        "--prisma",
        str(path),
        "--format",
        "json",
        "--manifest",
        str(ROOT / "schema" / "pipeline.json"),
        "--out",
        str(ROOT / "generated"),
    )

    body = json.loads(result.stdout)
    assert result.exit_code == 1
    assert body["status"] == "drift"
    assert body["prisma"] == ["enum JobStage: schema.prisma lacks DONE"]


def test_a_missing_schema_file_is_a_usage_error(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    result = _check(cli, tmp_path / "nope.prisma")

    assert result.exit_code == 2
    assert "cannot read" in result.stderr


TRICKY = TEXT.replace(
    "enum ApprovalStatus {",
    "/// an { odd } comment\nenum   ApprovalStatus   {\n  // DRAFT is not a value\n",
).replace(
    "  REJECTED\n",
    '  REJECTED   @map("rejected_for_good")\n  @@map("approval_status")\n',
)
MODELS = TEXT[TEXT.index("model Job {") :]
ENUMS = TEXT[TEXT.index("enum JobStage {") : TEXT.index("model Job {")]
# Schemas Prisma accepts, each read by stepgen and by Prisma's own parser.
PRISMA_TEXTS = {
    "fixture": TEXT,
    "tricky": TRICKY,
    "brace-in-a-comment": "enum A {\n  X // last one}\n  Y\n}\n",
    "braces-in-comments-everywhere": (
        "// { before everything\nenum A { // opens {\n  X // }\n  // }\n  Y\n}"
        " // } after\nenum B {\n  Z\n}\n"
    ),
    "brace-in-a-doc-comment": "enum A {\n  X /// doc }\n  /// more }\n  Y\n}\n",
    "doc-comments-before-the-enum": "/// a {\n/// b }\nenum A {\n  X\n}\n",
    "brace-in-a-mapped-value": 'enum A {\n  X @map("p}q")\n  Y\n}\n',
    "brace-in-a-mapped-enum": 'enum A {\n  X\n  @@map("a}b")\n}\nenum B {\n  Y\n}\n',
    "mapped-enum-before-its-values": 'enum A {\n  @@map("a_b")\n  X\n  Y\n}\n',
    "mapped-with-a-name-argument": (
        'enum A {\n  X @map(name: "x}")\n  Y @map( "y" )\n  @@map(name: "a{")\n}\n'
    ),
    "mapped-with-spaces": 'enum A {\n  X@map("x")\n  Y @ map ("y")\n}\n',
    "mapped-then-a-comment": 'enum A {\n  X @map("x") // @map("y") }\n  Y\n}\n',
    "comment-after-the-block-map": 'enum A {\n  X\n  @@map("a") // }\n  Y\n}\n',
    "escaped-quote-in-a-map": 'enum A {\n  X @map("p\\"}q")\n  Y\n}\n',
    "escaped-backslash-before-the-quote": (
        'enum A {\n  X @map("p\\\\")\n  Y @map("}\\\\\\"")\n}\n'
    ),
    "json-escapes-in-a-map": (
        'enum A {\n  X @map("a\\tb\\nc\\/d\\u0041\\uD83D\\uDE00")\n  Y\n}\n'
    ),
    "comment-marks-in-a-string": 'enum A {\n  X @map("// not a comment }")\n  Y\n}\n',
    "empty-map": 'enum A {\n  X @map("")\n  @@map("")\n}\n',
    "blank-lines": "enum A {\n\n  X\n\n\n  Y\n\n}\n\n\nenum B {\n\n  Z\n}\n",
    "tabs-and-odd-spacing": "enum   A   {\n\tX\n    Y   \n\t}\n",
    "next-enum-after-the-brace": "enum A {\n  X\n} enum B {\n  Y\n}\n",
    "crlf": TEXT.replace("\n", "\r\n"),
    "crlf-tricky": TRICKY.replace("\n", "\r\n"),
    "crlf-comments": 'enum A {\r\n  X // c}\r\n  Y @map("}")\r\n}\r\n',
    "carriage-returns-only": "enum A {\r  X // }\r  Y\r}\r",
    "no-final-line-break": "enum A {\n  X\n  Y\n}",
    "non-ascii-value": "enum A {\n  X\n  \u00c9T\u00c9\n}\n",
    "enums-after-the-models": TEXT[: TEXT.index("enum JobStage {")] + MODELS + ENUMS,
    "enums-between-the-models": (
        TEXT[: TEXT.index("enum JobStage {")]
        + MODELS[: MODELS.index("model Approval {")]
        + ENUMS
        + MODELS[MODELS.index("model Approval {") :]
    ),
    "braces-in-model-strings": (
        "model M {\n"
        '  id   String @id @default("}")\n'
        '  body String @default("{ \\"a\\": \\"}\\" }") // }\n'
        '  note String @default("enum B {") /// {\n'
        "}\n"
        "enum A {\n  X\n  Y\n}\n"
        'model N {\n  id String @id @default("{{")\n}\n'
        "enum C {\n  Z\n}\n"
    ),
    "model-mapped-like-an-enum": (
        'model M {\n  id Int @id\n  @@map("m}")\n}\nenum A {\n  X @map("x")\n}\n'
    ),
}


def test_enums_are_read_exactly_as_prisma_reads_them(tmp_path: Path) -> None:
    texts = {**PRISMA_TEXTS, **{name: text for name, (text, _) in VARIANTS.items()}}
    files = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.prisma"
        path.write_bytes(text.encode("utf-8"))
        files[name] = path

    output = subprocess.run(
        ["node", str(ROOT / "tests" / "prisma_dmmf.mjs"), *map(str, files.values())],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    prisma = json.loads(output)

    differ = {}
    for name, path in files.items():
        ours = {
            enum: {
                "dbName": item.db_name,
                "values": [[value.name, value.db_name] for value in item.values],
            }
            for enum, item in read_enums(path.read_bytes().decode("utf-8")).items()
        }
        if ours != prisma[str(path)]:
            differ[name] = {"stepgen": ours, "prisma": prisma[str(path)]}
    assert differ == {}


def test_the_comparison_sees_the_values_behind_braces() -> None:
    # The reader must find what Prisma finds, or the comparison above proves nothing.
    enums = read_enums(PRISMA_TEXTS["brace-in-a-comment"])
    assert [value.name for value in enums["A"].values] == ["X", "Y"]
    enums = read_enums(PRISMA_TEXTS["braces-in-model-strings"])
    assert sorted(enums) == ["A", "C"]
    enums = read_enums(PRISMA_TEXTS["escaped-quote-in-a-map"])
    assert [value.db_name for value in enums["A"].values] == ['p"}q', None]


PRISMA_SHAPE = """\
export const {name} = {{
{members}
}} as const

export type {name} = (typeof {name})[keyof typeof {name}]
"""
CHECK = """\
import * as generated from "../../generated/typescript/src/enums.js";
import * as prisma from "./prisma-enums.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
{lines}
"""


def _prisma_enums(text: str) -> str:
    blocks = []
    for name, item in read_enums(text).items():
        members = "\n".join(f"  {value.name}: '{value.name}'," for value in item.values)
        blocks.append(PRISMA_SHAPE.format(name=name, members=members))
    return "\n".join(blocks)


def _tsc(folder: Path, prisma_text: str) -> subprocess.CompletedProcess[str]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "prisma-enums.ts").write_text(_prisma_enums(prisma_text))
    lines = []
    for name in ("JobStage", "ArtifactType", "JobStatus", "ApprovalStatus"):
        lines += [
            f"const {name}Same: Same<generated.{name}, prisma.{name}> = true;",
            f"const {name}ToPrisma: prisma.{name} = generated.{name}[Object.keys(generated.{name})[0] as keyof typeof generated.{name}];",
            f"const {name}FromPrisma: generated.{name} = prisma.{name}[Object.keys(prisma.{name})[0] as keyof typeof prisma.{name}];",
            f"void [{name}Same, {name}ToPrisma, {name}FromPrisma];",
        ]
    (folder / "check.ts").write_text(CHECK.format(lines="\n".join(lines)))
    return subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "tsc"),
            "--noEmit",
            "--strict",
            "--exactOptionalPropertyTypes",
            "--target",
            "ES2022",
            "--module",
            "NodeNext",
            "--moduleResolution",
            "NodeNext",
            str(folder / "check.ts"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_generated_enums_and_prisma_enums_are_assignable_both_ways() -> None:
    result = _tsc(ROOT / "build" / "prisma-shape", TEXT)

    assert result.returncode == 0, result.stdout


def test_a_drifted_prisma_enum_fails_the_type_check() -> None:
    result = _tsc(ROOT / "build" / "prisma-shape-drifted", VARIANTS["missing-value"][0])

    assert result.returncode != 0
    assert "Type '\"DONE\"' is not assignable to type 'JobStage'" in result.stdout
