"""Gate, shift and bake steps for one target: the single place WavePipeline makes them.

The functions to release are found in the target's stage: every
:class:`~seawall.constructs.SafeLambdaDeployment` contributes its release
outputs (function, alias, new version, CodeDeploy application and deployment
group, and its traffic hooks when it has any), which CodePipeline substitutes
from the deploy action's variables.  Every action assumes the team's shared invoker role of the target's account
and region (``seawall-{team}-invoker-{region}``, deployed by the team
runtime), so the pipeline stack does not grow a role per action.  A target in
another account than the pipeline's reads the pipeline execution through the
team's reader role in the pipeline account (see
:class:`~seawall.constructs.pipeline_steps.ShiftStep`, ``pipeline_role_arn``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import pipelines

from ..model.naming import aggregate_alarm_name, high_severity_alarm_name, invoker_role_name, step_scope
from ..model.policies import TrafficPolicy
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
            # Hooks only when configured: no bytes for the services without them.
            pre_traffic_hook=_hook(c.pre_traffic_hook, o.pre_traffic_hook),
            post_traffic_hook=_hook(c.post_traffic_hook, o.post_traffic_hook),
        ))
    return found


def _hook(hook: object, output: cdk.CfnOutput | None) -> str | pipelines.StackOutputReference | None:
    """A traffic hook's function name: literal when known at synthesis, else the deploy action's output."""
    if hook is None:
        return None
    name = getattr(hook, "function_name", None)
    if isinstance(name, str) and name and not cdk.Token.is_unresolved(name):
        return name  # an imported function, by name
    node = getattr(hook, "node", None)
    literal = _literal(node.default_child, "function_name") if node is not None else None
    if literal:
        return literal
    if output is None:
        raise ValueError(f"traffic hook {hook!r} has no release output to read its name from")
    return pipelines.StackOutputReference.from_cfn_output(output)


def _literal(cfn: object, attribute: str) -> str | None:
    """A name set literally on a CloudFormation resource, or None (generated, or a token)."""
    value = getattr(cfn, attribute, None)
    return value if isinstance(value, str) and value and not cdk.Token.is_unresolved(value) else None


def _shift_traffic(d: TargetDeployment) -> TrafficPolicy | pipelines.StackOutputReference:
    """The step's traffic policy, checked against every function's deployment group."""
    deployments = deployments_in(d.stage)
    for c in deployments:
        if c.traffic != d.step.traffic:
            raise ValueError(
                f"{c.node.path!r} shifts with {c.traffic.describe()!r} but step {d.step.name!r} shifts with "
                f"{d.step.traffic.describe()!r}; leave SafeLambdaDeployment's traffic unset (it defaults to the "
                f"step's) or pass the step's policy, so the pipeline and `seawall plan` agree"
            )
    if d.step.traffic.predefined_config_name:
        return d.step.traffic
    first = deployments[0]
    stack = cdk.Stack.of(first)
    output = stack.node.try_find_child(_CONFIG_OUTPUT)
    if not isinstance(output, cdk.CfnOutput):
        output = cdk.CfnOutput(stack, _CONFIG_OUTPUT, value=first.deployment_config.deployment_config_name,
                               description="CodeDeploy deployment config the Seawall shift uses")
    return pipelines.StackOutputReference.from_cfn_output(output)


_CONFIG_OUTPUT = "SeawallShiftDeploymentConfig"


def service_alarm_names(d: TargetDeployment) -> list[str]:
    """The high-severity composite of each service in the target's stage, as SafeLambdaDeployment names it.

    Named by the target's scope (:func:`~seawall.model.naming.step_scope`), so the bake of one cell or
    pre-production stage watches its own composite, not one shared by every target of the account and region.
    """
    names: list[str] = []
    scope = step_scope(d.step, d.target)
    for c in deployments_in(d.stage):
        name = high_severity_alarm_name(c.team, c.service, scope)
        created = _literal(c.high_severity_alarm.node.default_child, "alarm_name")
        if created is not None and created != name:
            raise ValueError(
                f"{c.node.path!r} creates its high-severity alarm as {created!r}, but its bake in "
                f"{d.target.name} would watch {name!r}; deploy the stage's stacks to the target's region"
            )
        if name not in names:
            names.append(name)
    return names


def invoker_role_arn(pipeline: WavePipeline, account: str, region: str) -> str:
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
    # A traffic policy without a predefined CodeDeploy config (say, a 10 % canary for 60 minutes) is a
    # custom config with a generated name; the shift then reads that name from the deploy action.
    shift = ShiftStep("Shift", target=target, team=team, functions=functions, traffic=_shift_traffic(d),
                      role_arn=role_arn)
    d.shift = [shift]
    if d.step.baked:
        d.bake = [BakeStep("Bake", target=target, team=team, bake=d.step.bake, alarm_names=alarms,
                           functions=functions, shift=shift, service_alarm_names=service_alarm_names(d),
                           role_arn=role_arn)]
