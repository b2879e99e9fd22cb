"""Service quotas a Seawall pipeline must stay inside, and counting them from a template.

The numbers are AWS's published quotas (CodePipeline: "Quotas in AWS
CodePipeline"; CloudFormation: "CloudFormation quotas").  The counters read a
synthesized CloudFormation template (a plain dict), so tests and the bench
count what would be deployed, not what the renderer intended.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: CodePipeline: stages per pipeline.
MAX_STAGES_PER_PIPELINE = 50
#: CodePipeline: actions per stage (50 parallel, 50 sequential).
MAX_ACTIONS_PER_STAGE = 50
#: CodePipeline: actions per pipeline.
MAX_ACTIONS_PER_PIPELINE = 500
#: CodePipeline: rules in one stage condition (BeforeEntry, OnSuccess, OnFailure take one condition each).
MAX_RULES_PER_CONDITION = 5
#: CloudFormation: resources per stack.
MAX_RESOURCES_PER_STACK = 500
#: CloudFormation: template body size when read from S3 (1 MB).
MAX_TEMPLATE_BYTES = 1_000_000

#: Stage names CDK Pipelines creates itself; a step may not reuse one.
RESERVED_STAGE_NAMES = frozenset({"Source", "Build", "UpdatePipeline", "Assets"})


@dataclass(frozen=True)
class PipelineShape:
    """Stages and actions of one ``AWS::CodePipeline::Pipeline`` resource, read from its template."""

    logical_id: str
    stages: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (stage, ((action, runOrder), ...))

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.stages)

    @property
    def action_count(self) -> int:
        return sum(len(actions) for _, actions in self.stages)

    @property
    def max_actions_per_stage(self) -> int:
        return max((len(actions) for _, actions in self.stages), default=0)

    def actions(self, stage: str) -> tuple[tuple[str, int], ...]:
        for name, actions in self.stages:
            if name == stage:
                return actions
        raise KeyError(f"pipeline {self.logical_id} has no stage {stage!r}; stages: {self.stage_names}")

    def quota_errors(self) -> list[str]:
        errors = []
        if len(self.stages) > MAX_STAGES_PER_PIPELINE:
            errors.append(f"{self.logical_id}: {len(self.stages)} stages > {MAX_STAGES_PER_PIPELINE}")
        if self.action_count > MAX_ACTIONS_PER_PIPELINE:
            errors.append(f"{self.logical_id}: {self.action_count} actions > {MAX_ACTIONS_PER_PIPELINE}")
        for name, actions in self.stages:
            if len(actions) > MAX_ACTIONS_PER_STAGE:
                errors.append(f"{self.logical_id} stage {name}: {len(actions)} actions > {MAX_ACTIONS_PER_STAGE}")
        return errors


def pipelines_in(template: Mapping[str, Any]) -> list[PipelineShape]:
    """Every CodePipeline pipeline of a template, with stage and action order as deployed."""
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::CodePipeline::Pipeline":
            continue
        stages = []
        for stage in resource["Properties"]["Stages"]:
            actions = tuple((a["Name"], int(a.get("RunOrder", 1))) for a in stage["Actions"])
            stages.append((stage["Name"], actions))
        found.append(PipelineShape(logical_id, tuple(stages)))
    return found


def template_bytes(template: Mapping[str, Any]) -> int:
    """Size of the template as the CDK writes it (indented JSON), the size CloudFormation reads."""
    return len(json.dumps(template, indent=1).encode("utf-8"))


def stack_quota_errors(name: str, template: Mapping[str, Any]) -> list[str]:
    """Resources-per-stack and template-size problems of one template."""
    errors = []
    resources = len(template.get("Resources", {}))
    if resources > MAX_RESOURCES_PER_STACK:
        errors.append(f"{name}: {resources} resources > {MAX_RESOURCES_PER_STACK}")
    size = template_bytes(template)
    if size > MAX_TEMPLATE_BYTES:
        errors.append(f"{name}: template of {size} bytes > {MAX_TEMPLATE_BYTES}")
    for p in pipelines_in(template):
        errors += p.quota_errors()
    return errors
