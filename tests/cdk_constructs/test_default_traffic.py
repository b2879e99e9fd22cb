"""SafeLambdaDeployment without `traffic`: the step's policy inside a Seawall stage, a 10 % canary elsewhere.

Nothing is synthesized: the policy and the CodeDeploy config name are decided
at construction.
"""

from __future__ import annotations

from datetime import timedelta

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.wave_pipeline import ServiceStage
from seawall.model import TrafficPolicy, WavePlan, expand_steps

ENV = cdk.Environment(account="111111111111", region="us-east-1")
STEPS = {s.name: s for s in expand_steps(WavePlan.standard(["us-east-1", "eu-west-1", "us-west-2"]))}


def _deploy(stage: cdk.Stage | cdk.App, name: str, **kwargs) -> SafeLambdaDeployment:
    stack = cdk.Stack(stage, name, env=ENV)
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
    return SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api", **kwargs)


def _service_stage(app: cdk.App, step_name: str) -> ServiceStage:
    step = STEPS[step_name]
    return ServiceStage(app, step_name, target=step.targets[0], step=step, team="payments", service="api", env=ENV)


@pytest.mark.parametrize(("step_name", "config"), [
    ("alpha", "CodeDeployDefault.LambdaAllAtOnce"),
    ("gamma", "CodeDeployDefault.LambdaCanary10Percent30Minutes"),
])
def test_inside_a_service_stage_the_deployment_shifts_with_its_step(step_name, config):
    deployment = _deploy(_service_stage(cdk.App(), step_name), "Svc")
    assert deployment.traffic == STEPS[step_name].traffic
    assert deployment.deployment_config.deployment_config_name == config


def test_any_stage_with_a_step_is_recognised_without_importing_the_pipeline():
    class TeamStage(cdk.Stage):
        def __init__(self, scope, construct_id, *, step):
            super().__init__(scope, construct_id, env=ENV)
            self.step = step

    deployment = _deploy(TeamStage(cdk.App(), "Custom", step=STEPS["gamma"]), "Svc")
    assert deployment.traffic == TrafficPolicy.canary(interval=timedelta(minutes=30))


def test_outside_a_seawall_stage_the_default_is_a_10_percent_canary_for_60_minutes():
    assert _deploy(cdk.App(), "Plain").traffic == TrafficPolicy.canary(percent=10, interval=timedelta(minutes=60))
    assert _deploy(cdk.Stage(cdk.App(), "PlainStage", env=ENV), "Svc").traffic == TrafficPolicy.canary()


def test_an_explicit_policy_wins_over_the_step():
    linear = TrafficPolicy.linear(percent=10, interval=timedelta(minutes=5))
    assert _deploy(_service_stage(cdk.App(), "alpha"), "Svc", traffic=linear).traffic == linear
