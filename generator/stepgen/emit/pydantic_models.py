"""Pydantic models for every input and output schema, through datamodel-code-generator.

The schemas are prepared first so that the generated models keep stepgen's policies:
primitive ``$defs`` are inlined (no wrapper classes), each string format becomes the
runtime's shared format type, and integers are held to the range both Python and
JavaScript represent exactly.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from stepgen_runtime.patterns import for_rust

from stepgen.emit.content import Deferred, Helper, layout_key
from stepgen.emit.docstrings import documented
from stepgen.emit.formatting import finish_module, warm_formatter
from stepgen.emit.input_models import (
    CARRIER,
    CarrierMismatch,
    InputClass,
    carrier_schema,
    plain_fields,
    write_inputs,
)
from stepgen.emit.model_generator import FORMAT_TYPES, HEADER, run_model_generator
from stepgen.emit.model_parts import (
    Part,
    PartsCollide,
    join,
    part_count,
    split,
)
from stepgen.errors import Untranslatable
from stepgen.ir import Pipeline
from stepgen.manifest.schema_rules import TYPE_KEYWORDS
from stepgen.schemas import DEFS_PREFIX, ref_target, with_safe_integers

TYPE_KEYWORDS_ALL = frozenset().union(*TYPE_KEYWORDS.values())
_ALL_TYPES = ["string", "number", "boolean", "null", "object", "array"]
_COUNTS = frozenset({"minLength", "maxLength", "minItems", "maxItems"})
_ANNOTATIONS = frozenset({"description", "title", "default", "examples"})


@dataclass(frozen=True)
class ModelPlan:
    """How the models module is made: the parts for the model generator, and the
    input models written from the carrier class's fields."""

    parts: list[Part]
    inputs: list[InputClass]
    carried: list[str]

    @cached_property
    def key(self) -> str:
        """A hash that changes whenever the module would."""
        body = {
            "parts": [part.as_message() for part in self.parts],
            "inputs": [[item.name, *item.fields] for item in self.inputs],
        }
        text = json.dumps(body, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def model_schemas(
    pipeline: Pipeline, carry: bool = True
) -> tuple[dict[str, Any], list[InputClass]]:
    """Every schema that becomes a class, by class name, and the input models that
    are written from the carrier's fields instead (none unless ``carry``)."""
    named = {
        name: schema for name, schema in pipeline.defs.items() if _is_object(schema)
    }
    carried: dict[str, Any] = {}
    inputs = []
    for stage in pipeline.stages:
        fields = plain_fields(pipeline, stage) if carry else None
        if fields is None:
            named[stage.input_model] = stage.input_schema
        else:
            inputs.append(InputClass(stage.input_model, tuple(fields)))
            for name, schema in fields.items():
                carried.setdefault(name, schema)
        if ref_target(stage.output_schema) is None:
            named[stage.output_model] = stage.output_schema
    if carried:
        named[CARRIER] = carrier_schema(carried)
    return dict(sorted(named.items())), inputs


def prepare(pipeline: Pipeline, *, whole: bool = False) -> ModelPlan:
    """What datamodel-code-generator is handed, in the order the parts are joined.

    ``whole`` makes every class, the input models too, in one part: the way to go
    when the quicker plan does not come out as expected.
    """
    made_from = _inputs_digest(pipeline) if not whole else None
    if made_from is not None and made_from in _RECENT:
        return _RECENT[made_from]
    defs = pipeline.all_defs()
    inline = {name: schema for name, schema in defs.items() if not _is_object(schema)}
    schemas, inputs = model_schemas(pipeline, carry=not whole)
    classes = {
        name: _prepare_node(copy.deepcopy(schema), inline)
        for name, schema in schemas.items()
    }
    shared = {
        f"StepgenFormat{name}": {"type": "string"}
        for name in sorted(set(FORMAT_TYPES.values()))
    }
    parts = split(classes, shared, 1 if whole else part_count(classes))
    carried = list(schemas[CARRIER]["properties"]) if CARRIER in schemas else []
    plan = ModelPlan(parts, inputs, carried)
    if made_from is not None:
        _RECENT.clear()
        _RECENT[made_from] = plan
    return plan


# The last plan, by the bytes it was made from: a manifest read before its checks
# and again after them makes one plan.
_RECENT: dict[str, ModelPlan] = {}


def _inputs_digest(pipeline: Pipeline) -> str | None:
    if not pipeline.inputs:
        return None
    hasher = hashlib.sha256()
    for name, data in sorted(pipeline.inputs.items()):
        hasher.update(f"{name}\0{len(data)}\0".encode())
        hasher.update(data)
    return hasher.hexdigest()


def assemble(plan: ModelPlan, sources: list[str]) -> str:
    """The finished module from the parts' modules.

    Raises :class:`PartsCollide` or :class:`CarrierMismatch` when the plan did not
    work out; :func:`prepare` with ``whole`` then makes the module in one piece.
    """
    module = join(sources, HEADER)
    if plan.inputs:
        module = write_inputs(module, plan.inputs, plan.carried)
    return finish_module(module)


def _is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "object"


def _prepare_node(node: Any, inline: dict[str, Any]) -> Any:
    if not isinstance(node, dict):
        return node
    node = documented(node)
    target = ref_target(node)
    if target in inline:
        node = _merge_ref(node, copy.deepcopy(inline[target]))
        return _prepare_node(node, inline)
    for word in ("items", "additionalProperties"):
        if word in node:
            node[word] = _prepare_node(node[word], inline)
    for word in ("anyOf",):
        if word in node:
            node[word] = [_prepare_node(child, inline) for child in node[word]]
    if "properties" in node:
        node["properties"] = {
            key: _prepare_node(child, inline)
            for key, child in node["properties"].items()
        }
    if isinstance(node.get("pattern"), str):
        node["pattern"] = for_rust(node["pattern"])
    for word in _COUNTS & set(node):
        node[word] = int(node[word])
    for word in ("enum", "const"):
        if word in node:
            node[word] = _whole_numbers(node[word])
    return _with_type_branches(_with_format(with_safe_integers(node)))


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _with_type_branches(node: dict[str, Any]) -> dict[str, Any]:
    """Split a schema whose type-specific keywords meet several types into branches.

    ``{"minimum": 1}`` holds numbers to the minimum and lets every other type pass;
    pydantic needs that said as a union of one typed branch per kind of value.
    """
    typed = set(node) & TYPE_KEYWORDS_ALL
    if not typed:
        return node
    kinds = node.get("type")
    declared = [kinds] if isinstance(kinds, str) else list(kinds or _ALL_TYPES)
    if len([kind for kind in declared if kind != "null"]) <= 1:
        return node
    rest = {
        key: value for key, value in node.items() if key not in typed and key != "type"
    }
    branches: list[dict[str, Any]] = []
    plain: list[str] = []
    for kind in declared:
        owner = "number" if kind == "integer" else kind
        own = {key: node[key] for key in typed if key in TYPE_KEYWORDS.get(owner, ())}
        if own:
            branches.append({"type": kind, **own})
        else:
            plain.append(kind)
    if plain:
        branches.append({"type": plain[0] if len(plain) == 1 else plain})
    return {"anyOf": [with_safe_integers(branch) for branch in branches], **rest}


def _merge_ref(node: dict[str, Any], target: Any) -> Any:
    """Inline ``target`` in place of ``node``; the rules allow only annotations beside."""
    siblings = {key: value for key, value in node.items() if key != "$ref"}
    if not siblings or not isinstance(target, dict):
        return target
    return {**target, **siblings}


def _with_format(node: dict[str, Any]) -> dict[str, Any]:
    name = node.get("format")
    if name not in FORMAT_TYPES:
        return node
    ref = {"$ref": f"{DEFS_PREFIX}StepgenFormat{FORMAT_TYPES[name]}"}
    annotations = {key: value for key, value in node.items() if key in _ANNOTATIONS}
    kinds = node.get("type")
    if kinds == "string":
        return {**ref, **annotations}
    others = ["null"] if kinds else ["null", "boolean", "number", "object", "array"]
    return {"anyOf": [ref, {"type": others}], **annotations}


def models_module(pipeline: Pipeline) -> Deferred:
    """The models module, produced only when the manifest's own text changed (prompt
    files do not shape it), or when its prepared schemas did if that is unknown."""
    key = layout_key(pipeline, "python/models") or prepare(pipeline).key
    return Deferred(
        key, lambda helper: start_models(pipeline, prepare(pipeline), helper)
    )


def start_models(
    pipeline: Pipeline, plan: ModelPlan, helper: Helper | None
) -> Callable[[], str]:
    """Hand ``plan`` to ``helper``, if there is one; the result finishes the module.

    Without a helper the models are made in-process when the result is asked for.
    """
    if helper is None:
        return lambda: generate_models(pipeline, plan)
    outcome = helper.submit(plan.parts, plan.key)

    def finish() -> str:
        warm_formatter()
        sources, error = outcome()
        if error is not None:
            raise _untranslatable(pipeline, Exception(error))
        assert sources is not None
        try:
            return assemble(plan, sources)
        except (PartsCollide, CarrierMismatch):
            return generate_models(pipeline, prepare(pipeline, whole=True))

    return finish


def generate_models(pipeline: Pipeline, plan: ModelPlan | None = None) -> str:
    """Source of the models module, made in this process.

    Raises :class:`~stepgen.errors.Untranslatable` for a schema the model generator
    refuses, located at the schema's pointer in the manifest.
    """
    from datamodel_code_generator import Error

    planned = prepare(pipeline) if plan is None else plan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sources = [run_model_generator(part.as_message()) for part in planned.parts]
        except Error as error:
            raise _untranslatable(pipeline, error) from error
    try:
        return assemble(planned, sources)
    except (PartsCollide, CarrierMismatch):
        if len(planned.parts) == 1 and not planned.inputs:
            raise
        return generate_models(pipeline, prepare(pipeline, whole=True))


def _untranslatable(pipeline: Pipeline, error: Exception) -> Untranslatable:
    text = str(error)
    found = re.search(r"#/\$defs/([A-Za-z0-9]+)((?:/[^'\s]*)?)", text)
    pointer = ""
    if found:
        base = pipeline.pointer_of_model(found.group(1))
        pointer = base + found.group(2) if base else ""
    reason = re.sub(r"^Error at schema path '[^']*': ", "", text.splitlines()[0])
    return Untranslatable(
        pointer, f"the Python models cannot express this schema: {reason}"
    )
