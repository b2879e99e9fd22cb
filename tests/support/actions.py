"""The action configuration values of the pipelines in a synthesized template or assembly."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from seawall.checks.pipeline_limits import configuration_value_length


def configuration_values(template: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    """(action name, configuration key, length) of every action of every pipeline in `template`."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::CodePipeline::Pipeline":
            continue
        for stage in resource["Properties"]["Stages"]:
            for action in stage["Actions"]:
                for key, value in (action.get("Configuration") or {}).items():
                    yield f"{stage['Name']}/{action['Name']}", key, configuration_value_length(value)


def assembly_configuration_values(outdir: str) -> list[tuple[str, str, int]]:
    """Every action configuration value of every pipeline template in a cloud assembly (nested ones too)."""
    found = []
    for root, _dirs, files in os.walk(outdir):
        for f in files:
            if f.endswith(".template.json"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    found.extend(configuration_values(json.load(fh)))
    return found
