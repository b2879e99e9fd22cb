"""The team's settings reach every construct of its stages without being threaded by hand.

A team sets ``alarms`` once on its ``TeamPipelineStack``; the pipeline hands them to each
``ServiceStage`` (``stage.alarms``), and a ``SafeLambdaDeployment`` there that is given no
``alarms=`` uses them.  One given ``alarms=`` keeps its own.
"""

from __future__ import annotations

from datetime import time, timedelta

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from seawall.constructs import SafeLambdaDeployment, ServiceStage, WavePipeline
from seawall.constructs._defaults import default_alarms
from seawall.model import MON_THU, AlarmPolicy, BakePolicy, Target, TimeWindow, Wave, WavePlan
from seawall.stacks import Source, TeamPipelineStack

ENV = cdk.Environment(account="111111111111", region="us-east-1")
TEAM_ALARMS = AlarmPolicy(max_errors_in_logs=17, p99_latency=timedelta(milliseconds=4321))
OWN_ALARMS = AlarmPolicy(max_errors_in_logs=3)
PLAN = WavePlan(
    pre_production=(Wave(name="beta", targets=(Target(region="us-east-1"),),
                         bake=BakePolicy(duration=timedelta(0), min_data_points=0)),),
    waves=(Wave(name="wave-1", targets=(Target(region="eu-west-1"),), bake=BakePolicy(duration=timedelta(hours=1))),),
)


class StrictTeam(TeamPipelineStack):
    team = "payments"
    plan = PLAN
    window = TimeWindow(time_zone="Europe/Berlin", days=MON_THU, start=time(9), end=time(16))
    alarms = TEAM_ALARMS
    source = Source(repository="example-org/payments",
                    connection_arn="arn:aws:codeconnections:us-east-1:111111111111:connection/example")


class ApiPipeline(StrictTeam):
    service = "api"

    def create_service(self, stage: ServiceStage, target: Target) -> None:
        stack = cdk.Stack(stage, "Api")
        for name, alarms in (("Inherits", None), ("Explicit", OWN_ALARMS)):
            fn = lambda_.Function(stack, f"{name}Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                                  code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
            SafeLambdaDeployment(stack, name, function=fn, team=self.team, service=self.service, alarms=alarms)


@pytest.fixture(scope="module")
def stages():
    app = cdk.App()
    pipeline = ApiPipeline(app, "ApiPipeline", env=ENV)
    return [d.stage for d in pipeline.pipeline.deployments]


@pytest.fixture(scope="module")
def templates(stages):
    return {stage.target_scope: Template.from_stack(stage.node.find_child("Api")) for stage in stages}


def _threshold(template: Template, suffix: str) -> float:
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    (threshold,) = [a["Properties"]["Threshold"] for a in alarms.values()
                    if str(a["Properties"].get("AlarmName", "")).endswith(suffix)]
    return threshold


def test_every_stage_carries_the_teams_alarms(stages):
    assert [s.target_scope for s in stages] == ["beta-us-east-1", "eu-west-1"]
    assert all(s.alarms is TEAM_ALARMS for s in stages)


@pytest.mark.parametrize("scope", ["beta-us-east-1", "eu-west-1"])
def test_a_deployment_given_no_alarms_uses_the_teams_thresholds(templates, scope):
    assert _threshold(templates[scope], f"-{scope}-inherits-errors-in-logs") == 17
    assert _threshold(templates[scope], f"-{scope}-inherits-p99-latency") == 4321


def test_a_deployment_given_its_own_alarms_keeps_them(templates):
    assert _threshold(templates["eu-west-1"], "-eu-west-1-explicit-errors-in-logs") == 3


def test_outside_a_seawall_stage_the_default_is_the_default_policy():
    stack = cdk.Stack(cdk.App(), "Plain")
    assert default_alarms(stack) == AlarmPolicy()


def test_alarms_that_are_not_an_alarm_policy_are_a_type_error():
    stack = cdk.Stack(cdk.App(), "Pipeline", env=ENV)
    with pytest.raises(TypeError, match=r"alarms='strict' must be a seawall.model.AlarmPolicy"):
        WavePipeline(stack, "Waves", plan=PLAN, team="payments", service="api", synth=None,  # type: ignore[arg-type]
                     create_service=lambda stage, target: None, window=StrictTeam.window,
                     alarms="strict")  # type: ignore[arg-type]
