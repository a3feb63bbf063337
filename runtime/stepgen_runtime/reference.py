"""The ``jsonschema`` library, configured to judge data as stepgen's models do.

Formats are asserted with the shared definitions of :mod:`stepgen_runtime.formats`,
and ``pattern`` has ECMAScript's meaning (:mod:`stepgen_runtime.patterns`). Use it to
check data against a step's published JSON Schema without the generated models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from stepgen_runtime import patterns
from stepgen_runtime.formats import CHECKS


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not patterns.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in CHECKS.items():
        checker.checks(name)(_strings_only(check))
    return checker


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    def checked(value: object) -> bool:
        return not isinstance(value, str) or check(value)

    return checked


ReferenceValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}
)
FORMAT_CHECKER = _format_checker()


def reference_validator(schema: dict[str, Any]) -> Any:
    """A validator for ``schema`` that agrees with stepgen's generated models."""
    return ReferenceValidator(schema, format_checker=FORMAT_CHECKER)
