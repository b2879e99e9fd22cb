"""Counting a synthesized template against AWS's quotas.

The quotas themselves live in :mod:`seawall.model.limits`, each quoted once
with its source; they are re-exported here for the callers that count
templates.  The counters read a synthesized CloudFormation template (a plain
dict), so tests and the bench count what would be deployed, not what the
renderer intended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.limits import MAX_ACTION_CONFIGURATION_VALUE
from ..model.limits import MAX_ACTIONS_PER_PIPELINE as MAX_ACTIONS_PER_PIPELINE
from ..model.limits import MAX_ACTIONS_PER_STAGE as MAX_ACTIONS_PER_STAGE
from ..model.limits import MAX_RESOURCES_PER_STACK as MAX_RESOURCES_PER_STACK
from ..model.limits import MAX_RULES_PER_CONDITION as MAX_RULES_PER_CONDITION
from ..model.limits import MAX_STAGES_PER_PIPELINE as MAX_STAGES_PER_PIPELINE
from ..model.limits import MAX_TEMPLATE_BYTES as MAX_TEMPLATE_BYTES

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


# --------------------------------------------------------------------------------------------------
# Action configuration values: CodePipeline's 1,000 characters per value
# --------------------------------------------------------------------------------------------------

#: How a release action is recognised by its name: CDK Pipelines names a step's action after the step
#: (``Gate``, ``Shift``, ``Bake``), prefixed by the service stage's name when a wave has several stages.
_RELEASE_ACTION = re.compile(r"(?:^|\.)(Gate|Shift|Bake)", re.IGNORECASE)


def configuration_value_length(value: Any) -> int:
    """Characters of one action configuration value, as measured against CodePipeline's limit.

    A string (every literal value, and every state machine input: CDK writes
    ``StateMachineInput.literal`` as a JSON string) is measured exactly. A value
    that is an intrinsic function (``Fn::Sub``, ``Fn::Join``, ``Ref``,
    ``Fn::GetAtt``) has no length until CloudFormation resolves it at deploy time
    ("Use intrinsic functions in your templates to assign values to properties
    that are not available until runtime",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html);
    it is measured as its compact JSON text. That text counts every literal part
    exactly and each reference by its own spelling (``{"Ref":"AWS::Partition"}``,
    ``${AWS::AccountId}``), which is longer than what the pseudo parameters
    resolve to (a partition, a 12-digit account, a region name); a reference to
    a resource's name or ARN is an estimate. CDK Pipelines uses such intrinsics
    only for short values (role ARNs, bucket and stack names), so the measure is
    exact where the limit is at stake: the literal inputs.
    """
    if isinstance(value, str):
        return len(value)
    return len(json.dumps(value, separators=(",", ":")))


def _field(body: Mapping[str, Any], name: str) -> Any:
    """A declaration field in template casing (``Name``) or as CDK resolves the L1 (``name``)."""
    return body.get(name, body.get(name[:1].lower() + name[1:]))


@dataclass(frozen=True)
class OversizeValue:
    """One action configuration value longer than CodePipeline accepts."""

    stage: str
    action: str
    key: str
    length: int

    @property
    def fix(self) -> str:
        """What to change, by the kind of action."""
        m = _RELEASE_ACTION.search(self.action)
        kind = m.group(1).lower() if m else None
        if kind == "gate":
            return ("a gate's input names only the target and the pipeline (the team's settings are in the team "
                    "runtime): shorten the pipeline, team or target names")
        if kind == "shift":
            return ("a shift's input names the target's release stacks (not its functions): put the target's "
                    "functions in fewer stacks, or shorten the team, service or stack names")
        if kind == "bake":
            return ("a bake's input names the target's release stacks (not its functions or alarms): put the "
                    "target's functions in fewer stacks, or shorten the team, service or stack names")
        return ("shorten the value: carry large data in the action's input artifact or in a parameter the "
                "action reads, not in its configuration")

    @property
    def where(self) -> str:
        return f"stage {self.stage!r}, action {self.action!r}: configuration {self.key} is {self.length} characters"

    def describe(self) -> str:
        return f"{self.where}, over CodePipeline's {MAX_ACTION_CONFIGURATION_VALUE}; {self.fix}"


def oversize_configuration_values(stages: Sequence[Mapping[str, Any]]) -> list[OversizeValue]:
    """Every action configuration value of `stages` over :data:`~seawall.model.limits.MAX_ACTION_CONFIGURATION_VALUE`.

    Parameters
    ----------
    stages:
        A pipeline's ``Stages`` as the template holds them (``Name``, ``Actions``,
        ``Configuration``) or as ``Stack.resolve`` renders a ``CfnPipeline``'s
        stages (``name``, ``actions``, ``configuration``; configuration keys are
        CloudFormation's in both). Values are measured with
        :func:`configuration_value_length`.
    """
    found = []
    for stage in stages:
        for action in _field(stage, "Actions") or []:
            for key, value in (_field(action, "Configuration") or {}).items():
                length = configuration_value_length(value)
                if length > MAX_ACTION_CONFIGURATION_VALUE:
                    found.append(OversizeValue(str(_field(stage, "Name")), str(_field(action, "Name")), key, length))
    return found


def check_action_configuration_values(stages: Sequence[Mapping[str, Any]], *,
                                      stage_names: Sequence[str] | None = None, shown: int = 5) -> None:
    """Raise when any action configuration value of `stages` is longer than CodePipeline accepts.

    CodePipeline accepts at most
    :data:`~seawall.model.limits.MAX_ACTION_CONFIGURATION_VALUE` characters per
    value (quoted with its source there). A pipeline with a longer value fails to create or update, after the rest of
    the app has synthesized, so ``WavePipeline`` checks before that.

    Parameters
    ----------
    stages:
        As for :func:`oversize_configuration_values`.
    stage_names:
        The stages' names as the template will hold them, one per stage, when they differ from
        `stages` (``WavePipeline`` renames CDK Pipelines' stages after the plan's steps with property
        overrides, which ``Stack.resolve`` of the stages does not apply). Default: the names in `stages`.
    shown:
        How many offending values the message lists (the rest are counted). Default: 5.

    Raises
    ------
    ValueError
        Naming, for each value, the stage, the action, the key, its length and what to change.
    """
    if stage_names is not None:
        if isinstance(stage_names, str) or len(stage_names) != len(stages):
            raise ValueError(f"stage_names={stage_names!r} must name each of the {len(stages)} stages, in order")
        stages = [{**stage, "Name": name, "Actions": _field(stage, "Actions")}
                  for stage, name in zip(stages, stage_names, strict=True)]
    over = sorted(oversize_configuration_values(stages), key=lambda o: -o.length)
    if not over:
        return
    lines = [f"  - {o.where}" for o in over[:shown]]
    if len(over) > shown:
        lines.append(f"  - and {len(over) - shown} more (up to {over[shown].length} characters)")
    fixes = list(dict.fromkeys(o.fix for o in over))
    raise ValueError(
        f"{len(over)} pipeline action configuration value(s) exceed CodePipeline's "
        f"{MAX_ACTION_CONFIGURATION_VALUE} characters per value, so creating or updating the pipeline would "
        f"fail:\n" + "\n".join(lines) + "\nTo fix: " + "; ".join(fixes)
    )
