"""Schema evolution: compare two manifests and classify every change by a rule.

:func:`diff_pipelines` compares two intermediate models; :func:`diff_schemas` compares
two JSON schemas in a direction; :data:`RULES` is the rule table that judges both.
"""

from stepgen.evolution.diff import diff_pipelines, major_bumped
from stepgen.evolution.report import Change, DiffReport
from stepgen.evolution.rules import RULES, Rule, rule
from stepgen.evolution.schema_diff import INPUT, OUTPUT, SchemaChange, diff_schemas

__all__ = [
    "INPUT",
    "OUTPUT",
    "RULES",
    "Change",
    "DiffReport",
    "Rule",
    "SchemaChange",
    "diff_pipelines",
    "diff_schemas",
    "major_bumped",
    "rule",
]
