"""Render ``docs/evolution.md`` from the rule table.

    python -m stepgen.evolution.docs [--write docs/evolution.md]

Without ``--write`` the page is printed. A test compares the committed page with
:func:`evolution_markdown`, so the table in code and the page never disagree.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from stepgen.evolution.rules import RULES, Rule

_INTRO = """\
# Schema evolution: `stepgen diff`

This page is generated from the rule table in `generator/stepgen/evolution/rules.py`
by `python -m stepgen.evolution.docs --write docs/evolution.md`; a test fails when it
is out of date.

```sh
stepgen diff OLD [NEW]             # two manifest files; NEW defaults to the manifest
stepgen diff --against REF [NEW]   # OLD is the manifest at a git revision
stepgen diff --against main --format json
```

Both sides are loaded and checked like `stepgen validate` does, then compared as
intermediate models. Every change is printed on one line,
`CLASS  WHERE  what changed — rule id: consequence`, followed by a summary; with
`--format json` the report is one JSON object (`status`, `oldVersion`, `newVersion`,
`majorBumped`, `summary` and `changes`, each with its `classification`, `rule`,
`where`, `detail`, `stage`, `def`, `migration`, `covered`, `coveredBy` and
`consequence`). With `--against REF`, the manifest at the same path relative to the
repository root is read at `REF` (`git show REF:path`), with the prompt files it
names.

## Classifications

| classification | meaning |
|---|---|
| breaking | someone who relies on the old manifest stops working; it passes only with a raised version (below) |
| breaking, needs a migration | as breaking, and the database enums need a migration too |
| needs a migration | nothing breaks, but the database enums need a migration before deploying |
| compatible | nobody has to change anything |
| info | behaviour changes in a way worth knowing, without breaking a contract |

## How a change is judged

- **Output schemas** say what *readers* receive: later stages (whose input schemas
  refer to the output) and the TypeScript service. A change that lets the schema
  accept more, or something else, breaks them; one that accepts less does not.
- **Input schemas** (and job inputs) say what *suppliers* must send: earlier stages'
  artifacts, stored ones included, and the job. A change that accepts less breaks
  them; one that accepts more does not.
- A `$ref` is followed into the `$defs` of each side. A change inside a shared entry
  is reported for every stage input and output that uses it, once each, naming the
  entry. References to the enums (`#/$defs/JobStage`, `#/$defs/ArtifactType`, …) are
  not followed: the enum rules report those changes once.
- Stages are matched by name. A removed stage and an added one that agree on
  everything but name, description and version are reported as a possible rename.

## What covers a breaking change

A breaking change inside a stage (its settings, its input or output schema) is
covered when that stage's `version` was raised, or the manifest's major version was.
A breaking change outside any stage (the stage list, an enum, a job input, a package
name, the supported models) is covered only by a raised major version. For a `0.y.z`
manifest a raised minor version counts as major, as semantic versioning has it.

| exit code | meaning |
|---|---|
| 0 | no breaking change, or every one is covered |
| 1 | a breaking change is not covered |
| 2 | a manifest is invalid (its problems are printed with their locations), a git revision cannot be read, or the command was misused |

## Rules

| rule | change | applies to | classification | consequence |
|---|---|---|---|---|
"""

_VARIABLE = re.compile(r"<[a-z_]+>")


def _cell(text: str) -> str:
    text = _VARIABLE.sub(lambda found: f"`{found.group(0)}`", text)
    return text.replace("|", "\\|")


def _row(item: Rule) -> str:
    cells = (
        f"`{item.id}`",
        item.change,
        item.scope,
        item.label,
        item.consequence,
    )
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def evolution_markdown() -> str:
    """The whole of ``docs/evolution.md``: usage, judging, coverage, the rule table."""
    return _INTRO + "".join(_row(item) + "\n" for item in RULES)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the page, or write it to the path given with ``--write``."""
    parser = argparse.ArgumentParser(prog="python -m stepgen.evolution.docs")
    parser.add_argument("--write", metavar="PATH", help="write the page here")
    options = parser.parse_args(argv)
    text = evolution_markdown()
    if options.write:
        Path(options.write).write_text(text, encoding="utf-8", newline="\n")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
