"""The base class of every generated pydantic model.

Generated models are strict (no string-to-number coercion) and follow JSON Schema's
view of numbers: a float with no fractional part, such as ``3.0``, is an integer.
Unknown keys are kept unless the schema closes the object.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def integral_floats_to_int(value: Any) -> Any:
    """Return ``value`` with every integral float, at any depth, turned into an int."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: integral_floats_to_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral_floats_to_int(item) for item in value]
    return value


class SchemaModel(BaseModel):
    """Base of generated models: strict types, integral floats read as integers."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _integral_floats(cls, data: Any) -> Any:
        return integral_floats_to_int(data)
