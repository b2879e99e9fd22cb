"""Plug the team-level constructs into the team runtime: release state machines and the invoker role."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from ..constructs.release import ReleaseStateMachines
from ..model.naming import state_machine_name

if TYPE_CHECKING:  # pragma: no cover
    from .team_runtime import TeamRuntimeStack

PARTS = ("gate", "shift", "bake")


def add_runtime_parts(stack: TeamRuntimeStack) -> None:
    """The release state machines, and the grants the pipelines' invoke actions need on them."""
    machines = ReleaseStateMachines(stack, "Release", team=stack.team,
                                    pipeline_role_arns=stack.pipeline_reader_role_arns)
    stack.release = machines
    stack.invoker_role.add_to_policy(iam.PolicyStatement(
        actions=["states:StartExecution", "states:DescribeStateMachine"],
        resources=[m.state_machine_arn for m in (machines.gate, machines.shift, machines.bake)],
    ))
    stack.invoker_role.add_to_policy(iam.PolicyStatement(
        actions=["states:DescribeExecution"],
        resources=[stack.format_arn(service="states", resource="execution",
                                    resource_name=f"{state_machine_name(stack.team, part)}:*",
                                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
                   for part in PARTS],
    ))
