"""CDK Pipelines steps that run the release state machines in a target's region and account.

Each step renders one CodePipeline Step Functions invoke action.  The state
machine is found by name (:func:`seawall.model.naming.state_machine_name`) in
the target's region and account, so the action lands there; its input is
built by :mod:`seawall.model.release` and holds CodePipeline ``#{...}``
variables that are substituted at run time.  Pass ``role_arn`` to share one
action role per account and region instead of one role per action.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jsii
from aws_cdk import Stack, Token, pipelines
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as cpactions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.region_info import RegionInfo

from ..model.naming import pipeline_reader_role_name, state_machine_name
from ..model.policies import BakePolicy, TrafficPolicy
from ..model.release import (
    DEFAULT_GATE_POLL,
    DEFAULT_GATE_WAIT,
    FunctionRelease,
    bake_input,
    deployment_config_name,
    gate_input,
    shift_input,
)
from ..model.waves import Target
from ..model.window import TimeWindow

Value = str | pipelines.StackOutputReference


@dataclass(frozen=True, kw_only=True)
class FunctionOutputs:
    """A function to release whose fields may come from the service stack's outputs.

    Each field is a string or a ``pipelines.StackOutputReference`` (e.g.
    ``StackOutputReference.from_cfn_output(deployment.new_version_output)``);
    references are substituted by CodePipeline from the deploy action's
    variables.  ``pre_traffic_hook`` / ``post_traffic_hook`` (None: no hook)
    name the functions CodeDeploy runs as ``BeforeAllowTraffic`` /
    ``AfterAllowTraffic`` hooks; only the shift carries them.
    """

    function_name: Value
    target_version: Value
    application: Value
    deployment_group: Value
    alias: Value = "live"
    pre_traffic_hook: Value | None = None
    post_traffic_hook: Value | None = None

    def references(self, *, hooks: bool = True) -> list[pipelines.StackOutputReference]:
        values: list[Value | None] = [self.function_name, self.target_version, self.application,
                                      self.deployment_group, self.alias]
        if hooks:
            values += [self.pre_traffic_hook, self.post_traffic_hook]
        return [v for v in values if isinstance(v, pipelines.StackOutputReference)]

    def resolve(self, outputs: pipelines.StackOutputsMap, *, hooks: bool = True) -> FunctionRelease:
        def r(v: Value) -> str:
            return v if isinstance(v, str) else outputs.to_code_pipeline(v)

        def h(v: Value | None) -> str | None:
            return r(v) if hooks and v is not None else None

        return FunctionRelease(function_name=r(self.function_name), target_version=r(self.target_version),
                               application=r(self.application), deployment_group=r(self.deployment_group),
                               alias=r(self.alias), pre_traffic_hook=h(self.pre_traffic_hook),
                               post_traffic_hook=h(self.post_traffic_hook))


_NS = re.compile(r"[^A-Za-z0-9@_-]")


class _ReleaseStep(pipelines.Step):
    """Shared rendering of a release state machine invocation."""

    part = ""

    def __init__(self, id: str, *, target: Target, team: str, role_arn: str | None,
                 pipeline_role_arn: str | None = None) -> None:
        super().__init__(id)
        if not isinstance(target, Target):
            raise ValueError(f"{id}: target={target!r} must be a seawall.model.Target")
        state_machine_name(team, self.part)  # validates team
        if pipeline_role_arn is not None and not isinstance(pipeline_role_arn, str):
            raise ValueError(f"{id}: pipeline_role_arn={pipeline_role_arn!r} must be a role ARN, '' or None")
        self.target = target
        self.team = team
        self.role_arn = role_arn
        self.pipeline_role_arn = pipeline_role_arn
        self.namespace: str | None = None

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def _pipeline(self, options: pipelines.ProduceActionOptions) -> dict[str, str]:
        """Where the state machines call ``GetPipelineExecution``: name, region and, across accounts, a role."""
        stack = Stack.of(options.pipeline)
        return {"pipeline_name": _pipeline_name(options), "pipeline_region": stack.region,
                "pipeline_role_arn": self._pipeline_role_arn(stack)}

    def _pipeline_role_arn(self, stack: Stack) -> str:
        if self.pipeline_role_arn is not None:
            return self.pipeline_role_arn
        if not self.target.account or self.target.account == stack.account:
            return ""  # the target's own account: the state machines read the execution directly
        if Token.is_unresolved(stack.account) or Token.is_unresolved(stack.region):
            raise ValueError(
                f"{self.id}: target {self.target.name} is in account {self.target.account} but the pipeline "
                f"stack's account or region is not literal; give the pipeline stack an explicit env, or pass "
                f"pipeline_role_arn= (a role in the pipeline account the target may assume)"
            )
        partition = RegionInfo.get(stack.region).partition or "aws"
        return f"arn:{partition}:iam::{stack.account}:role/{pipeline_reader_role_name(self.team)}"

    def produce_action(self, stage: codepipeline.IStage, options: pipelines.ProduceActionOptions
                       ) -> pipelines.CodePipelineActionFactoryResult:
        scope = options.scope
        pipeline_stack = Stack.of(options.pipeline)
        account = self.target.account or pipeline_stack.account
        arn = (f"arn:{pipeline_stack.partition}:states:{self.target.region}:{account}:stateMachine:"
               f"{state_machine_name(self.team, self.part)}")
        machine = sfn.StateMachine.from_state_machine_arn(scope, f"{options.action_name}Machine", arn)
        role = None
        if self.role_arn:
            role = iam.Role.from_role_arn(scope, f"{options.action_name}Role", self.role_arn, mutable=False)
        namespace = _NS.sub("-", f"{stage.stage_name}-{options.action_name}")
        # Unique within the pipeline even when long (team, service and target names are in it): past
        # 100 characters keep the head and a hash of the whole, as CDK Pipelines does for action names.
        self.namespace = namespace if len(namespace) <= 100 else (
            f"{namespace[:91]}-{hashlib.sha256(namespace.encode()).hexdigest()[:8]}")
        payload = self._input(options, self._pipeline(options))
        stage.add_action(cpactions.StepFunctionInvokeAction(
            action_name=options.action_name, run_order=options.run_order, state_machine=machine,
            state_machine_input=cpactions.StateMachineInput.literal(payload), role=role,
            variables_namespace=self.namespace,
        ))
        return pipelines.CodePipelineActionFactoryResult(run_orders_consumed=1)


@jsii.implements(pipelines.ICodePipelineActionFactory)
class GateStep(_ReleaseStep):
    """May the step start in `target` now?  Runs the team's gate state machine there.

    Parameters
    ----------
    window:
        The team's time window.
    alarm_names:
        The team's aggregate alarm for the target's region first, then
        organisation-wide alarms.
    max_wait, poll:
        See :func:`seawall.model.release.gate_input`.  Default: 6 days 18 hours, 10 minutes.
    role_arn:
        The action role shared per account and region.  Default: CDK creates one for this action.
    pipeline_role_arn:
        See :class:`ShiftStep`.
    """

    part = "gate"

    def __init__(self, id: str, *, target: Target, team: str, window: TimeWindow, alarm_names: Sequence[str],
                 max_wait: timedelta = DEFAULT_GATE_WAIT, poll: timedelta = DEFAULT_GATE_POLL,
                 role_arn: str | None = None, pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn, pipeline_role_arn=pipeline_role_arn)
        self.window, self.alarm_names, self.max_wait, self.poll = window, list(alarm_names), max_wait, poll
        gate_input(target=target, window=window, alarm_names=self.alarm_names, pipeline_name="validate",
                   max_wait=max_wait, poll=poll)  # fail at construction, not at synth

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: dict[str, str]) -> dict[str, Any]:
        return gate_input(target=self.target, window=self.window, alarm_names=self.alarm_names,
                          max_wait=self.max_wait, poll=self.poll, **pipeline)


@jsii.implements(pipelines.ICodePipelineActionFactory)
class ShiftStep(_ReleaseStep):
    """Move each function's alias to its new version with CodeDeploy, in `target`.

    Its action exposes ``#{<namespace>.ExecutionArn}``; a :class:`BakeStep`
    reads the previous versions from that execution.

    Parameters
    ----------
    functions:
        What to release; a function's ``pre_traffic_hook`` / ``post_traffic_hook``
        go into its deployment's AppSpec ``Hooks``.
    traffic:
        The step's :class:`~seawall.model.TrafficPolicy` (its predefined
        CodeDeploy config), a deployment config name, or a
        ``pipelines.StackOutputReference`` to the service stack's output that
        names a custom config (a policy with no predefined config, such as a
        10 % canary for 60 minutes).
    role_arn:
        The action role shared per account and region.  Default: CDK creates one for this action.
    pipeline_role_arn:
        A role in the pipeline's account that the state machines assume to
        call ``GetPipelineExecution`` (rollback executions, the override).
        Default (None): none when the target is in the pipeline's account,
        else the team's reader role ``seawall-{team}-pipeline-reader`` in the
        pipeline's account, which the team's foundation creates.  ``""``: none.
    """

    part = "shift"

    def __init__(self, id: str, *, target: Target, team: str,
                 functions: Sequence[FunctionOutputs | FunctionRelease],
                 traffic: TrafficPolicy | str | pipelines.StackOutputReference,
                 role_arn: str | None = None, pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn, pipeline_role_arn=pipeline_role_arn)
        self.functions = _functions(id, functions)
        self.traffic = traffic
        if not isinstance(traffic, pipelines.StackOutputReference):
            deployment_config_name(traffic)  # fail at construction, not at synth

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        refs = [r for f in self.functions for r in f.references()]
        if isinstance(self.traffic, pipelines.StackOutputReference):
            refs.append(self.traffic)
        return refs

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: dict[str, str]) -> dict[str, Any]:
        outputs = options.stack_outputs_map
        traffic = (outputs.to_code_pipeline(self.traffic) if isinstance(self.traffic, pipelines.StackOutputReference)
                   else self.traffic)
        return shift_input(target=self.target, functions=[f.resolve(outputs) for f in self.functions],
                           traffic=traffic, **pipeline)


@jsii.implements(pipelines.ICodePipelineActionFactory)
class BakeStep(_ReleaseStep):
    """Watch `target` for the bake time and data points; revert on ALARM.  Runs after `shift`.

    Parameters
    ----------
    alarm_names:
        The team's aggregate alarm for the target's region first, then
        organisation-wide alarms.
    service_alarm_names:
        The high-severity composite of each service the step deploys, in the
        target's region (``high_severity_alarm_name(team, service, region)``):
        a service that has not joined the team aggregate yet is watched
        through it.  Required, at least one.  It must exist when the bake runs
        (the deploy creates it); a missing one fails the bake.
    ``pipeline_role_arn``: see :class:`ShiftStep`.
    """

    part = "bake"

    def __init__(self, id: str, *, target: Target, team: str, bake: BakePolicy, alarm_names: Sequence[str],
                 functions: Sequence[FunctionOutputs | FunctionRelease], shift: ShiftStep,
                 service_alarm_names: Sequence[str], max_wait: timedelta | None = None,
                 role_arn: str | None = None, pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn, pipeline_role_arn=pipeline_role_arn)
        if not isinstance(shift, ShiftStep):
            raise ValueError(f"{id}: shift={shift!r} must be the ShiftStep of the same target")
        self.bake, self.alarm_names, self.shift, self.max_wait = bake, list(alarm_names), shift, max_wait
        if isinstance(service_alarm_names, str):
            raise ValueError(f"{id}: service_alarm_names must be a list of alarm names, not one string")
        self.service_alarm_names = list(service_alarm_names)
        if not self.service_alarm_names:
            raise ValueError(
                f"{id}: service_alarm_names=[] must name the high-severity alarm of each service the step deploys "
                f"(high_severity_alarm_name(team, service, region)): the team aggregate alone watches nothing "
                f"while no service has joined it")
        self.functions = _functions(id, functions)
        self.add_step_dependency(shift)

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        return [r for f in self.functions for r in f.references(hooks=False)]

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: dict[str, str]) -> dict[str, Any]:
        if self.shift.namespace is None:
            raise ValueError(f"{self.id}: its ShiftStep {self.shift.id!r} is not in this pipeline before it")
        return bake_input(target=self.target, bake=self.bake, alarm_names=self.alarm_names,
                          service_alarm_names=self.service_alarm_names,
                          functions=[f.resolve(options.stack_outputs_map, hooks=False) for f in self.functions],
                          shift_execution_arn=f"#{{{self.shift.namespace}.ExecutionArn}}",
                          max_wait=self.max_wait, **pipeline)


def _pipeline_name(options: pipelines.ProduceActionOptions) -> str:
    """The pipeline's physical name: a Ref to the pipeline inside its own definition would be circular."""
    cfn = options.pipeline.pipeline.node.default_child
    name = getattr(cfn, "name", None)
    if not isinstance(name, str) or Token.is_unresolved(name):
        raise ValueError(
            "the pipeline has no literal name; give pipelines.CodePipeline(pipeline_name=...) so the release "
            "state machines can call GetPipelineExecution (a reference to the pipeline in its own actions is "
            "circular)"
        )
    return name


def _functions(id: str, functions: Sequence[FunctionOutputs | FunctionRelease]) -> list[FunctionOutputs]:
    if isinstance(functions, (str, FunctionOutputs, FunctionRelease)) or not functions:
        raise ValueError(f"{id}: functions must be a non-empty list of FunctionOutputs or FunctionRelease")
    out = []
    for f in functions:
        if isinstance(f, FunctionRelease):
            f = FunctionOutputs(function_name=f.function_name, target_version=f.target_version,
                                application=f.application, deployment_group=f.deployment_group, alias=f.alias,
                                pre_traffic_hook=f.pre_traffic_hook, post_traffic_hook=f.post_traffic_hook)
        if not isinstance(f, FunctionOutputs):
            raise ValueError(f"{id}: functions item {f!r} must be FunctionOutputs or FunctionRelease")
        out.append(f)
    return out
