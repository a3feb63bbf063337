"""The result of comparing two manifests: classified changes and what covers them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from stepgen.evolution.rules import CLASSIFICATIONS, MIGRATION, Rule


@dataclass(frozen=True)
class Change:
    """One classified difference between two manifests.

    ``stage`` names the stage whose version bump covers the change (None for changes
    outside any stage, which only a major manifest version covers); ``via`` names the
    ``$defs`` entry a schema change lies in; ``covered_by`` says which version bump
    covers a breaking change, if one does.
    """

    rule: Rule
    where: str
    detail: str
    stage: str | None = None
    via: str | None = None
    covered_by: str | None = None

    @property
    def classification(self) -> str:
        """The classification of the rule that applies."""
        return self.rule.classification

    @property
    def blocking(self) -> bool:
        """Whether the change is breaking and no version bump covers it."""
        return self.rule.breaking and self.covered_by is None

    def describe(self) -> str:
        """What changed, with the ``$defs`` entry and the covering bump, if any."""
        text = self.detail
        if self.via is not None:
            text += f" (in $defs/{self.via})"
        if self.rule.breaking and self.covered_by is not None:
            text += f" [covered by {self.covered_by}]"
        return text

    def render(self) -> str:
        """Return the line ``CLASS  WHERE  what changed — rule id: consequence``."""
        label = self.classification.upper()
        return (
            f"{label:<10}  {self.where}  {self.describe()} — "
            f"{self.rule.id}: {self.rule.consequence}"
        )

    def as_dict(self) -> dict[str, object]:
        """Return the change as a JSON-ready mapping."""
        return {
            "classification": self.classification,
            "rule": self.rule.id,
            "where": self.where,
            "detail": self.detail,
            "stage": self.stage,
            "def": self.via,
            "migration": self.rule.migration or self.classification == MIGRATION,
            "covered": self.covered_by is not None,
            "coveredBy": self.covered_by,
            "consequence": self.rule.consequence,
        }


@dataclass(frozen=True)
class DiffReport:
    """Every change from one manifest to another, in report order."""

    old_version: str
    new_version: str
    major_bumped: bool
    changes: tuple[Change, ...]

    @property
    def blocking(self) -> list[Change]:
        """The breaking changes no version bump covers."""
        return [change for change in self.changes if change.blocking]

    def counts(self) -> dict[str, int]:
        """How many changes there are of each classification, and how many block."""
        found = Counter(change.classification for change in self.changes)
        counts = {name: found[name] for name in CLASSIFICATIONS}
        counts["uncovered"] = len(self.blocking)
        return counts

    def summary(self) -> str:
        """One line counting the changes by classification."""
        if not self.changes:
            return "no changes"
        counts = self.counts()
        total = len(self.changes)
        breaking = f"{counts['breaking']} breaking"
        if counts["breaking"]:
            breaking += f" ({counts['uncovered']} not covered by a version bump)"
        return (
            f"{total} change{'s' if total != 1 else ''}: {breaking}, "
            f"{counts['migration']} needing a migration, "
            f"{counts['compatible']} compatible, {counts['info']} info"
        )

    def as_dict(self) -> dict[str, object]:
        """Return the report as a JSON-ready mapping."""
        return {
            "status": "breaking" if self.blocking else "ok",
            "oldVersion": self.old_version,
            "newVersion": self.new_version,
            "majorBumped": self.major_bumped,
            "summary": self.counts(),
            "changes": [change.as_dict() for change in self.changes],
        }
