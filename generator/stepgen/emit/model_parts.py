"""The models module made in parts, so that more than one process can make it.

The prepared schemas are ordered so that every class comes after the classes it
uses, and cut into parts of about equal size. The model generator makes each part on
its own; a class of an earlier part appears to a later one as an imported name from a
placeholder module, whose imports are dropped when the parts are joined. Classes the
model generator names itself are scoped by their parent's name, so no two parts can
define the same one. How many parts there are depends on the manifest alone, and the
parts are joined in order, so the module is the same however many processes made it.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stepgen.emit.model_generator import PLACEHOLDER_MODULE
from stepgen.schemas import ref_target

PART_WEIGHT = 4000  # schema nodes: a part's share of the work
# Below this many schema nodes one run of the model generator costs less than two
# side by side: each run has a fixed cost, and a second process starts cold.
ONE_PART_WEIGHT = 250
_FUTURE = "from __future__ import annotations"
_FROM_IMPORT = re.compile(r"^from ([\w.]+) import (.+)$")
_TOP_LEVEL_NAME = re.compile(r"^(?:class |def )?([A-Za-z_]\w*)\b")


@dataclass(frozen=True)
class Part:
    """One part: the classes it makes, the names it takes from earlier parts, and
    how much work it is."""

    defs: dict[str, Any]
    external: tuple[str, ...]
    weight: int

    def as_message(self) -> dict[str, Any]:
        """The part as JSON data, for a worker."""
        return {"defs": self.defs, "external": list(self.external)}


class PartsCollide(Exception):
    """Two parts defined the same class; the module has to be made in one part."""


def split(classes: dict[str, Any], shared: dict[str, Any], parts: int) -> list[Part]:
    """Cut ``classes`` (prepared schemas by class name) into about ``parts`` parts.

    ``shared`` holds schemas every part may refer to without making them (the string
    formats, which the model generator replaces by the runtime's types).
    """
    order = _dependency_order(classes)
    weights = {name: _weight(classes[name]) for name in order}
    count = max(1, min(parts, len(order)))
    target = sum(weights.values()) / count
    chunks: list[list[str]] = [[]]
    done = 0.0
    for name in order:
        if chunks[-1] and len(chunks) < count and done >= target * len(chunks):
            chunks.append([])
        chunks[-1].append(name)
        done += weights[name]
    result = []
    for chunk in chunks:
        own = set(chunk)
        used = sorted(
            {name for item in chunk for name in _refs(classes[item])}
            - own
            - set(shared)
        )
        defs = {name: classes[name] for name in chunk}
        defs.update({name: {"type": "object"} for name in used})
        defs.update(shared)
        result.append(Part(defs, tuple(used), sum(weights[name] for name in chunk)))
    return result


def part_count(classes: dict[str, Any]) -> int:
    """How many parts the classes are made in: one for a small manifest, at least
    two otherwise, more for big manifests."""
    total = sum(_weight(schema) for schema in classes.values())
    if total < ONE_PART_WEIGHT:
        return 1
    return max(2, math.ceil(total / PART_WEIGHT))


def join(sources: list[str], header: str) -> str:
    """One module from the parts' modules, in part order, with one import block.

    The parts come from the model generator's own formatter, so their imports and
    top-level names can be read line by line without parsing the modules. Raises
    :class:`PartsCollide` when two parts define the same name.
    """
    imports: dict[str, set[str]] = {}
    plain: set[str] = set()
    bodies: list[str] = []
    defined: set[str] = set()
    for source in sources:
        lines = source.splitlines()
        start = _read_imports(lines, imports, plain)
        own = {
            found.group(1)
            for line in lines[start:]
            if (found := _TOP_LEVEL_NAME.match(line)) is not None
        }
        if own & defined:
            raise PartsCollide(", ".join(sorted(own & defined)))
        defined |= own
        body = "\n".join(lines[start:]).strip("\n")
        if body:
            bodies.append(body)
    imports.pop("__future__", None)
    imports.pop(PLACEHOLDER_MODULE, None)
    blocks = [header, _FUTURE, *_import_blocks(imports, plain)]
    return "\n\n".join(blocks) + "\n\n\n" + "\n\n\n".join(bodies) + "\n"


def _read_imports(
    lines: list[str], imports: dict[str, set[str]], plain: set[str]
) -> int:
    """Gather the module's leading imports; return the index of its first other line."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip() or line.startswith("#"):
            index += 1
            continue
        found = _FROM_IMPORT.match(line)
        if found is not None:
            names = found.group(2)
            if names == "(":
                names = ""
                index += 1
                while lines[index].strip() != ")":
                    names += lines[index]
                    index += 1
            imports.setdefault(found.group(1), set()).update(
                " ".join(name.split()) for name in names.split(",") if name.strip()
            )
        elif line.startswith("import "):
            plain.update(name.strip() for name in line[len("import ") :].split(","))
        else:
            return index
        index += 1
    return index


def _import_blocks(imports: dict[str, set[str]], plain: set[str]) -> Iterator[str]:
    standard = [name for name in sorted(imports) if _is_standard(name)]
    other = [name for name in sorted(imports) if not _is_standard(name)]
    for is_standard, group in ((True, standard), (False, other)):
        lines = [
            f"import {name}"
            for name in sorted(plain)
            if _is_standard(name) == is_standard
        ]
        lines += [
            f"from {module} import {', '.join(sorted(imports[module]))}"
            for module in group
        ]
        if lines:
            yield "\n".join(lines)


def _is_standard(module: str) -> bool:
    return module.split(".", 1)[0] in sys.stdlib_module_names


def _dependency_order(classes: dict[str, Any]) -> list[str]:
    """Class names, each after the classes it refers to; ties in name order."""
    order: list[str] = []
    placed: set[str] = set()
    for root in sorted(classes):
        stack: list[tuple[str, Iterator[str]]] = []
        if root not in placed:
            placed.add(root)
            stack.append((root, iter(sorted(_refs(classes[root])))))
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                order.append(name)
            elif child in classes and child not in placed:
                placed.add(child)
                stack.append((child, iter(sorted(_refs(classes[child])))))
    return order


def _refs(schema: Any) -> set[str]:
    """Names of the ``$defs`` entries ``schema`` refers to directly."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            target = ref_target(node)
            if target is not None:
                found.add(target)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def _weight(schema: Any) -> int:
    """How many schema objects ``schema`` holds: a measure of the work it makes."""
    count = 0
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            count += 1
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return count
