"""Comparing two versions of a JSON schema in a direction.

An output schema says what readers of an artifact may receive: a change breaks them
when the set of values it accepts grows or changes shape. An input schema says what
suppliers must send: a change breaks them when that set shrinks. Every supported
keyword is compared on its own and judged by a rule of :mod:`stepgen.evolution.rules`;
``$ref`` is followed into the ``$defs`` of each side, and a change found inside an
entry names it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from stepgen.evolution import keywords as kw
from stepgen.evolution.keywords import Schema
from stepgen.schemas import ref_target

OUTPUT = "output"
INPUT = "input"
_NEUTRAL = frozenset({"schema-annotation", "schema-ref-renamed"})


@dataclass(frozen=True)
class SchemaChange:
    """One difference between two versions of a schema, with the id of its rule.

    ``path`` is readable: ``.field`` for a property, ``[]`` for the items of an array,
    ``.*`` for unknown fields, ``.anyOf[1]`` for an alternative. ``via`` names the
    innermost ``$defs`` entry the change lies in, ``via_path`` its place there.
    """

    rule: str
    path: str
    detail: str
    via: str | None = None
    via_path: str = ""


@dataclass(frozen=True)
class _Place:
    path: str
    via: str | None = None
    via_path: str = ""

    def child(self, token: str) -> _Place:
        return replace(self, path=self.path + token, via_path=self.via_path + token)

    def inside(self, name: str) -> _Place:
        return _Place(self.path, name, "")


def diff_schemas(
    old: Any,
    new: Any,
    direction: str,
    old_defs: dict[str, Any],
    new_defs: dict[str, Any],
    *,
    opaque: frozenset[str] = frozenset(),
) -> list[SchemaChange]:
    """Every change from ``old`` to ``new``, judged for ``direction``.

    ``direction`` is :data:`OUTPUT` or :data:`INPUT`. Each ``$ref`` resolves in the
    ``$defs`` of its own side; a reference to a name in ``opaque`` (the enums, which
    the enum rules judge) is not followed. A change inside a ``$defs`` entry that the
    schema reaches more than once is reported once, at the first place.
    """
    walk = _Walk(direction, old_defs, new_defs, opaque)
    walk.compare(old, new, _Place(""), annotations=True)
    unique: dict[object, SchemaChange] = {}
    for change in walk.changes:
        key: object = change
        if change.via is not None:
            key = (change.via, change.via_path, change.rule, change.detail)
        unique.setdefault(key, change)
    return list(unique.values())


class _Walk:
    """One comparison: the direction, both sides' ``$defs``, the changes found."""

    def __init__(
        self,
        direction: str,
        old_defs: dict[str, Any],
        new_defs: dict[str, Any],
        opaque: frozenset[str],
    ) -> None:
        self.prefix = "out" if direction == OUTPUT else "in"
        self.direction = direction
        self.old_defs = old_defs
        self.new_defs = new_defs
        self.opaque = opaque
        self.changes: list[SchemaChange] = []
        self.following: set[tuple[str | None, str | None]] = set()

    def add(self, kind: str, place: _Place, detail: str) -> None:
        rule = kind if kind in _NEUTRAL else f"{self.prefix}-{kind}"
        change = SchemaChange(rule, place.path, detail, place.via, place.via_path)
        self.changes.append(change)

    def compare(self, old: Any, new: Any, place: _Place, *, annotations: bool) -> None:
        old, new = kw.node(old), kw.node(new)
        if annotations:
            for word in kw.ANNOTATIONS:
                if old.get(word) != new.get(word):
                    verb = kw.verb(word in old, word in new)
                    self.add("schema-annotation", place, f"{word} {verb}")
        old_ref, new_ref = ref_target(old), ref_target(new)
        if old_ref or new_ref:
            self._follow(old, new, old_ref, new_ref, place)
            return
        if not self._types(old, new, place):
            return
        self._values(old, new, place)
        self._keywords(old, new, place)
        for word, token in (("items", "[]"), ("additionalProperties", ".*")):
            self._subschema(word, old, new, place, token)
        self._properties(old, new, place)
        self._alternatives(old, new, place)

    def _follow(
        self,
        old: Schema,
        new: Schema,
        old_ref: str | None,
        new_ref: str | None,
        place: _Place,
    ) -> None:
        if old_ref and new_ref and old_ref != new_ref:
            detail = f"$ref changed from $defs/{old_ref} to $defs/{new_ref}"
            self.add("schema-ref-renamed", place, detail)
        if old_ref == new_ref and old_ref in self.opaque:
            return
        key = (old_ref, new_ref)
        if key in self.following:
            return
        self.following.add(key)
        before = self.old_defs.get(old_ref, {}) if old_ref else kw.bare(old)
        after = self.new_defs.get(new_ref, {}) if new_ref else kw.bare(new)
        inside = place.inside(new_ref or old_ref or "")
        self.compare(before, after, inside, annotations=old_ref == new_ref)
        self.following.discard(key)

    def _types(self, old: Schema, new: Schema, place: _Place) -> bool:
        before, after = kw.types_of(old), kw.types_of(new)
        if before == after:
            return True
        detail = f"type {kw.type_label(before)} → {kw.type_label(after)}"
        if kw.covers(after, before):
            self.add("type-widened", place, detail)
        elif kw.covers(before, after):
            self.add("type-narrowed", place, detail)
        else:
            self.add("type-changed", place, detail)
            return False
        return True

    def _values(self, old: Schema, new: Schema, place: _Place) -> None:
        before, after = kw.values_of(old), kw.values_of(new)
        if before is None and after is None:
            return
        if before is None:
            self.add(
                "constraint-tightened", place, f"values limited to {kw.listing(after)}"
            )
        elif after is None:
            detail = f"value list {kw.listing(before)} removed"
            self.add("constraint-loosened", place, detail)
        else:
            old_keys = {kw.show(value) for value in before}
            new_keys = {kw.show(value) for value in after}
            for value in after:
                if kw.show(value) not in old_keys:
                    self.add(
                        "value-added", place, f"allowed value {kw.show(value)} added"
                    )
            for value in before:
                if kw.show(value) not in new_keys:
                    detail = f"allowed value {kw.show(value)} removed"
                    self.add("value-removed", place, detail)

    def _keywords(self, old: Schema, new: Schema, place: _Place) -> None:
        for word in kw.SCALARS:
            before, after = old.get(word), new.get(word)
            if before == after:
                continue
            if before is None or after is None:
                kind = "tightened" if before is None else "loosened"
                value = kw.show(after if before is None else before)
                verb = kw.verb(before is not None, after is not None)
                self.add(f"constraint-{kind}", place, f"{word} {value} {verb}")
                continue
            detail = f"{word} {kw.show(before)} → {kw.show(after)}"
            self.add(f"constraint-{kw.judge(word, before, after)}", place, detail)
        for word in sorted((set(old) | set(new)) - kw.COMPARED):
            if old.get(word) != new.get(word):
                self.add("constraint-changed", place, f"{word} changed")

    def _subschema(
        self, word: str, old: Schema, new: Schema, place: _Place, token: str
    ) -> None:
        before, after = kw.extra(old.get(word)), kw.extra(new.get(word))
        if isinstance(before, dict) and isinstance(after, dict):
            self.compare(before, after, place.child(token), annotations=True)
        elif before != after and word == "items":
            kind = "tightened" if before == "any" else "loosened"
            detail = f"item schema {kw.verb(before != 'any', after != 'any')}"
            self.add(f"constraint-{kind}", place, detail)
        elif before != after:
            kind, detail = kw.EXTRA_MOVES[kw.extra_kind(before), kw.extra_kind(after)]
            self.add(kind, place, detail)

    def _properties(self, old: Schema, new: Schema, place: _Place) -> None:
        before = old.get("properties", {})
        after = new.get("properties", {})
        old_required = set(old.get("required", ()))
        new_required = set(new.get("required", ()))
        refuses = new.get("additionalProperties") is False
        for name in before:
            if name not in after:
                refused = refuses and self.direction == INPUT
                kind = "field-refused" if refused else "field-removed"
                self.add(kind, place.child(f".{name}"), f"field '{name}' removed")
        for name, schema in after.items():
            spot = place.child(f".{name}")
            if name not in before:
                required = name in new_required
                kind = "required-field-added" if required else "field-added"
                label = "required" if required else "optional"
                self.add(kind, spot, f"{label} field '{name}' added")
                continue
            if name in new_required and name not in old_required:
                self.add("field-required", spot, f"field '{name}' is now required")
            elif name in old_required and name not in new_required:
                detail = f"field '{name}' is no longer required"
                self.add("field-optional", spot, detail)
            self.compare(before[name], schema, spot, annotations=True)

    def _alternatives(self, old: Schema, new: Schema, place: _Place) -> None:
        before, after = old.get("anyOf"), new.get("anyOf")
        if before is None or after is None:
            if before != after:
                kind = "tightened" if before is None else "loosened"
                detail = f"anyOf {kw.verb(before is not None, after is not None)}"
                self.add(f"constraint-{kind}", place, detail)
            return
        pairs, added, removed = kw.match(before, after)
        for left, right in pairs:
            spot = place.child(f".anyOf[{right}]")
            self.compare(before[left], after[right], spot, annotations=True)
        for right in added:
            detail = f"alternative {kw.short(after[right])} added"
            self.add("alternative-added", place.child(f".anyOf[{right}]"), detail)
        for left in removed:
            detail = f"alternative {kw.short(before[left])} removed"
            self.add("alternative-removed", place, detail)
