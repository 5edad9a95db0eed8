"""The JSON Schema of scenario files (``casim schema``), so editors complete and check them."""

from __future__ import annotations

from typing import Any

from sim.scenario.model import ScenarioSpec
from sim.scenario.steps import STEPS


def scenario_json_schema() -> dict[str, Any]:
    """A file is one scenario or a list of them; each step is one of the registered steps."""
    schema = ScenarioSpec.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    variants = []
    for name, definition in sorted(STEPS.items()):
        params = definition.params.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(params.pop("$defs", {}))
        defs[definition.params.__name__] = params
        variants.append(
            {
                "type": "object",
                "description": definition.doc,
                "properties": {name: {"$ref": f"#/$defs/{definition.params.__name__}"}},
                "required": [name],
                "additionalProperties": False,
            }
        )
    schema["properties"]["steps"]["items"] = {"oneOf": variants}
    scenario = {k: v for k, v in schema.items() if k != "$defs"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "casim scenario file",
        "oneOf": [
            {"$ref": "#/$defs/Scenario"},
            {"type": "array", "items": {"$ref": "#/$defs/Scenario"}},
        ],
        "$defs": {**defs, "Scenario": scenario},
    }
