"""Rules over synthesized pipelines, alone and against the plan.

How a check recognises Seawall's actions in an ``AWS::CodePipeline::Pipeline``
(the stable convention, documented in ``docs/checks.md``):

* a *gate*, *shift* or *bake* is a ``StepFunctions`` invoke action whose
  literal input (``Configuration.Input``) has ``"kind": "seawall.gate"``,
  ``"seawall.shift"`` or ``"seawall.bake"`` (:mod:`seawall.model.contracts`);
  failing that, whose state machine is named ``seawall-{team}-{gate|shift|bake}``
  (:func:`seawall.model.naming.state_machine_name`); failing that, whose action
  name, or its last dot-separated part (CDK Pipelines prefixes the service
  stage's name: ``svc-us-east-1.Gate``), starts with ``Gate``, ``Shift`` or ``Bake``;
* the target an action serves is its input's ``target.name``;
* a *deploy* is a ``CloudFormation`` deploy action;
* a plan step's stage is the stage named ``step.name``;
* a pipeline whose stages are named ``runtime-*`` is the team's foundation
  pipeline (:mod:`seawall.stacks.team_runtime`): it deploys the release state
  machines and the aggregate alarm, not the plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.limits import MAX_ACTION_CONFIGURATION_VALUE
from ..model.waves import Step, WavePlan
from .core import Compliance, Finding, StackTemplate, flat_text, props
from .pipeline_limits import oversize_configuration_values

PIPELINE = "AWS::CodePipeline::Pipeline"
ROLES = ("gate", "shift", "bake")
_SM_NAME = re.compile(r"seawall-[a-z0-9][a-z0-9-]*?-(gate|shift|bake)(?![a-z0-9-])")
_NAME_PREFIX = re.compile(r"(?:^|\.)(gate|shift|bake)", re.IGNORECASE)
_DEPLOY_MODES = frozenset({"CHANGE_SET_EXECUTE", "CREATE_UPDATE", "REPLACE_ON_FAILURE"})
#: Stage-name prefix of the team's foundation pipeline (``seawall.stacks.team_runtime.FOUNDATION`` + "-";
#: not imported: the checks do not import aws_cdk).
FOUNDATION_STAGE_PREFIX = "runtime-"


def _literal_json(value: Any) -> Mapping[str, Any] | None:
    """Parse an action input that may be built with Fn::Join / Fn::Sub around CloudFormation tokens."""
    if isinstance(value, Mapping) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"] if isinstance(value["Fn::Join"], list) else ("", [])
        value = (sep if isinstance(sep, str) else "").join(p if isinstance(p, str) else "TOKEN" for p in parts)
    elif isinstance(value, Mapping) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        value = body[0] if isinstance(body, list) and body else body
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, Mapping) else None


@dataclass(frozen=True)
class Action:
    stage: str
    name: str
    body: Mapping[str, Any]

    @property
    def type_id(self) -> Mapping[str, Any]:
        t = self.body.get("ActionTypeId") or {}
        return t if isinstance(t, Mapping) else {}

    @property
    def config(self) -> Mapping[str, Any]:
        c = self.body.get("Configuration") or {}
        return c if isinstance(c, Mapping) else {}

    @property
    def input(self) -> Mapping[str, Any] | None:
        return _literal_json(self.config.get("Input"))

    @property
    def role(self) -> str | None:
        """gate, shift, bake, deploy or None."""
        t = self.type_id
        if t.get("Provider") == "StepFunctions":
            data = self.input or {}
            kind = data.get("kind")
            if isinstance(kind, str) and kind.startswith("seawall.") and kind[8:] in ROLES:
                return kind[8:]
            m = _SM_NAME.search(flat_text(self.config.get("StateMachineArn")))
            if m:
                return m.group(1)
            m = _NAME_PREFIX.search(self.name)
            return m.group(1).lower() if m else None
        if t.get("Category") == "Deploy" and t.get("Provider") == "CloudFormation":
            mode = self.config.get("ActionMode")
            return "deploy" if mode in _DEPLOY_MODES or mode is None else None
        return None

    @property
    def target(self) -> str | None:
        data = self.input or {}
        target = data.get("target")
        name = target.get("name") if isinstance(target, Mapping) else None
        return name if isinstance(name, str) and name else None


@dataclass(frozen=True)
class Stage:
    pipeline: str
    name: str
    body: Mapping[str, Any]
    actions: tuple[Action, ...]

    def by_role(self, role: str) -> list[Action]:
        return [a for a in self.actions if a.role == role]

    @property
    def deploys(self) -> bool:
        return bool(self.by_role("deploy"))


def stages(t: StackTemplate) -> Iterator[tuple[str, list[Stage]]]:
    """Every pipeline of the template with its stages."""
    for lid, pipe in t.of_type(PIPELINE):
        out = []
        for st in props(pipe).get("Stages") or []:
            if not isinstance(st, Mapping):
                continue
            name = str(st.get("Name"))
            actions = tuple(Action(name, str(a.get("Name")), a) for a in st.get("Actions") or []
                            if isinstance(a, Mapping))
            out.append(Stage(lid, name, st, actions))
        yield lid, out


def _finding(check_id: str, status: Compliance, t: StackTemplate, lid: str, message: str,
             location: str | None = None) -> Finding:
    return Finding(check_id=check_id, status=status, message=message, resource=lid, template=t.name,
                   location=location)


# --------------------------------------------------------------------------------------------------
# Template only
# --------------------------------------------------------------------------------------------------

def check_deploy_stage_rollback(t: StackTemplate) -> Iterator[Finding]:
    """SW011: every stage that deploys with CloudFormation has ``OnFailure: {Result: ROLLBACK}``."""
    for lid, sts in stages(t):
        for st in sts:
            if not st.deploys:
                continue
            on_failure = st.body.get("OnFailure") or {}
            loc = f"Properties/Stages/{st.name}/OnFailure"
            if isinstance(on_failure, Mapping) and on_failure.get("Result") == "ROLLBACK":
                yield _finding("SW011", Compliance.COMPLIANT, t, lid,
                               f"pipeline {lid} stage {st.name!r} rolls back on failure", loc)
            else:
                yield _finding(
                    "SW011", Compliance.NON_COMPLIANT, t, lid,
                    f"pipeline {lid} stage {st.name!r} deploys but has no OnFailure ROLLBACK, so a failed "
                    f"change stays deployed; set the stage's OnFailure: {{Result: ROLLBACK}} (pipeline type V2)",
                    loc)


def check_gated_stage_complete(t: StackTemplate) -> Iterator[Finding]:
    """SW015: a pipeline stage with a gate (gates run only in production) also shifts and bakes.

    Per target named in the actions' inputs: a gate, a deploy, a shift and a
    bake; without target names, as many shifts and bakes as gates.  Stages
    without a gate are checked against the plan when one is given.
    """
    for lid, sts in stages(t):
        for st in sts:
            gates = st.by_role("gate")
            if not gates:
                continue
            missing = _missing_roles(st, [g.target for g in gates if g.target])
            loc = f"Properties/Stages/{st.name}"
            if missing:
                yield _finding(
                    "SW015", Compliance.NON_COMPLIANT, t, lid,
                    f"pipeline {lid} production stage {st.name!r} is gated but lacks {missing}; every production "
                    f"target needs gate, deploy, shift and bake (render it with WavePipeline)", loc)
            else:
                yield _finding("SW015", Compliance.COMPLIANT, t, lid,
                               f"pipeline {lid} stage {st.name!r} gates, deploys, shifts and bakes", loc)


def _missing_roles(st: Stage, targets: Sequence[str], roles: Sequence[str] = ROLES) -> str:
    """Human-readable list of what the stage lacks for `targets` ('' when complete)."""
    gaps: list[str] = []
    for role in roles:
        acts = st.by_role(role)
        named = {a.target for a in acts if a.target}
        if targets and named:
            lacking = [x for x in targets if x not in named]
            if lacking:
                gaps.append(f"a {role} for {', '.join(lacking)}")
        elif len(acts) < max(1, len(targets)):
            gaps.append(f"a {role} action" if not acts else f"{max(1, len(targets)) - len(acts)} more {role} action(s)")
    if not st.deploys:
        gaps.append("a CloudFormation deploy action")
    return "; ".join(gaps)


def check_action_configuration_size(t: StackTemplate) -> Iterator[Finding]:
    """SW013: every action configuration value of a pipeline is at most 1,000 characters.

    The limit is :data:`~seawall.model.limits.MAX_ACTION_CONFIGURATION_VALUE`, quoted with its source there.
    Values are measured by :func:`seawall.checks.pipeline_limits.configuration_value_length`
    (a string exactly; an intrinsic function as its compact JSON text).
    """
    for lid, pipe in t.of_type(PIPELINE):
        over = oversize_configuration_values(props(pipe).get("Stages") or [])
        for o in over:
            yield _finding("SW013", Compliance.NON_COMPLIANT, t, lid, f"pipeline {lid} {o.describe()}",
                           f"Properties/Stages/{o.stage}/Actions/{o.action}/Configuration/{o.key}")
        if not over:
            yield _finding("SW013", Compliance.COMPLIANT, t, lid,
                           f"pipeline {lid}: every action configuration value is at most "
                           f"{MAX_ACTION_CONFIGURATION_VALUE} characters", "Properties/Stages")



# --------------------------------------------------------------------------------------------------
# Plan against pipeline
# --------------------------------------------------------------------------------------------------

def _plan_pipelines(t: StackTemplate, steps: Sequence[Step]) -> Iterator[tuple[str, dict[str, Stage]]]:
    """Pipelines that render the plan: those with a stage named after one of its steps."""
    names = {s.name for s in steps}
    for lid, sts in stages(t):
        by_name = {s.name: s for s in sts}
        if names & by_name.keys():
            yield lid, by_name


def check_steps_rendered(plan: WavePlan, t: StackTemplate) -> Iterator[Finding]:
    """SW007: each production step's stage has gate, deploy, shift and bake per target."""
    steps = plan.steps()
    for lid, by_name in _plan_pipelines(t, steps):
        for step in steps:
            if not step.production:
                continue
            st = by_name.get(step.name)
            loc = f"Properties/Stages/{step.name}"
            if st is None:
                yield _finding(
                    "SW007", Compliance.NON_COMPLIANT, t, lid,
                    f"pipeline {lid} has no stage {step.name!r} for production step {step.name}, so its targets "
                    f"get no gate, shift or bake; render the pipeline from this plan with WavePipeline", loc)
                continue
            roles = ROLES if step.baked else ("gate", "shift")
            missing = _missing_roles(st, [x.name for x in step.targets], roles)
            if missing:
                yield _finding(
                    "SW007", Compliance.NON_COMPLIANT, t, lid,
                    f"pipeline {lid} stage {step.name!r} (production step) lacks {missing}; render the pipeline "
                    f"from this plan with WavePipeline", loc)
            else:
                yield _finding("SW007", Compliance.COMPLIANT, t, lid,
                               f"pipeline {lid} stage {step.name!r} gates, deploys, shifts and bakes every target",
                               loc)


