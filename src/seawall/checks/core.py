"""Findings, the check catalogue and the template view every rule reads.

Nothing here imports ``aws_cdk``: the checks run over plain CloudFormation
JSON and the plan, so ``seawall check`` and users' tests stay fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Compliance(Enum):
    """What a rule concluded about one resource or one step (cdk-nag's three outcomes)."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True, kw_only=True)
class Check:
    """One safety check: a stable ID, what it looks for, why it matters and how to fix it."""

    id: str
    title: str
    why: str
    fix: str
    reads: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "why": self.why, "fix": self.fix, "reads": list(self.reads)}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule's verdict on one resource (in a template) or one step (in the plan).

    Attributes
    ----------
    check_id:
        The check's stable ID, e.g. ``SW001``.
    status:
        Compliant, non-compliant or not applicable.
    message:
        Names the resource and, when non-compliant, says the fix.
    resource:
        A template's logical ID, or ``step <name>`` / ``wave <name>`` for the plan.
    template:
        The template's file path or stack name; ``None`` for plan findings.
    location:
        Where in the resource, e.g. ``UpdatePolicy/CodeDeployLambdaAliasUpdate``.
    suppressed_by:
        The reason of the suppression that silenced this finding, if any.
    """

    check_id: str
    status: Compliance
    message: str
    resource: str
    template: str | None = None
    location: str | None = None
    suppressed_by: str | None = None

    @property
    def is_failure(self) -> bool:
        """Non-compliant and not suppressed: this fails ``seawall check`` and the synth."""
        return self.status is Compliance.NON_COMPLIANT and self.suppressed_by is None

    def suppressed(self, reason: str) -> Finding:
        return replace(self, suppressed_by=reason)

    def describe(self) -> str:
        where = f"{self.template}: " if self.template else ""
        tail = f" (suppressed: {self.suppressed_by})" if self.suppressed_by else ""
        return f"{self.check_id} {where}{self.message}{tail}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.check_id, "status": self.status.value, "message": self.message,
            "resource": self.resource, "template": self.template, "location": self.location,
            "suppressed": self.suppressed_by is not None, "suppressionReason": self.suppressed_by,
        }


# --------------------------------------------------------------------------------------------------
# The catalogue.  IDs are API: never renumber, never reuse.
# --------------------------------------------------------------------------------------------------

_CATALOGUE = (
    Check(
        id="SW000", title="Suppression without a reason",
        why="A suppression silences a safety check for good; the next engineer needs to know why it was safe.",
        fix="Give every suppression a reason of at least 10 characters and two words, and a known check ID.",
        reads=("template metadata", "plan suppressions"),
    ),
    Check(
        id="SW001", title="Lambda alias without a CodeDeploy deployment group",
        why="Without a Lambda deployment group nothing shifts traffic through a watched canary or rolls back "
            "on alarm.",
        fix="Deploy the function with seawall.constructs.SafeLambdaDeployment, which adds the deployment group.",
        reads=("templates",),
    ),
    Check(
        id="SW002", title="Alias that CloudFormation re-points",
        why="If CloudFormation moves the alias (CodeDeployLambdaAliasUpdate, routing weights, or a FunctionVersion "
            "that follows each new version) the deploy action shifts all traffic, there is no one-box step, and a "
            "revert by the bake leaves CloudFormation believing the new version is live.",
        fix="Create the alias once on a version that never changes and let Seawall's shift move it: "
            "SafeLambdaDeployment does this; remove the update policy / RoutingConfig.",
        reads=("templates",),
    ),
    Check(
        id="SW003", title="Deployment group does not roll back on alarm",
        why="CodeDeploy stops a deployment when an alarm fires, but only rolls the alias back when "
            "AutoRollbackConfiguration lists DEPLOYMENT_STOP_ON_ALARM.",
        fix="Set AutoRollbackConfiguration Enabled=true with events DEPLOYMENT_FAILURE and "
            "DEPLOYMENT_STOP_ON_ALARM (CDK: auto_rollback=AutoRollbackConfig(deployment_in_alarm=True)).",
        reads=("templates",),
    ),
    Check(
        id="SW004", title="Deployment group watches no alarms",
        why="A canary nobody watches is a slow all-at-once deployment.",
        fix="Give the deployment group the one-box and high-severity alarms (AlarmConfiguration Enabled=true, "
            "at least one alarm, IgnorePollAlarmFailure=false).",
        reads=("templates",),
    ),
    Check(
        id="SW005", title="Deployment group has more than 10 alarms",
        why="CodeDeploy takes at most 10 alarms per deployment group; the deployment fails to start.",
        fix="Combine alarms into composite alarms (SafeLambdaDeployment's high-severity composite) so the group "
            "lists 10 or fewer.",
        reads=("templates",),
    ),
    Check(
        id="SW006", title="Alarm set without a fault-rate alarm",
        why="Faults are the first sign of a bad deployment; latency and log alarms alone miss a fast failure.",
        fix="Add a fault-rate alarm (AWS/Lambda Errors over Invocations) to the deployment group, directly or "
            "inside a composite it lists.",
        reads=("templates",),
    ),
    Check(
        id="SW007", title="Production step without gate, shift or bake",
        why="Every production step must wait for its window and quiet alarms (gate), move traffic through a "
            "one-box (shift) and watch it afterwards (bake); skipping one lets a bad change reach the next step.",
        fix="Render the plan with seawall's WavePipeline (gate, deploy, shift, bake for every target) and give "
            "every production wave a bake.",
        reads=("plan", "pipeline templates"),
    ),
    Check(
        id="SW008", title="Wave 1 spans more than one region",
        why="The first production wave limits the blast radius of a change nobody has seen in production: "
            "one region, one cell at a time.",
        fix="Put a single low-traffic region in the first production wave (WavePlan.standard does).",
        reads=("plan",),
    ),
    Check(
        id="SW009", title="One-box above 10 %",
        why="The one-box serves at most 10 % of traffic, so a bad version hurts at most a tenth of requests "
            "before the alarms roll it back.",
        fix="Use TrafficPolicy.canary(percent<=10) or TrafficPolicy.linear(percent<=10) for production; "
            "lower the CodeDeploy config's CanaryPercentage/LinearPercentage to 10 or less.",
        reads=("plan", "templates"),
    ),
    Check(
        id="SW010", title="Bake shorter than its wave's policy",
        why="Slow-burning problems need the bake time the team chose; a shorter bake in the pipeline than in "
            "the plan means the pipeline is not what `seawall plan` shows.",
        fix="Re-synthesize the pipeline from the same WavePlan (WavePipeline) so each bake action carries the "
            "step's bake policy.",
        reads=("plan", "pipeline templates"),
    ),
    Check(
        id="SW011", title="Deploying stage without OnFailure ROLLBACK",
        why="When a stage fails after its deploy, CodePipeline must re-run it with the last good revision; "
            "otherwise the failed change stays deployed.",
        fix="Set the stage's OnFailure: {Result: ROLLBACK} (WavePipeline does; the pipeline must be type V2).",
        reads=("pipeline templates",),
    ),
    Check(
        id="SW012", title="More than one Version resource on one function",
        why="Lambda's PublishVersion publishes nothing when code and configuration are unchanged, and "
            "CloudFormation then fails the second AWS::Lambda::Version of the function ('A version for this "
            "Lambda function exists'): the first deploy, and the stack rollback after it, fail.",
        fix="Publish each function's version from one resource: use SafeLambdaDeployment's version (its "
            "Custom::SeawallVersion) and drop function.current_version and any other lambda.Version on it.",
        reads=("templates",),
    ),
    Check(
        id="SW013", title="Pipeline action configuration value over 1,000 characters",
        why="CodePipeline accepts at most 1,000 characters per action configuration value (API "
            "ActionConfiguration); a pipeline with a longer one, such as a state machine input, fails to "
            "create or update, so no change reaches production.",
        fix="Shorten the value: a Seawall gate, shift or bake input names only the target, the pipeline and the "
            "target's release stacks (put its functions in fewer stacks, or shorten the team, service or stack "
            "names); any other action should carry large data in its input artifact or a parameter it reads.",
        reads=("pipeline templates",),
    ),
)

CHECKS: Mapping[str, Check] = {c.id: c for c in _CATALOGUE}


# --------------------------------------------------------------------------------------------------
# The template view.
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StackTemplate:
    """A synthesized CloudFormation template and where it came from.

    ``name`` is what findings show (the template path, or a stack name).
    """

    name: str
    body: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_file(cls, path: str) -> StackTemplate:
        with open(path, encoding="utf-8") as f:
            return cls(path, json.load(f))

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        res = self.body.get("Resources") or {}
        return res if isinstance(res, Mapping) else {}

    def of_type(self, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for lid, res in self.resources.items():
            if isinstance(res, Mapping) and res.get("Type") in types:
                yield lid, res

    def type_of(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        return res.get("Type") if isinstance(res, Mapping) else None


def props(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    p = resource.get("Properties") or {}
    return p if isinstance(p, Mapping) else {}


_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def refs(value: Any) -> set[str]:
    """Logical IDs that `value` references through Ref, Fn::GetAtt or Fn::Sub."""
    out: set[str] = set()
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                if not v.startswith("AWS::"):
                    out.add(v)
            elif k == "Fn::GetAtt":
                if isinstance(v, list) and v and isinstance(v[0], str):
                    out.add(v[0])
                elif isinstance(v, str):
                    out.add(v.split(".", 1)[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) and v else v
                if isinstance(text, str):
                    out.update(_SUB_REF.findall(text))
                if isinstance(v, list) and len(v) > 1:
                    out |= refs(v[1])
            else:
                out |= refs(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs(v)
    return out


def strings(value: Any) -> Iterator[str]:
    """Every literal string inside `value` (to find alarm names in rules, ARNs in joins)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def flat_text(value: Any) -> str:
    """Literal strings of `value` joined: good enough to search an ARN built with Fn::Join."""
    return "".join(strings(value))
