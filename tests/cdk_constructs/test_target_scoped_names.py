"""SafeLambdaDeployment's physical names: the target scope inside a Seawall stage, the region elsewhere.

Logical IDs do not depend on the scope: only names change.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from seawall.constructs import MonitoringCanary, SafeLambdaDeployment
from seawall.constructs.lambda_deployment import deployment_scope
from seawall.constructs.wave_pipeline import ServiceStage
from seawall.model import Target, WavePlan, expand_steps

ENV = cdk.Environment(account="111111111111", region="us-east-1")
PLAN = WavePlan.standard(["us-east-1", "eu-west-1", "us-west-2"], cells=2)
STEPS = {s.name: s for s in expand_steps(PLAN)}


def _deploy(parent: cdk.Stage | cdk.App, construct_id: str = "Api", *, env: cdk.Environment = ENV,
            team: str = "payments", service: str = "api") -> SafeLambdaDeployment:
    stack = cdk.Stack(parent, "Svc", env=env)
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
    return SafeLambdaDeployment(stack, construct_id, function=fn, team=team, service=service)


def _stage(app: cdk.App, step_name: str, target: Target) -> ServiceStage:
    return ServiceStage(app, f"{step_name}-{target.name}", target=target, step=STEPS[step_name], team="payments",
                        service="api", env=cdk.Environment(account="111111111111", region=target.region))


def _names(d: SafeLambdaDeployment) -> dict[str, dict[str, str]]:
    t = Template.from_stack(cdk.Stack.of(d)).to_json()["Resources"]
    out: dict[str, dict[str, str]] = {}
    for logical_id, r in t.items():
        props = r.get("Properties", {})
        for prop in ("AlarmName", "ApplicationName", "DeploymentGroupName"):
            if isinstance(props.get(prop), str):
                out.setdefault(r["Type"], {})[logical_id] = props[prop]
    return out


def test_outside_a_seawall_stage_names_are_as_before():
    d = _deploy(cdk.App())
    assert d.target_scope is None and d.name_scope == "us-east-1"
    names = _names(d)
    assert set(names["AWS::CodeDeploy::Application"].values()) == {"payments-api-api"}
    assert set(names["AWS::CodeDeploy::DeploymentGroup"].values()) == {"payments-api-api"}
    assert set(names["AWS::CloudWatch::CompositeAlarm"].values()) == {
        "payments-api-us-east-1-high-severity", "payments-api-us-east-1-aggregate-watch",
        "payments-api-us-east-1-api-one-box-rollback"}
    assert all(n.startswith("payments-api-us-east-1-api-") for n in names["AWS::CloudWatch::Alarm"].values())


@pytest.mark.parametrize(("step_name", "target", "scope"), [
    ("gamma", Target(region="us-east-1"), "gamma-us-east-1"),
    ("alpha", Target(region="us-east-1", cell="cell-1"), "alpha-us-east-1-cell-1"),
    ("wave-1-2", Target(region="us-east-1", cell="cell-2"), "us-east-1-cell-2"),
])
def test_inside_a_seawall_stage_every_name_carries_the_target_scope_and_logical_ids_stay(step_name, target, scope):
    d = _deploy(_stage(cdk.App(), step_name, target))
    assert d.target_scope == scope
    names = _names(d)
    for by_id in names.values():
        assert all(n.startswith(f"payments-api-{scope}-") for n in by_id.values()), by_id
    assert set(names["AWS::CloudWatch::CompositeAlarm"].values()) == {
        f"payments-api-{scope}-high-severity", f"payments-api-{scope}-aggregate-watch",
        f"payments-api-{scope}-api-one-box-rollback"}
    assert set(names["AWS::CodeDeploy::Application"].values()) == {f"payments-api-{scope}-api"}
    outside = _names(_deploy(cdk.App()))
    assert {k: set(v) for k, v in names.items()} == {k: set(v) for k, v in outside.items()}


def test_a_stack_outside_its_targets_region_keeps_the_region():
    stage = _stage(cdk.App(), "gamma", Target(region="us-east-1"))
    d = _deploy(stage, env=cdk.Environment(account="111111111111", region="eu-west-1"))
    assert deployment_scope(d) is None and d.name_scope == "eu-west-1"


def test_a_canary_alarm_is_per_target_too():
    stage = _stage(cdk.App(), "wave-1-1", Target(region="us-east-1", cell="cell-1"))
    stack = cdk.Stack(stage, "Mon")
    canary = MonitoringCanary(stack, "Canary", team="payments", service="api", url="https://example.com/health")
    assert canary.alarm_name == "payments-api-us-east-1-cell-1-canary"


def test_a_codedeploy_name_over_100_characters_is_refused_before_anything_is_created():
    stage = _stage(cdk.App(), "wave-1-1", Target(region="us-east-1", cell="cell-1"))
    with pytest.raises(ValueError, match="longer than CodeDeploy's 100"):
        _deploy(stage, "A" + "b" * 39, team="t" * 31, service="s" * 31)
    created = [c for c in stage.node.find_all() if isinstance(c, cdk.CfnResource)
               and c.cfn_resource_type.startswith(("AWS::CloudWatch", "AWS::CodeDeploy", "AWS::Logs"))]
    assert created == []
