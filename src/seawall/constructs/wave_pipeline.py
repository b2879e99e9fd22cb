"""Render a :class:`~seawall.model.WavePlan` onto a CDK Pipelines ``CodePipeline``.

The renderer reads the plan through :func:`seawall.model.expand_steps` - the
same expansion ``seawall plan`` prints - and makes exactly one CodePipeline
stage per step, in order.  For every target of a step, in that stage:

=========  ===========================================================
runOrder   action
=========  ===========================================================
1          gate (production steps only): time window and alarm blocker
2          deploy: one CloudFormation action per service stack
3          shift: CodeDeploy moves the aliases (one-box canary, rolling)
4          bake: watch the aggregate alarm, revert on ALARM
4+         pre-production tests (alpha, beta, zeta) after the shift
=========  ===========================================================

Targets of one step run in parallel.  CDK Pipelines keeps self-mutation,
asset publishing and cross-region / cross-account deployment; Seawall adds
its steps as ``pipelines.Step`` objects and, after ``build_pipeline()``, sets
what CDK Pipelines does not expose on the generated ``AWS::CodePipeline::Pipeline``:
``OnFailure: ROLLBACK`` on every deploying stage, optional ``BeforeEntry``
CloudWatch-alarm rules, and the emergency-override pipeline variable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import Construct

from ..checks.pipeline_limits import RESERVED_STAGE_NAMES, check_action_configuration_values
from ..model import AlarmPolicy, Step, Target, Wave, WavePlan, expand_steps
from ..model._validate import require_items, require_unique
from ..model.limits import (
    MAX_ACTIONS_PER_PIPELINE,
    MAX_ACTIONS_PER_STAGE,
    MAX_ALARM_NAME,
    MAX_RULES_PER_CONDITION,
    MAX_STAGES_PER_PIPELINE,
    MAX_TEMPLATE_BYTES,
)
from ..model.naming import (
    carries_team,
    check_service,
    check_stack_name,
    check_team,
    pipeline_role_name,
    service_pipeline_name,
    service_stack_name,
    service_stage_name,
    step_scope,
)
from ..model.release import OVERRIDE_VARIABLE
from .pipeline_hygiene import tidy_pipeline
from .pipeline_nag import acknowledge_generated, acknowledge_pipeline_role

if TYPE_CHECKING:  # pragma: no cover
    from ..model.window import TimeWindow

#: A stack construct ID CDK uses unchanged in the stack's name.
_STACK_ID = re.compile(r"^[A-Za-z0-9-]+$")
#: Stages CDK Pipelines adds before the steps: Source, Build, UpdatePipeline, Assets.
FIXED_STAGES = 4
#: Actions outside the steps besides asset publishing: source, synth, self-mutation.
FIXED_ACTIONS = 3
#: The most the stages may take of the pipeline stack's 1 MB template (the rest: roles, buckets, keys).
STAGES_BYTES_BUDGET = MAX_TEMPLATE_BYTES - 100_000


class ServiceStage(cdk.Stage):
    """The stacks of one service in one target; what one deploy of one step puts in place.

    Created by :class:`WavePipeline` for every target of every step, and
    handed to the service's ``create_service`` callback to fill.

    Attributes
    ----------
    target:
        Region, cell and account of this deployment.
    step:
        The step (pipeline stage) that deploys it.
    team, service:
        Names used for alarms and state machines.
    target_scope:
        The target's :func:`~seawall.model.naming.step_scope` (``us-east-1-cell-1``, ``gamma-us-east-1``).
    alarms:
        The team's alarm thresholds (``TeamPipelineStack.alarms``).  A ``SafeLambdaDeployment`` in
        this stage given no ``alarms=`` uses them (:func:`seawall.constructs._defaults.default_alarms`).
        Default: ``AlarmPolicy()``.

    The stage's construct ID and name are :func:`~seawall.model.naming.service_stage_name`
    (``{team}-{service}-{target_scope}``), and CDK names each of its stacks ``{stage name}-{stack ID}``: stack
    names carry the team, so two teams' services of one name never deploy the same stack.
    """

    def __init__(self, scope: Construct, construct_id: str, *, target: Target, step: Step, team: str,
                 service: str, env: cdk.Environment, alarms: AlarmPolicy | None = None) -> None:
        super().__init__(scope, construct_id, env=env)
        if alarms is not None and not isinstance(alarms, AlarmPolicy):
            raise TypeError(f"alarms={alarms!r} must be a seawall.model.AlarmPolicy")
        self.target = target
        self.step = step
        self.team = team
        self.service = service
        self.target_scope = step_scope(step, target)
        self.alarms = alarms if alarms is not None else AlarmPolicy()

    @property
    def is_production(self) -> bool:
        return self.step.production


@dataclass(frozen=True)
class EntryAlarm:
    """An organisation-wide alarm checked by a stage's ``BeforeEntry`` condition.

    A ``BeforeEntry`` CloudWatchAlarm rule *fails* the stage when the alarm is
    in ALARM; it does not wait for it to clear.  The gate is Seawall's blocker
    (it waits durably); entry alarms are an extra, optional tripwire.
    """

    name: str
    region: str | None = None  # Default: the pipeline's region

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not 1 <= len(self.name) <= MAX_ALARM_NAME:
            raise ValueError(f"EntryAlarm name={self.name!r} must be a CloudWatch alarm name of 1-{MAX_ALARM_NAME} "
                             f"characters")


@dataclass
class TargetDeployment:
    """What the renderer put into a stage for one target (read by tests and the bench)."""

    step: Step
    target: Target
    stage: ServiceStage
    gate: pipelines.Step | None = None
    shift: list[pipelines.Step] = field(default_factory=list)
    bake: list[pipelines.Step] = field(default_factory=list)
    tests: list[pipelines.Step] = field(default_factory=list)
    deploy_actions: int = 0

    @property
    def actions(self) -> int:
        return (1 if self.gate else 0) + self.deploy_actions + len(self.shift) + len(self.bake) + len(self.tests)


ServiceFactory = Callable[[ServiceStage, Target], None]
TestFactory = Callable[[ServiceStage], Sequence[pipelines.Step]]


class WavePipeline(Construct):
    """One service's pipeline: pre-production, then production waves, one stage per step.

    Parameters
    ----------
    plan:
        The waves.  Rendered through :func:`~seawall.model.expand_steps`.
    team, service:
        Names: the team's release state machines and aggregate alarms are
        found by name in every target (``seawall.model.naming``).
    synth:
        The step that produces the cloud assembly (``pipelines.ShellStep``
        with a source input), as for ``pipelines.CodePipeline``.
    create_service:
        ``create_service(stage, target)`` adds the service's stacks to the
        per-target :class:`ServiceStage`.  Called once per target of every step.
    window:
        The team's time window.  Required when `release` is on.  The gates read
        it from the team runtime (``ReleaseStateMachines(window=)``, deployed by
        the team's foundation pipeline), so redeploy the foundation after
        changing it; here it is what the plan checks and ``seawall plan`` read.
    tests:
        ``tests(stage)`` returns the steps to run after a pre-production
        target's shift (functional and integration tests for alpha and
        beta, integration tests against production endpoints for zeta).
        Default: no tests.
    blocking_alarms:
        Organisation-wide alarm names that every gate and bake checks in the
        target region, after the team's aggregate alarm.  Default: none.
    entry_alarms:
        Up to five alarms checked by a ``BeforeEntry`` condition of every
        production stage; the stage *fails* (does not wait) when one is in
        ALARM.  Default: none.
    use_change_sets:
        Deploy each stack with a change set (two actions: prepare and
        execute) instead of one direct deploy action.  Default ``False``:
        a production target then costs 4 actions instead of 5, which keeps
        a service over every commercial region with 3 cells under
        CodePipeline's 500 actions per pipeline.  A change set buys nothing
        here: no one approves it between the two actions.
    cross_account_keys:
        KMS-encrypt the artifact buckets so targets in other accounts can
        read them.  Default: on exactly when a target names an account
        other than the pipeline's.
    release:
        Add the gate, shift and bake for every target (default).  ``False``
        renders deploy-only stages, as the team's foundation pipeline does.
    pipeline_name:
        Default: ``{team}-{service}``.
    alarms:
        The team's alarm thresholds, handed to every :class:`ServiceStage` (``stage.alarms``); a
        ``SafeLambdaDeployment`` there given no ``alarms=`` uses them.  Default: ``AlarmPolicy()``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        plan: WavePlan,
        team: str,
        service: str,
        synth: pipelines.IFileSetProducer,
        create_service: ServiceFactory,
        window: TimeWindow | None = None,
        tests: TestFactory | None = None,
        blocking_alarms: Sequence[str] = (),
        entry_alarms: Sequence[EntryAlarm | str] = (),
        use_change_sets: bool = False,
        cross_account_keys: bool | None = None,
        release: bool = True,
        pipeline_name: str | None = None,
        code_build_defaults: pipelines.CodeBuildOptions | None = None,
        alarms: AlarmPolicy | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if alarms is not None and not isinstance(alarms, AlarmPolicy):
            raise TypeError(f"alarms={alarms!r} must be a seawall.model.AlarmPolicy, e.g. "
                            f"AlarmPolicy(max_fault_rate=0.005)")
        self.alarms = alarms if alarms is not None else AlarmPolicy()
        if not isinstance(plan, WavePlan):
            raise ValueError(f"plan={plan!r} must be a seawall.model.WavePlan")
        self.team = check_team(team)
        self.service = check_service(service)
        self.release = release
        if release and window is None:
            raise ValueError("window=None: a releasing pipeline gates every production step on the team's "
                             "time window; pass a seawall.model.window.TimeWindow")
        self.window = window
        self._plan = plan
        self._synth = synth
        self._create_service = create_service
        self._tests = tests
        self.blocking_alarms = require_items(blocking_alarms, "blocking_alarms", "['org-wide-incident']")
        require_unique(self.blocking_alarms, "blocking_alarms", "alarm")
        self.entry_alarms = tuple(a if isinstance(a, EntryAlarm) else EntryAlarm(a)
                                  for a in require_items(entry_alarms, "entry_alarms", "['org-wide-incident']"))
        require_unique(self.entry_alarms, "entry_alarms", "alarm")
        if len(self.entry_alarms) > MAX_RULES_PER_CONDITION:
            raise ValueError(
                f"entry_alarms has {len(self.entry_alarms)} alarms; a BeforeEntry condition takes at most "
                f"{MAX_RULES_PER_CONDITION} rules. Put the rest in blocking_alarms (checked by every gate) "
                f"or combine them in one composite alarm"
            )
        self.use_change_sets = use_change_sets
        stack = cdk.Stack.of(self)
        if cdk.Token.is_unresolved(stack.account) or cdk.Token.is_unresolved(stack.region):
            raise ValueError(
                f"stack {stack.node.path!r} has no explicit env; a pipeline deploys to fixed accounts and "
                f"regions: give it env=Environment(account='111111111111', region='us-east-1')"
            )
        plan.catalogue.pipeline_home(stack.region, parameter="pipeline stack region")
        self.account = stack.account
        self.region = stack.region
        accounts = {t.account for w in plan.all_waves for t in w.targets if t.account}
        self.cross_account = bool(accounts - {self.account})
        if cross_account_keys is None:
            cross_account_keys = self.cross_account
        elif self.cross_account and not cross_account_keys:
            raise ValueError(
                f"cross_account_keys=False, but targets deploy to accounts {sorted(accounts - {self.account})}; "
                f"those accounts can only read the pipeline's artifacts through KMS keys: leave it unset or True"
            )
        self.pipeline_name = pipeline_name or service_pipeline_name(self.team, self.service)
        #: The CodePipeline role, named for the team (:func:`~seawall.model.naming.pipeline_role_name`) when the
        #: pipeline releases: it assumes the team's invoker roles, which trust only such names.  None: CDK's own.
        self.pipeline_role: iam.Role | None = None
        if release:
            self.pipeline_role = iam.Role(
                self, "PipelineRole", role_name=pipeline_role_name(self.team, self.service, self.region),
                assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
                description=f"CodePipeline role of the {self.team} team's {self.service} pipeline")
        self.code_pipeline = pipelines.CodePipeline(
            self, "Pipeline",
            role=self.pipeline_role,
            pipeline_name=self.pipeline_name,
            pipeline_type=codepipeline.PipelineType.V2,
            synth=synth,
            cross_account_keys=cross_account_keys,
            use_change_sets=use_change_sets,
            self_mutation=True,
            publish_assets_in_parallel=True,
            enable_key_rotation=bool(cross_account_keys),
            code_build_defaults=code_build_defaults,
        )
        self.deployments: list[TargetDeployment] = []
        self._built = False
        self._release_steps: Any = None

    # ------------------------------------------------------------------ mutation before build

    @property
    def plan(self) -> WavePlan:
        return self._plan

    @property
    def built(self) -> bool:
        return self._built

    def _require_unbuilt(self, what: str) -> None:
        if self._built:
            raise RuntimeError(f"cannot {what} after the pipeline was built; do it before build() "
                               f"(in TeamPipelineStack, override the hooks called from __init__)")

    def add_wave(self, wave: Wave) -> None:
        """Append a production wave to the plan (validated with the rest of the plan)."""
        self._require_unbuilt("add waves")
        self._plan = replace(self._plan, waves=(*self._plan.waves, wave))

    def add_pre_production_wave(self, wave: Wave) -> None:
        """Append a pre-production wave (before the first production wave)."""
        self._require_unbuilt("add waves")
        self._plan = replace(self._plan, pre_production=(*self._plan.pre_production, wave))

    # ------------------------------------------------------------------ rendering

    @property
    def steps(self) -> tuple[Step, ...]:
        return expand_steps(self._plan)

    def stage_id(self, step: Step, target: Target) -> str:
        """:func:`~seawall.model.naming.service_stage_name`: ``{team}-{service}-{target scope}``.

        Stack names derive from the stage id, so it depends on the team, service and target only:
        moving a region to another wave must not rename (and so replace) its stacks.
        """
        return service_stage_name(self.team, self.service, step_scope(step, target))

    def _env(self, target: Target) -> cdk.Environment:
        return cdk.Environment(account=target.account or self.account, region=target.region)

    def build(self) -> pipelines.CodePipeline:
        """Render every step, build the CodePipeline, and apply the stage conditions.  Call once."""
        self._require_unbuilt("build the pipeline twice")
        steps = self.steps
        for step in steps:
            if step.name in RESERVED_STAGE_NAMES:
                raise ValueError(
                    f"step {step.name!r} would collide with the CDK Pipelines stage of that name; rename the wave"
                )
        total_stages = FIXED_STAGES + len(steps)
        if total_stages > MAX_STAGES_PER_PIPELINE:
            raise ValueError(
                f"the plan expands to {len(steps)} steps, {total_stages} pipeline stages with CDK Pipelines' "
                f"{FIXED_STAGES}; CodePipeline allows {MAX_STAGES_PER_PIPELINE}. Raise max_targets_per_step "
                f"(now {self._plan.max_targets_per_step}), deploy fewer cells one at a time, or split the "
                f"regions over two pipelines"
            )
        planned_actions = FIXED_ACTIONS
        for step in steps:
            wave = self.code_pipeline.add_wave(step.name)
            deployments = [self._render_target(step, target) for target in step.targets]
            stage_actions = sum(d.actions for d in deployments)
            if stage_actions > MAX_ACTIONS_PER_STAGE:
                per_target = max(d.actions for d in deployments)
                fits = targets_per_stage(per_target)
                raise ValueError(
                    f"step {step.name!r} deploys {len(step.targets)} targets at {per_target} actions each "
                    f"({stage_actions} actions); CodePipeline allows {MAX_ACTIONS_PER_STAGE} per stage. Lower "
                    f"WavePlan max_targets_per_step to {fits}"
                    + ("" if self.use_change_sets is False else " or deploy with use_change_sets=False")
                )
            planned_actions += stage_actions
            for d in deployments:
                pre = [d.gate] if d.gate else []
                post = [*d.shift, *d.bake, *d.tests]
                wave.add_stage(d.stage, pre=pre, post=post)
            self.deployments += deployments
        if planned_actions > MAX_ACTIONS_PER_PIPELINE:
            per_target = max(d.actions for d in self.deployments)
            raise ValueError(
                f"the pipeline would have {planned_actions} actions plus asset publishing; CodePipeline allows "
                f"{MAX_ACTIONS_PER_PIPELINE}. Each target costs up to {per_target}: use fewer cells or regions "
                f"per pipeline, fewer stacks per service"
                + (", or use_change_sets=False (halves the deploy actions)" if self.use_change_sets else "")
            )
        self.code_pipeline.build_pipeline()
        self._built = True
        self._finish(steps)
        return self.code_pipeline

    def _render_target(self, step: Step, target: Target) -> TargetDeployment:
        stage = ServiceStage(self, self.stage_id(step, target), target=target, step=step, team=self.team,
                             service=self.service, env=self._env(target), alarms=self.alarms)
        self._create_service(stage, target)
        stacks = [c for c in stage.node.find_all() if isinstance(c, cdk.Stack)]
        if not stacks:
            raise ValueError(
                f"create_service added no stack to {stage.node.path!r} ({target.name}); add the service's "
                f"stacks to the stage it is given"
            )
        for stack in stacks:
            self._check_stack_name(stage, stack)
        d = TargetDeployment(step=step, target=target, stage=stage,
                             deploy_actions=len(stacks) * (2 if self.use_change_sets else 1))
        if self.release:
            self._add_release_steps(d)
        if self._tests is not None and not step.production:
            d.tests = list(self._tests(stage))
            for t in d.tests:
                for s in d.shift:
                    t.add_step_dependency(s)
        return d

    def _check_stack_name(self, stage: ServiceStage, stack: cdk.Stack) -> None:
        """Every stack of a stage is named for the team: CDK's ``{stage}-{id}``, or a name the team owns."""
        parent = stack.node.scope
        if parent is not None and parent.node.path == stage.node.path and _STACK_ID.match(stack.node.id):
            # Raises when the name CDK derives would pass CloudFormation's 128 characters (CDK would
            # silently shorten it with a hash).
            if stack.stack_name == service_stack_name(self.team, self.service, stage.target_scope, stack.node.id):
                return
        name = stack.stack_name
        if cdk.Token.is_unresolved(name):
            raise ValueError(f"stack {stack.node.path!r} has an unresolved stack_name; a pipeline deploys stacks "
                             f"by literal name")
        check_stack_name(name, parameter=f"stack_name of {stack.node.path!r}")
        if not carries_team(name, self.team):
            raise ValueError(
                f"stack {stack.node.path!r} is named {name!r}, which does not carry the team: another team's "
                f"stack of that name in the same account and region would be overwritten. Leave stack_name "
                f"unset (CDK names it {stage.stage_name}-<stack id>) or start it with {self.team + '-'!r}"
            )

    def _add_release_steps(self, d: TargetDeployment) -> None:
        """The one place that makes gate, shift and bake steps for a target."""
        from .pipeline_release import release_steps

        release_steps(self, d)

    # ------------------------------------------------------------------ escape hatches

    @property
    def pipeline(self) -> codepipeline.Pipeline:
        """The generated ``aws_codepipeline.Pipeline`` (after :meth:`build`)."""
        return self.code_pipeline.pipeline

    def _finish(self, steps: Sequence[Step]) -> None:
        pipeline = self.code_pipeline.pipeline
        cfn = pipeline.node.default_child
        assert isinstance(cfn, codepipeline.CfnPipeline)
        names = [s.stage_name for s in pipeline.stages]
        by_first_stage: dict[str, Step] = {}
        for step in steps:
            deployments = [d for d in self.deployments if d.step is step]
            # A wave of one stage is rendered under the stage's own name; a wave of several under the wave id.
            graph_name = deployments[0].stage.stage_name if len(deployments) == 1 else step.name
            by_first_stage[graph_name] = step
        expected_tail = len(steps)
        tail = names[len(names) - expected_tail:]
        if [by_first_stage.get(n) for n in tail] != list(steps):
            raise RuntimeError(
                f"CDK Pipelines rendered stages {tail}, expected one stage per step {[s.name for s in steps]}; "
                f"a stage was split (over {MAX_ACTIONS_PER_STAGE} actions?)"
            )
        offset = len(names) - expected_tail
        for i, step in enumerate(steps):
            index = offset + i
            cfn.add_property_override(f"Stages.{index}.Name", step.name)
            cfn.add_property_override(f"Stages.{index}.OnFailure", {"Result": "ROLLBACK"})
            if step.production and self.entry_alarms:
                cfn.add_property_override(f"Stages.{index}.BeforeEntry", {
                    "Conditions": [{
                        "Result": "FAIL",
                        "Rules": [
                            {
                                "Name": f"EntryAlarm{n + 1}",
                                "RuleTypeId": {"Category": "Rule", "Owner": "AWS", "Provider": "CloudWatchAlarm",
                                               "Version": "1"},
                                "Configuration": {"AlarmName": a.name},
                                "Region": a.region or self.region,
                            }
                            for n, a in enumerate(self.entry_alarms)
                        ],
                    }],
                })
        if self.entry_alarms:
            stack = cdk.Stack.of(self)
            pipeline.role.add_to_principal_policy(iam.PolicyStatement(
                actions=["cloudwatch:DescribeAlarms"],
                resources=[
                    stack.format_arn(service="cloudwatch", resource="alarm", region=a.region or self.region,
                                     resource_name=a.name, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
                    for a in self.entry_alarms
                ],
            ))
        if self.release:
            pipeline.add_variable(codepipeline.Variable(
                variable_name=OVERRIDE_VARIABLE,
                default_value="false",
                description=("Emergency override: 'true: <reason>' skips the time window and alarm blocker and "
                             "shortens bakes. Set it when starting an execution; a self-mutation restarts the "
                             "execution without it."),
            ))
        stages_bytes = tidy_pipeline(pipeline)
        if stages_bytes > STAGES_BYTES_BUDGET:
            raise ValueError(
                f"the pipeline's stages take {stages_bytes} bytes of the pipeline stack's template; "
                f"CloudFormation reads at most {MAX_TEMPLATE_BYTES} (and the stack holds more than the "
                f"pipeline). Deploy fewer cells or targets per pipeline, or split the regions over two "
                f"pipelines (release actions have a constant size: the number of functions does not matter)"
            )
        # CodePipeline: at most 1,000 characters per action configuration value; the stages as the template
        # will name them (the step stages were renamed by the overrides above).
        check_action_configuration_values(cdk.Stack.of(self).resolve(cfn.stages),
                                          stage_names=[*names[:offset], *(s.name for s in steps)])
        acknowledge_generated(self.code_pipeline)
        if self.pipeline_role is not None:
            acknowledge_pipeline_role(self.pipeline_role)
        total = sum(len(s.actions) for s in pipeline.stages)
        if total > MAX_ACTIONS_PER_PIPELINE:
            raise ValueError(
                f"the pipeline has {total} actions; CodePipeline allows {MAX_ACTIONS_PER_PIPELINE}. Use fewer "
                f"cells or regions per pipeline or fewer stacks per service"
            )
        if len(names) > MAX_STAGES_PER_PIPELINE:
            raise ValueError(f"the pipeline has {len(names)} stages; CodePipeline allows {MAX_STAGES_PER_PIPELINE}")


def targets_per_stage(actions_per_target: int) -> int:
    """The most targets one stage holds at `actions_per_target` each."""
    return max(1, math.floor(MAX_ACTIONS_PER_STAGE / actions_per_target))
