"""The rule table of ``stepgen diff``: every kind of change, how it is judged, and why.

Each row names a change, where it applies, its classification (``breaking``,
``migration``, ``compatible`` or ``info``; a breaking row may also need a migration)
and the consequence to act on. :mod:`stepgen.evolution.docs` renders it as
``docs/evolution.md``, which explains the classifications.
"""

from __future__ import annotations

from dataclasses import dataclass

BREAKING = "breaking"
MIGRATION = "migration"
COMPATIBLE = "compatible"
INFO = "info"
CLASSIFICATIONS = (BREAKING, MIGRATION, COMPATIBLE, INFO)

OUT = "output schema"
IN = "input schema"
SCHEMA = "any schema"
STAGE = "stage"
STAGES = "stage list"
ENUM = "enum"
MANIFEST = "manifest"

_READERS = "later stages and the TypeScript service"
_SUPPLIERS = "earlier stages and the job"


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: a kind of change and how it is judged."""

    id: str
    scope: str
    classification: str
    migration: bool
    change: str
    consequence: str

    @property
    def breaking(self) -> bool:
        """Whether this change needs a version bump."""
        return self.classification == BREAKING

    @property
    def label(self) -> str:
        """The classification as the table prints it."""
        if self.classification == MIGRATION:
            return "needs a migration"
        if self.migration:
            return f"{self.classification}, needs a migration"
        return self.classification


# One row per rule: id, scope, classification ("+migration" when it also needs one),
# what changed, consequence.
# fmt: off
_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("out-field-removed", OUT, BREAKING, "a field is removed",
     f"{_READERS} that read the field no longer receive it"),
    ("out-field-added", OUT, COMPATIBLE, "an optional field is added",
     "readers may use it once regenerated; where the object refuses unknown fields, "
     "deploy regenerated readers before the stage"),
    ("out-required-field-added", OUT, COMPATIBLE, "a required field is added",
     "readers can rely on it once regenerated; where the object refuses unknown "
     "fields, deploy regenerated readers before the stage"),
    ("out-field-required", OUT, COMPATIBLE, "an existing field becomes required",
     "readers can rely on the field being present"),
    ("out-field-optional", OUT, BREAKING, "a field is no longer required",
     f"{_READERS} that expect the field may find it missing"),
    ("out-type-widened", OUT, BREAKING, "a type is allowed besides the old ones",
     f"{_READERS} receive values of a type they do not handle"),
    ("out-type-narrowed", OUT, COMPATIBLE, "a type is no longer allowed",
     "readers receive a subset of what they handle"),
    ("out-type-changed", OUT, BREAKING, "the type is replaced by an unrelated one",
     f"{_READERS} receive values of a type they do not handle"),
    ("out-constraint-loosened", OUT, BREAKING,
     "a bound, pattern, format, multipleOf, item schema or value list is loosened "
     "or removed",
     f"{_READERS} may receive values outside what they were built for"),
    ("out-constraint-tightened", OUT, COMPATIBLE,
     "a bound, pattern, format, multipleOf, item schema or value list is added or "
     "tightened",
     "readers receive a subset of what they accept; artifacts stored before may not "
     "satisfy it (see the readers' input changes)"),
    ("out-constraint-changed", OUT, BREAKING,
     "a pattern, format or multipleOf is replaced by one that is neither looser nor "
     "tighter",
     f"{_READERS} may receive values the old constraint excluded"),
    ("out-value-added", OUT, BREAKING, "an allowed value (enum, const) is added",
     f"{_READERS} receive a value they do not know"),
    ("out-value-removed", OUT, COMPATIBLE, "an allowed value (enum, const) is removed",
     "readers no longer receive the value"),
    ("out-unknown-fields-allowed", OUT, BREAKING,
     "additionalProperties changes from false to allowed",
     f"{_READERS} may receive fields they do not know; strict models refuse them"),
    ("out-unknown-fields-refused", OUT, COMPATIBLE,
     "additionalProperties becomes false",
     "readers no longer receive fields they do not know"),
    ("out-alternative-added", OUT, BREAKING, "an anyOf alternative is added",
     f"{_READERS} receive values of a shape they do not handle"),
    ("out-alternative-removed", OUT, COMPATIBLE, "an anyOf alternative is removed",
     "readers receive a subset of what they handle"),
    ("in-field-removed", IN, COMPATIBLE,
     "a field is removed from an object that accepts unknown fields",
     "suppliers may still send it; the stage ignores it"),
    ("in-field-refused", IN, BREAKING,
     "a field is removed from an object that refuses unknown fields",
     "inputs that still carry it are refused"),
    ("in-field-added", IN, COMPATIBLE, "an optional field is added",
     "suppliers may send it"),
    ("in-required-field-added", IN, BREAKING, "a required field is added",
     f"{_SUPPLIERS} must now provide it; inputs made without it, from artifacts "
     "stored before included, are refused"),
    ("in-field-required", IN, BREAKING, "an existing field becomes required",
     "inputs that omit it are refused"),
    ("in-field-optional", IN, COMPATIBLE, "a field is no longer required",
     "suppliers may omit it"),
    ("in-type-widened", IN, COMPATIBLE, "a type is allowed besides the old ones",
     "the stage accepts everything it accepted before"),
    ("in-type-narrowed", IN, BREAKING, "a type is no longer allowed",
     "inputs of the removed type are refused"),
    ("in-type-changed", IN, BREAKING, "the type is replaced by an unrelated one",
     "inputs of the old type are refused"),
    ("in-constraint-loosened", IN, COMPATIBLE,
     "a bound, pattern, format, multipleOf, item schema or value list is loosened "
     "or removed",
     "the stage accepts everything it accepted before"),
    ("in-constraint-tightened", IN, BREAKING,
     "a bound, pattern, format, multipleOf, item schema or value list is added or "
     "tightened",
     "inputs that passed before, artifacts stored by earlier stages included, may "
     "be refused"),
    ("in-constraint-changed", IN, BREAKING,
     "a pattern, format or multipleOf is replaced by one that is neither looser nor "
     "tighter",
     "inputs valid before may be refused"),
    ("in-value-added", IN, COMPATIBLE, "an allowed value (enum, const) is added",
     "suppliers may send it"),
    ("in-value-removed", IN, BREAKING, "an allowed value (enum, const) is removed",
     "inputs that carry the value are refused"),
    ("in-unknown-fields-allowed", IN, COMPATIBLE,
     "additionalProperties changes from false to allowed",
     "the stage accepts everything it accepted before"),
    ("in-unknown-fields-refused", IN, BREAKING, "additionalProperties becomes false",
     "inputs that carry fields the schema does not declare are refused"),
    ("in-alternative-added", IN, COMPATIBLE, "an anyOf alternative is added",
     "the stage accepts everything it accepted before"),
    ("in-alternative-removed", IN, BREAKING, "an anyOf alternative is removed",
     "inputs of that shape are refused"),
    ("schema-annotation", SCHEMA, COMPATIBLE,
     "a description, title, default or examples changes",
     "documentation and generated docstrings change; no value is judged differently"),
    ("schema-ref-renamed", SCHEMA, INFO, "a $ref points to another $defs entry",
     "the generated model changes its name; code that imports the old name must "
     "follow (the content is compared separately)"),
    ("stage-added", STAGES, MIGRATION, "a stage is added",
     "the PostgreSQL JobStage enum needs the value (ALTER TYPE ... ADD VALUE, a Prisma "
     "migration) before deploying; the TypeScript service sees a new stage"),
    ("stage-removed", STAGES, BREAKING + "+migration", "a stage is removed",
     "Job, Artifact, Approval and PromptStageConfig rows may still use the value; "
     "PostgreSQL cannot drop an enum value, so rows are migrated and the type "
     "recreated; the TypeScript service and readers of the stage break"),
    ("stage-renamed", STAGES, BREAKING + "+migration",
     "a stage is removed and one with the same definition added (a possible rename)",
     "rows keep the old name until the enum value is renamed (ALTER TYPE ... RENAME "
     "VALUE, a Prisma migration); the TypeScript service uses the old name"),
    ("stage-reordered", STAGES, BREAKING + "+migration",
     "stages run in a different order",
     "the workflow runs stages in a new order, and PostgreSQL orders enum values by "
     "declaration, so JobStage must be recreated to match"),
    ("enum-value-added", ENUM, MIGRATION, "an enum value is added",
     "the PostgreSQL enum needs the value (ALTER TYPE ... ADD VALUE, a Prisma "
     "migration) before deploying; the TypeScript service may receive it"),
    ("enum-value-removed", ENUM, BREAKING + "+migration", "an enum value is removed",
     "rows that use the value must be migrated and the type recreated (PostgreSQL "
     "cannot drop an enum value); the TypeScript service may still send it"),
    ("enum-reordered", ENUM, MIGRATION, "enum values change order",
     "PostgreSQL orders enum values by declaration: recreate the type, or "
     "`stepgen check --prisma` keeps reporting the order"),
    ("enum-added", ENUM, MIGRATION, "an enum is added",
     "the database needs the new enum type (a Prisma migration)"),
    ("enum-removed", ENUM, BREAKING + "+migration", "an enum is removed",
     "columns of that type must be migrated and the type dropped; the TypeScript "
     "service may still use it"),
    ("stage-type-changed", STAGE, BREAKING,
     "the step type (AI_GENERATION, PROCESSING, MERGE) changes",
     "the runtime needs a model and a prompt, or a registered processor, for the "
     "stage; the step definition changes in both packages"),
    ("artifact-type-changed", STAGE, BREAKING, "the output artifact type changes",
     "artifacts are stored under another Artifact.type, and readers look up "
     "(jobId, stage, type): those stored under the old type are no longer found, and "
     "readers' prompt variables may change (<x_json> or <x_outputs>)"),
    ("prompt-variable-added", STAGE, BREAKING,
     "an AI stage's prompt must mention a new <variable>",
     "stored prompt configurations (PromptStageConfig) that do not mention it are "
     "refused at run time: publish updated ones before deploying"),
    ("source-added", STAGE, INFO, "the stage reads another stage",
     "the stage runs after it and reads its latest artifact; the input schema and "
     "the prompt variables change with it (reported separately)"),
    ("source-removed", STAGE, INFO, "the stage no longer reads a stage",
     "the stage no longer needs that artifact; the input schema changes with it"),
    ("job-input-read", STAGE, INFO, "the stage reads another job input",
     "the stage reads the value from the job; the input schema changes with it"),
    ("job-input-unread", STAGE, INFO, "the stage no longer reads a job input",
     "the input schema changes with it"),
    ("approval-added", STAGE, INFO, "the stage starts requiring approval",
     "runs stop at the stage with the job in WAITING_APPROVAL until approveStage "
     "or rejectStage arrives"),
    ("approval-removed", STAGE, INFO, "the stage no longer requires approval",
     "runs no longer wait for approveStage or rejectStage at the stage, and no "
     "Approval row is created for it"),
    ("retry-changed", STAGE, INFO, "the retry policy changes",
     "failed attempts are retried with the new policy, which the workflow engine "
     "receives with the stage's activity"),
    ("timeout-changed", STAGE, INFO, "the time limit changes",
     "attempts of the stage are stopped at the new limit"),
    ("model-changed", STAGE, INFO, "the default model changes",
     "runs use it unless PromptStageActive points the stage at a stored "
     "configuration, which keeps its own"),
    ("temperature-changed", STAGE, INFO, "the default temperature changes",
     "runs use it unless a stored configuration is active for the stage"),
    ("prompt-changed", STAGE, INFO, "the default prompt or its file changes",
     "runs use it unless a stored configuration is active; stored configurations "
     "are not updated"),
    ("config-changed", STAGE, INFO, "the default tools or meta change",
     "runs use them unless a stored configuration is active for the stage"),
    ("stage-described", STAGE, INFO, "the stage's name or description changes",
     "documentation and generated docstrings change"),
    ("stage-version-changed", STAGE, INFO, "the stage's version changes",
     "a raised version covers the stage's breaking changes"),
    ("manifest-version-changed", MANIFEST, INFO, "the manifest's version changes",
     "a raised major version covers every breaking change"),
    ("manifest-described", MANIFEST, INFO,
     "the manifest's name or description changes",
     "documentation changes"),
    ("package-renamed", MANIFEST, BREAKING,
     "a generated package's name changes",
     "code that imports the Python package or the TypeScript package must follow"),
    ("model-added", MANIFEST, COMPATIBLE, "a supported model is added",
     "stages and stored configurations may use it"),
    ("model-removed", MANIFEST, BREAKING, "a supported model is removed",
     "stored prompt configurations that name it are refused at run time"),
    ("job-input-added", MANIFEST, INFO, "a job input is declared",
     "stages may read it"),
    ("job-input-removed", MANIFEST, INFO, "a job input is no longer declared",
     "no stage reads it any more"),
    ("job-input-moved", MANIFEST, BREAKING, "a job input is read from another place",
     "jobs created by the TypeScript service must carry the value at the new place"),
    ("def-added", MANIFEST, INFO, "a $defs entry is added",
     "both packages gain a model of that name"),
    ("def-removed", MANIFEST, INFO, "a $defs entry is removed",
     "both packages lose the model of that name; code that imports it must follow"),
)
# fmt: on

RULES: tuple[Rule, ...] = tuple(
    Rule(rule_id, scope, kind.split("+")[0], "+migration" in kind, change, effect)
    for rule_id, scope, kind, change, effect in _TABLE
)
_BY_ID = {item.id: item for item in RULES}


def rule(rule_id: str) -> Rule:
    """Return the rule called ``rule_id``; an unknown id is a programming error."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in the rule table") from None
