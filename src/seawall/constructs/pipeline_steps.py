"""CDK Pipelines steps that run the release state machines in a target's region and account.

Each step renders one CodePipeline Step Functions invoke action.  The state
machine is found by name (:func:`seawall.model.naming.state_machine_name`) in
the target's region and account, so the action lands there; its input is a
:mod:`seawall.model.contracts` document holding CodePipeline ``#{...}``
variables that are substituted at run time.  What an input carries does not
grow with the number of functions or alarms: a shift or bake names the
target's release stacks and the ``SeawallReleaseToken`` each one's deploy
action produced (the only stack outputs the pipeline consumes); the state
machines read the functions from the stacks and the team's rules from the
team runtime.  Pass ``role_arn`` to share one action role per account and
region instead of one role per action.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import jsii
from aws_cdk import CfnOutput, Stack, Token, pipelines
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as cpactions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.region_info import RegionInfo

from ..model.contracts import (
    RELEASE_TOKEN_OUTPUT,
    BakeInput,
    GateInput,
    PipelineRef,
    ReleaseStack,
    ShiftInput,
    TargetRef,
)
from ..model.naming import pipeline_reader_role_name, state_machine_name
from ..model.policies import BakePolicy
from ..model.waves import Target


def release_token_output(stack: Stack) -> CfnOutput:
    """The stack's ``SeawallReleaseToken`` output (every stack with a SafeLambdaDeployment has one)."""
    if not isinstance(stack, Stack):
        raise TypeError(f"stacks item {stack!r} must be a cdk.Stack")
    found = stack.node.try_find_child(RELEASE_TOKEN_OUTPUT)
    if not isinstance(found, CfnOutput):
        raise ValueError(f"stack {stack.node.path!r} has no {RELEASE_TOKEN_OUTPUT} output: only a stack with a "
                         f"SafeLambdaDeployment can be released; wrap the service's functions in one")
    return found


_NS = re.compile(r"[^A-Za-z0-9@_-]")


class _ReleaseStep(pipelines.Step):
    """Shared rendering of a release state machine invocation."""

    part = ""

    def __init__(self, id: str, *, target: Target, team: str, role_arn: str | None = None,
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

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: PipelineRef) -> dict[str, Any]:
        raise NotImplementedError

    def _pipeline(self, options: pipelines.ProduceActionOptions) -> PipelineRef:
        """Where the state machines call ``GetPipelineExecution``: name, region and, across accounts, a role."""
        stack = Stack.of(options.pipeline)
        return PipelineRef(name=_pipeline_name(options), region=stack.region,
                           role_arn=self._pipeline_role_arn(stack))

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

    The window, the org-wide alarms and the gate's poll and limit are the
    team's, read by the gate from the team runtime
    (:class:`~seawall.constructs.ReleaseStateMachines`); the input names only
    the target and the pipeline execution.

    Parameters
    ----------
    role_arn:
        The action role shared per account and region.  Default: CDK creates one for this action.
    pipeline_role_arn:
        See :class:`ShiftStep`.
    """

    part = "gate"

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: PipelineRef) -> dict[str, Any]:
        return GateInput(target=TargetRef.of(self.target), pipeline=pipeline).to_json()


class _StackStep(_ReleaseStep):
    """A step that names the target's release stacks and consumes only their release tokens."""

    def __init__(self, id: str, *, target: Target, team: str, stacks: Sequence[Stack], role_arn: str | None,
                 pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, role_arn=role_arn, pipeline_role_arn=pipeline_role_arn)
        if isinstance(stacks, Stack) or not stacks:
            raise ValueError(f"{id}: stacks must be a non-empty list of the target's stacks that have "
                             f"SafeLambdaDeployments")
        self.stacks = list(stacks)
        self._tokens = [pipelines.StackOutputReference.from_cfn_output(release_token_output(s))
                        for s in self.stacks]
        for s in self.stacks:
            if Token.is_unresolved(s.stack_name):
                raise ValueError(f"{id}: stack {s.node.path!r} has no literal name; the state machines read it "
                                 f"by name")
            ReleaseStack(stack_name=s.stack_name, token="validate")  # a CloudFormation stack name

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        """One output per stack, whatever the number of functions: its release token."""
        return list(self._tokens)

    def _release_stacks(self, options: pipelines.ProduceActionOptions) -> tuple[ReleaseStack, ...]:
        outputs = options.stack_outputs_map
        return tuple(ReleaseStack(stack_name=s.stack_name, token=outputs.to_code_pipeline(ref))
                     for s, ref in zip(self.stacks, self._tokens, strict=True))