def _bake_numbers(action: Action) -> tuple[int | None, int | None]:
    data = action.input or {}
    bake = data.get("bake")
    if not isinstance(bake, Mapping):
        return None, None

    def num(key: str) -> int | None:
        try:
            return int(bake[key])
        except (KeyError, TypeError, ValueError):
            return None
    return num("seconds"), num("minDataPoints")


def check_bake_matches_plan(plan: WavePlan, t: StackTemplate) -> Iterator[Finding]:
    """SW010: every bake action waits at least its step's bake time and data points."""
    steps = plan.steps()
    for lid, by_name in _plan_pipelines(t, steps):
        for step in steps:
            st = by_name.get(step.name)
            if st is None or not step.baked:
                continue
            want_s = int(step.bake.duration.total_seconds())
            want_n = step.bake.min_data_points
            for act in st.by_role("bake"):
                seconds, points = _bake_numbers(act)
                loc = f"Properties/Stages/{st.name}/Actions/{act.name}/Configuration/Input"
                if seconds is None:
                    yield _finding("SW010", Compliance.NOT_APPLICABLE, t, lid,
                                   f"pipeline {lid} bake {act.name!r} has no literal bake input to compare", loc)
                elif seconds < want_s or (points is not None and points < want_n):
                    yield _finding(
                        "SW010", Compliance.NON_COMPLIANT, t, lid,
                        f"pipeline {lid} stage {st.name!r} bake {act.name!r} waits {seconds}s and "
                        f"{points} data points, less than the plan's {step.bake.describe()} "
                        f"({want_s}s, {want_n} data points); re-synthesize the pipeline from the plan", loc)
                else:
                    yield _finding("SW010", Compliance.COMPLIANT, t, lid,
                                   f"pipeline {lid} bake {act.name!r} waits {seconds}s as the plan asks", loc)



