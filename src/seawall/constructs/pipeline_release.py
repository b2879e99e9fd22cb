"""Gate, shift and bake steps for one target: the single place WavePipeline makes them.

The functions to release are found by the state machines in the target
itself: every :class:`~seawall.constructs.SafeLambdaDeployment` leaves its
release output in its stack, and each such stack a ``SeawallReleaseToken``.
The shift and bake actions name those stacks and consume only their tokens
(``#{<deploy namespace>.SeawallReleaseToken}``), so an action's input is the
same size whatever the number of functions; the gate names only the target.
Every action assumes the team's shared invoker role of the target's account
and region (``seawall-{team}-invoker-{region}``, deployed by the team
runtime), so the pipeline stack does not grow a role per action.  The pipeline's
own CodePipeline role assumes it; the invoker role trusts only role names
starting with :func:`~seawall.model.naming.pipeline_role_prefix`, which
:class:`~seawall.constructs.wave_pipeline.WavePipeline` gives that role.  A target in
another account than the pipeline's reads the pipeline execution through the
team's reader role in the pipeline account (see
:class:`~seawall.constructs.pipeline_steps.ShiftStep`, ``pipeline_role_arn``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk

from ..model.naming import invoker_role_name
from .lambda_deployment import SafeLambdaDeployment
from .pipeline_steps import BakeStep, GateStep, ShiftStep

if TYPE_CHECKING:  # pragma: no cover
    from .wave_pipeline import TargetDeployment, WavePipeline


def deployments_in(stage: cdk.Stage) -> list[SafeLambdaDeployment]:
    return [c for c in stage.node.find_all() if isinstance(c, SafeLambdaDeployment)]


def release_stacks(stage: cdk.Stage) -> list[cdk.Stack]:
    """The stage's stacks that have SafeLambdaDeployments, in tree order, each once."""
    stacks: list[cdk.Stack] = []
    for c in deployments_in(stage):
        stack = cdk.Stack.of(c)
        if stack not in stacks:
            stacks.append(stack)
    return stacks


def _check_traffic(d: TargetDeployment) -> None:
    """Every function shifts with the step's traffic policy (its deployment group's config, in its output)."""
    for c in deployments_in(d.stage):
        if c.traffic != d.step.traffic:
            raise ValueError(
                f"{c.node.path!r} shifts with {c.traffic.describe()!r} but step {d.step.name!r} shifts with "
                f"{d.step.traffic.describe()!r}; leave SafeLambdaDeployment's traffic unset (it defaults to the "
                f"step's) or pass the step's policy, so the pipeline and `seawall plan` agree"
            )


def invoker_role_arn(pipeline: WavePipeline, account: str, region: str) -> str:
    partition = cdk.Stack.of(pipeline).partition
    return f"arn:{partition}:iam::{account}:role/{invoker_role_name(pipeline.team, region)}"


def release_steps(pipeline: WavePipeline, d: TargetDeployment) -> None:
    """Fill `d.gate`, `d.shift` and `d.bake` for one target of one step."""
    stacks = release_stacks(d.stage)
    if not stacks:
        raise ValueError(
            f"{d.stage.node.path!r} ({d.target.name}) has no SafeLambdaDeployment: the shift and bake need at "
            f"least one function to release; wrap the service's functions in SafeLambdaDeployment"
        )
    _check_traffic(d)
    target, team = d.target, pipeline.team
    role_arn = invoker_role_arn(pipeline, target.account or pipeline.account, target.region)
    if d.step.gated:
        d.gate = GateStep("Gate", target=target, team=team, role_arn=role_arn)
    shift = ShiftStep("Shift", target=target, team=team, stacks=stacks, role_arn=role_arn)
    d.shift = [shift]
    if d.step.baked:
        d.bake = [BakeStep("Bake", target=target, team=team, bake=d.step.bake, shift=shift, stacks=stacks,
                           role_arn=role_arn)]
