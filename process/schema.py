"""Request bodies: one JSON Schema per operation, both checked here and published in OpenAPI.

Only the subset of JSON Schema the API uses is understood: ``type`` (a name or a list of
names), ``properties``, ``required``, ``additionalProperties`` (false or a schema),
``items``, ``enum``, ``minLength``, ``maxLength``, ``minimum``, ``minItems``, ``maxItems``.
"""

from __future__ import annotations

from typing import Any

from .errors import Invalid

Schema = dict[str, Any]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _type_ok(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False  # JSON true is not 1
    return isinstance(value, _TYPES[name])


def check(schema: Schema, value: Any, where: str = "body") -> None:
    """Raise ``Invalid`` naming the first field that does not fit ``schema``."""
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_type_ok(value, n) for n in names):
            raise Invalid(f"{where} must be {' or '.join(names)}", code="wrong_type")
    if value is None:
        return
    if "enum" in schema and value not in schema["enum"]:
        raise Invalid(f"{where} must be one of {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise Invalid(f"{where} must not be empty" if schema.get("minLength") == 1
                          else f"{where} is too short")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise Invalid(f"{where} is longer than {schema['maxLength']} characters")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and "minimum" in schema and value < schema["minimum"]:
        raise Invalid(f"{where} must be at least {schema['minimum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise Invalid(f"{where} needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise Invalid(f"{where} has more than {schema['maxItems']} items")
        for index, item in enumerate(value):
            check(schema.get("items", {}), item, f"{where}[{index}]")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise Invalid(f"{where}.{name} is required", code="missing_field")
        properties: dict[str, Schema] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                check(properties[name], item, f"{where}.{name}")
            elif extra is False:
                raise Invalid(f"{where}.{name} is not a known field; known: {sorted(properties)}",
                              code="unknown_field")
            elif isinstance(extra, dict):
                check(extra, item, f"{where}.{name}")


def string(max_length: int = 500, *, nullable: bool = False, **more: Any) -> Schema:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_length,
            **more}


def obj(required: list[str], **properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}
