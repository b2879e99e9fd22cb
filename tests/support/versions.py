"""How many resources publish versions of each function in a template (SW012's count, from the template)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

PUBLISHERS = ("AWS::Lambda::Version", "Custom::SeawallVersion")


def version_resources_per_function(template: dict[str, Any]) -> dict[str, Counter[str]]:
    """``{function (as the template names it): Counter(resource type -> count)}`` for every function with one."""
    out: dict[str, Counter[str]] = {}
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") in PUBLISHERS:
            key = json.dumps(resource.get("Properties", {}).get("FunctionName"), sort_keys=True)
            out.setdefault(key, Counter())[resource["Type"]] += 1
    return out


def assert_one_version_resource_per_function(templates: list[dict[str, Any]]) -> int:
    """Every function has at most one AWS::Lambda::Version and exactly one publisher; return the functions seen."""
    seen = 0
    for template in templates:
        for function, counts in version_resources_per_function(template).items():
            assert sum(counts.values()) == 1 and counts["AWS::Lambda::Version"] <= 1, (function, dict(counts))
            seen += 1
    return seen
