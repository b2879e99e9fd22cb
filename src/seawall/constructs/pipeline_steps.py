"""CDK Pipelines steps that run the release state machines in a target's region and account.

Each step renders one CodePipeline Step Functions invoke action.  The state
machine is found by name (:func:`seawall.model.naming.state_machine_name`) in
the target's region and account, so the action lands there; its input is
built by :mod:`seawall.model.release` and holds CodePipeline ``#{...}``
variables that are substituted at run time.  Pass ``role_arn`` to share one
action role per account and region instead of one role per action.
"""

from __future__ import annotations

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

from ..model.naming import state_machine_name
from ..model.policies import BakePolicy, TrafficPolicy
from ..model.release import (
    DEFAULT_GATE_POLL,
    DEFAULT_GATE_WAIT,
    FunctionRelease,
    bake_input,
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
    variables.
    """

    function_name: Value
    target_version: Value
    application: Value
    deployment_group: Value
    alias: Value = "live"

    def references(self) -> list[pipelines.StackOutputReference]:
        return [v for v in (self.function_name, self.target_version, self.application, self.deployment_group,
                            self.alias) if isinstance(v, pipelines.StackOutputReference)]

    def resolve(self, outputs: pipelines.StackOutputsMap) -> FunctionRelease:
        def r(v: Value) -> str:
            return v if isinstance(v, str) else outputs.to_code_pipeline(v)

        return FunctionRelease(function_name=r(self.function_name), target_version=r(self.target_version),
                               application=r(self.application), deployment_group=r(self.deployment_group),
                               alias=r(self.alias))


_NS = re.compile(r"[^A-Za-z0-9@_-]")


class _ReleaseStep(pipelines.Step):
    """Shared rendering of a release state machine invocation."""

    part = ""

    def __init__(self, id: str, *, target: Target, team: str, role_arn: str | None) -> None:
        super().__init__(id)
        if not isinstance(target, Target):
            raise ValueError(f"{id}: target={target!r} must be a seawall.model.Target")
        state_machine_name(team, self.part)  # validates team
        self.target = target
        self.team = team
        self.role_arn = role_arn
        self.namespace: str | None = None

    def _input(self, options: pipelines.ProduceActionOptions, pipeline_name: str,
               pipeline_region: str) -> dict[str, Any]:
        raise NotImplementedError

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
        self.namespace = _NS.sub("-", f"{stage.stage_name}-{options.action_name}")[:100]
        payload = self._input(options, _pipeline_name(options), pipeline_stack.region)
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
    """

    part = "gate"

    def __init__(self, id: str, *, target: Target, team: str, window: TimeWindow, alarm_names: Sequence[str],
                 max_wait: timedelta = DEFAULT_GATE_WAIT, poll: timedelta = DEFAULT_GATE_POLL,
                 role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn)
        self.window, self.alarm_names, self.max_wait, self.poll = window, list(alarm_names), max_wait, poll
        gate_input(target=target, window=window, alarm_names=self.alarm_names, pipeline_name="validate",
                   max_wait=max_wait, poll=poll)  # fail at construction, not at synth

    def _input(self, options: pipelines.ProduceActionOptions, pipeline_name: str,
               pipeline_region: str) -> dict[str, Any]:
        return gate_input(target=self.target, window=self.window, alarm_names=self.alarm_names,
                          pipeline_name=pipeline_name, pipeline_region=pipeline_region, max_wait=self.max_wait,
                          poll=self.poll)


@jsii.implements(pipelines.ICodePipelineActionFactory)
class ShiftStep(_ReleaseStep):
    """Move each function's alias to its new version with CodeDeploy, in `target`.

    Its action exposes ``#{<namespace>.ExecutionArn}``; a :class:`BakeStep`
    reads the previous versions from that execution.
    """

    part = "shift"

    def __init__(self, id: str, *, target: Target, team: str,
                 functions: Sequence[FunctionOutputs | FunctionRelease], traffic: TrafficPolicy | str,
                 role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn)
        self.functions = _functions(id, functions)
        self.traffic = traffic
        from ..model.release import deployment_config_name

        deployment_config_name(traffic)

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        return [r for f in self.functions for r in f.references()]

    def _input(self, options: pipelines.ProduceActionOptions, pipeline_name: str,
               pipeline_region: str) -> dict[str, Any]:
        return shift_input(target=self.target, functions=[f.resolve(options.stack_outputs_map) for f in self.functions],
                           traffic=self.traffic, pipeline_name=pipeline_name, pipeline_region=pipeline_region)


@jsii.implements(pipelines.ICodePipelineActionFactory)
class BakeStep(_ReleaseStep):
    """Watch `target` for the bake time and data points; revert on ALARM.  Runs after `shift`."""

    part = "bake"

    def __init__(self, id: str, *, target: Target, team: str, bake: BakePolicy, alarm_names: Sequence[str],
                 functions: Sequence[FunctionOutputs | FunctionRelease], shift: ShiftStep,
                 max_wait: timedelta | None = None, role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn)
        if not isinstance(shift, ShiftStep):
            raise ValueError(f"{id}: shift={shift!r} must be the ShiftStep of the same target")
        self.bake, self.alarm_names, self.shift, self.max_wait = bake, list(alarm_names), shift, max_wait
        self.functions = _functions(id, functions)
        self.add_step_dependency(shift)

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        return [r for f in self.functions for r in f.references()]

    def _input(self, options: pipelines.ProduceActionOptions, pipeline_name: str,
               pipeline_region: str) -> dict[str, Any]:
        if self.shift.namespace is None:
            raise ValueError(f"{self.id}: its ShiftStep {self.shift.id!r} is not in this pipeline before it")
        return bake_input(target=self.target, bake=self.bake, alarm_names=self.alarm_names,
                          functions=[f.resolve(options.stack_outputs_map) for f in self.functions],
                          shift_execution_arn=f"#{{{self.shift.namespace}.ExecutionArn}}",
                          pipeline_name=pipeline_name, pipeline_region=pipeline_region, max_wait=self.max_wait)


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
                                application=f.application, deployment_group=f.deployment_group, alias=f.alias)
        if not isinstance(f, FunctionOutputs):
            raise ValueError(f"{id}: functions item {f!r} must be FunctionOutputs or FunctionRelease")
        out.append(f)
    return out
