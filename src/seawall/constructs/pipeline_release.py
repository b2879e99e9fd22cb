"""Gate, shift and bake steps for one target: the single place WavePipeline makes them.

The functions to release are found in the target's stage: every
:class:`~seawall.constructs.SafeLambdaDeployment` contributes its release
outputs (function, alias, new version, CodeDeploy application and deployment
group), which CodePipeline substitutes from the deploy action's variables.
Every action assumes the team's shared invoker role of the target's account
and region (``seawall-{team}-invoker-{region}``, deployed by the team
runtime), so the pipeline stack does not grow a role per action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import pipelines

from ..model.naming import aggregate_alarm_name
from .lambda_deployment import SafeLambdaDeployment
from .pipeline_steps import BakeStep, FunctionOutputs, GateStep, ShiftStep

if TYPE_CHECKING:  # pragma: no cover
    from .wave_pipeline import TargetDeployment, WavePipeline


def deployments_in(stage: cdk.Stage) -> list[SafeLambdaDeployment]:
    return [c for c in stage.node.find_all() if isinstance(c, SafeLambdaDeployment)]


def function_outputs(stage: cdk.Stage) -> list[FunctionOutputs]:
    """What the shift moves and the bake watches: every SafeLambdaDeployment of the stage, in tree order."""
    found = []
    for c in deployments_in(stage):
        o = c.release_outputs
        ref = pipelines.StackOutputReference.from_cfn_output
        # Names fixed at synthesis go in literally; only what CloudFormation decides (a generated
        # function name, the new version) is read from the deploy action's outputs.  Every reference
        # costs ~100 bytes of pipeline template per target, and the pipeline stack has 1 MB.
        application = _literal(c.application.node.default_child, "application_name")
        group = _literal(c.deployment_group.node.default_child, "deployment_group_name")
        function_name = _literal(c.function.node.default_child, "function_name")
        found.append(FunctionOutputs(
            function_name=function_name or ref(o.function_name),
            target_version=ref(o.version),
            application=application or ref(o.application_name),
            deployment_group=group or ref(o.deployment_group_name),
            alias=c.alias_name if not cdk.Token.is_unresolved(c.alias_name) else ref(o.alias_name),
        ))
    return found


def _literal(cfn: object, attribute: str) -> str | None:
    """A name set literally on a CloudFormation resource, or None (generated, or a token)."""
    value = getattr(cfn, attribute, None)
    return value if isinstance(value, str) and value and not cdk.Token.is_unresolved(value) else None


@jsii.implements(pipelines.ICodePipelineActionFactory)
class _CustomConfigShiftStep(ShiftStep):
    """A shift whose CodeDeploy config is a custom one, named by the service stack's output.

    A traffic policy without a predefined CodeDeploy config (say, a 10 % canary
    for 60 minutes) is created by ``SafeLambdaDeployment`` as a custom config
    with a generated name; the shift reads that name from the deploy action.
    """

    def __init__(self, id: str, *, config: pipelines.StackOutputReference, **kwargs: Any) -> None:
        super().__init__(id, traffic="CodeDeployDefault.LambdaAllAtOnce", **kwargs)
        self._config = config

    @property
    def consumed_stack_outputs(self) -> list[pipelines.StackOutputReference]:
        return [*super().consumed_stack_outputs, self._config]

    def _input(self, options: pipelines.ProduceActionOptions, pipeline_name: str,
               pipeline_region: str) -> dict[str, Any]:
        self.traffic = options.stack_outputs_map.to_code_pipeline(self._config)
        return super()._input(options, pipeline_name, pipeline_region)


def _shift_traffic(d: TargetDeployment) -> str | pipelines.StackOutputReference | Any:
    """The step's traffic policy, checked against every function's deployment group."""
    deployments = deployments_in(d.stage)
    for c in deployments:
        if c.traffic != d.step.traffic:
            raise ValueError(
                f"{c.node.path!r} shifts with {c.traffic.describe()!r} but step {d.step.name!r} shifts with "
                f"{d.step.traffic.describe()!r}; pass traffic=stage.step.traffic to SafeLambdaDeployment so the "
                f"pipeline and `seawall plan` agree"
            )
    if d.step.traffic.predefined_config_name:
        return d.step.traffic
    first = deployments[0]
    stack = cdk.Stack.of(first)
    output = stack.node.try_find_child(_CONFIG_OUTPUT)
    if output is None:
        output = cdk.CfnOutput(stack, _CONFIG_OUTPUT, value=first.deployment_config.deployment_config_name,
                               description="CodeDeploy deployment config the Seawall shift uses")
    return pipelines.StackOutputReference.from_cfn_output(output)


_CONFIG_OUTPUT = "SeawallShiftDeploymentConfig"


def invoker_role_arn(pipeline: WavePipeline, account: str, region: str) -> str:
    from ..stacks.team_runtime import invoker_role_name

    partition = cdk.Stack.of(pipeline).partition
    return f"arn:{partition}:iam::{account}:role/{invoker_role_name(pipeline.team, region)}"


def release_steps(pipeline: WavePipeline, d: TargetDeployment) -> None:
    """Fill `d.gate`, `d.shift` and `d.bake` for one target of one step."""
    functions = function_outputs(d.stage)
    if not functions:
        raise ValueError(
            f"{d.stage.node.path!r} ({d.target.name}) has no SafeLambdaDeployment: the shift and bake need at "
            f"least one function to release; wrap the service's functions in SafeLambdaDeployment"
        )
    target, team = d.target, pipeline.team
    role_arn = invoker_role_arn(pipeline, target.account or pipeline.account, target.region)
    alarms = [aggregate_alarm_name(team, target.region), *pipeline.blocking_alarms]
    if d.step.gated:
        assert pipeline.window is not None
        d.gate = GateStep("Gate", target=target, team=team, window=pipeline.window, alarm_names=alarms,
                          role_arn=role_arn)
    traffic = _shift_traffic(d)
    shift: ShiftStep
    if isinstance(traffic, pipelines.StackOutputReference):
        shift = _CustomConfigShiftStep("Shift", config=traffic, target=target, team=team, functions=functions,
                                       role_arn=role_arn)
    else:
        shift = ShiftStep("Shift", target=target, team=team, functions=functions, traffic=traffic,
                          role_arn=role_arn)
    d.shift = [shift]
    if d.step.baked:
        d.bake = [BakeStep("Bake", target=target, team=team, bake=d.step.bake, alarm_names=alarms,
                           functions=functions, shift=shift, role_arn=role_arn)]
