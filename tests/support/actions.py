"""The action configuration values of the pipelines in a synthesized template or assembly."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any


def _length(value: Any) -> int:
    """A value's length as CodePipeline receives it; an unresolved token counts as its JSON (an upper bound)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return len(sep) * max(0, len(parts) - 1) + sum(_length(p) for p in parts)
    return len(json.dumps(value))


def configuration_values(template: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    """(action name, configuration key, length) of every action of every pipeline in `template`."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::CodePipeline::Pipeline":
            continue
        for stage in resource["Properties"]["Stages"]:
            for action in stage["Actions"]:
                for key, value in (action.get("Configuration") or {}).items():
                    yield f"{stage['Name']}/{action['Name']}", key, _length(value)


def assembly_configuration_values(outdir: str) -> list[tuple[str, str, int]]:
    """Every action configuration value of every pipeline template in a cloud assembly (nested ones too)."""
    found = []
    for root, _dirs, files in os.walk(outdir):
        for f in files:
            if f.endswith(".template.json"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    found.extend(configuration_values(json.load(fh)))
    return found