@jsii.implements(pipelines.ICodePipelineActionFactory)
class ShiftStep(_StackStep):
    """Move each function of `stacks` to its new version with CodeDeploy, in `target`.

    Its action exposes ``#{<namespace>.ExecutionArn}``; a :class:`BakeStep`
    reads the previous versions from that execution.  The functions, their
    new versions, CodeDeploy groups, deployment configs and traffic hooks are
    read by the state machine from the stacks' outputs
    (:attr:`SafeLambdaDeployment.release_outputs`), after it checked that each
    stack's release token is the one this execution's deploy produced.

    Parameters
    ----------
    stacks:
        The target's stacks that have SafeLambdaDeployments, deployed earlier in the stage.
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

    def __init__(self, id: str, *, target: Target, team: str, stacks: Sequence[Stack],
                 role_arn: str | None = None, pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, stacks=stacks, role_arn=role_arn,
                         pipeline_role_arn=pipeline_role_arn)

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: PipelineRef) -> dict[str, Any]:
        return ShiftInput(target=TargetRef.of(self.target), pipeline=pipeline,
                          stacks=self._release_stacks(options)).to_json()


@jsii.implements(pipelines.ICodePipelineActionFactory)
class BakeStep(_StackStep):
    """Watch `target` for the bake time and data points; revert on ALARM.  Runs after `shift`.

    It watches the team's aggregate and org-wide alarms (the team runtime's
    settings) and the high-severity alarms the stacks name in their outputs.

    Parameters
    ----------
    stacks:
        The same stacks as the shift's.
    max_wait:
        When the bake fails for lack of data points.  Default: the bake time
        plus 24 hours, at most 40 hours.
    ``pipeline_role_arn``: see :class:`ShiftStep`.
    """

    part = "bake"

    def __init__(self, id: str, *, target: Target, team: str, bake: BakePolicy, shift: ShiftStep,
                 stacks: Sequence[Stack], max_wait: timedelta | None = None, role_arn: str | None = None,
                 pipeline_role_arn: str | None = None) -> None:
        super().__init__(id, target=target, team=team, stacks=stacks, role_arn=role_arn,
                         pipeline_role_arn=pipeline_role_arn)
        if not isinstance(shift, ShiftStep):
            raise TypeError(f"{id}: shift={shift!r} must be the ShiftStep of the same target")
        self.bake, self.shift, self.max_wait = bake, shift, max_wait
        BakeInput.of(target=target, pipeline=PipelineRef(name="validate"),  # fail at construction, not at synth
                     stacks=[ReleaseStack(stack_name=s.stack_name, token="t") for s in self.stacks],
                     bake=bake, shift_execution_arn="validate", max_wait=max_wait)
        self.add_step_dependency(shift)

    def _input(self, options: pipelines.ProduceActionOptions, pipeline: PipelineRef) -> dict[str, Any]:
        if self.shift.namespace is None:
            raise ValueError(f"{self.id}: its ShiftStep {self.shift.id!r} is not in this pipeline before it")
        return BakeInput.of(target=self.target, pipeline=pipeline, stacks=self._release_stacks(options),
                            bake=self.bake, shift_execution_arn=f"#{{{self.shift.namespace}.ExecutionArn}}",
                            max_wait=self.max_wait).to_json()


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