def check_plan_rendered(plan: WavePlan, templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW016 (plan vs the whole assembly): some pipeline renders the plan.

    The per-template rules compare the plan only with pipelines that have a
    stage named after one of its steps; a pipeline they do not recognise
    would otherwise pass in silence. When no pipeline of `templates` has such
    a stage, each pipeline other than the team's foundation pipeline (stages
    ``runtime-*``) is non-compliant; with no such pipeline at all the rule is
    not applicable (say, a service stack checked on its own).
    """
    steps = plan.steps()
    production = [s for s in steps if s.production]
    if not production:
        return
    step_names = {s.name for s in steps}
    unrecognised: list[tuple[StackTemplate, str, list[str]]] = []
    for t in templates:
        for lid, sts in stages(t):
            names = [st.name for st in sts]
            if step_names & set(names):  # rendered: check_steps_rendered and check_bake_matches_plan judge it
                yield _finding("SW016", Compliance.COMPLIANT, t, lid,
                               f"pipeline {lid} renders the plan (stages named after its steps)", "Properties/Stages")
                return
            if any(n.startswith(FOUNDATION_STAGE_PREFIX) for n in names):
                continue
            unrecognised.append((t, lid, names))
    first = production[0].name
    if not unrecognised:
        yield Finding(
            check_id="SW016", status=Compliance.NOT_APPLICABLE, resource="plan",
            message=f"no pipeline among the templates to compare with the plan (a foundation pipeline, stages "
                    f"{FOUNDATION_STAGE_PREFIX}*, deploys no plan step); check the service pipeline's stack too")
        return
    wanted = ", ".join(repr(s.name) for s in production[:3]) + (", ..." if len(production) > 3 else "")
    for t, lid, names in unrecognised:
        yield _finding(
            "SW016", Compliance.NON_COMPLIANT, t, lid,
            f"no pipeline renders plan step {first!r} or any other production step of the plan: pipeline {lid} "
            f"has stages {', '.join(names) or '(none)'} and none named {wanted}, so nothing shows that its "
            f"production targets are gated, shifted and baked; render it with WavePipeline (if {lid} deploys "
            f"something else, suppress SW016 on it with the reason)", "Properties/Stages")
