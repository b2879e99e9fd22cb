"""Several targets of one pipeline in one account and region: every physical name is the target's own.

Two production cells, a gamma stage and an alpha cell all deploy to eu-north-1 of one account.  Before
names carried the target scope they all created the same alarms, the same high-severity composite and the
same CodeDeploy application, so CloudFormation could deploy only the first of them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta

import aws_cdk as cdk
import pytest

from seawall.constructs import TeamMonitoringStack
from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.model.naming import (
    aggregate_watch_alarm_name,
    alarm_name,
    high_severity_alarm_name,
    one_box_rollback_alarm_name,
    step_scope,
)
from seawall.stacks import Source, TeamPipelineStack
from seawall.stacks.team_runtime import target_scopes

from .support import CONNECTION, PIPELINE_ENV, WINDOW, make_pipeline, templates

REGION = "eu-north-1"
BAKE = BakePolicy(duration=timedelta(minutes=30), min_data_points=10)

PLAN = WavePlan(
    pre_production=(
        Wave(name="alpha", targets=(Target(region=REGION, cell="cell-1"),), bake=BAKE),
        Wave(name="gamma", targets=(Target(region=REGION),), bake=BAKE),
    ),
    waves=(
        Wave(name="wave-1", targets=(Target(region=REGION, cell="cell-1"), Target(region=REGION, cell="cell-2")),
             bake=BAKE),
    ),
)

#: (resource type, property) pairs that are physical names and must be unique per account and region.
NAMED = (
    ("AWS::CloudWatch::Alarm", "AlarmName"),
    ("AWS::CloudWatch::CompositeAlarm", "AlarmName"),
    ("AWS::CodeDeploy::Application", "ApplicationName"),
    ("AWS::CodeDeploy::DeploymentGroup", "DeploymentGroupName"),
)


@pytest.fixture(scope="module")
def shared_region(tmp_path_factory):
    outdir = str(tmp_path_factory.mktemp("scoped") / "cdk.out")
    app, _stack, wp = make_pipeline(PLAN, outdir=outdir)
    wp.build()
    app.synth()
    return wp, templates(outdir)


def _stacks(d):
    """(environment, template) of every stack in one target's stage."""
    return [(s.environment.name, s.template) for s in d.stage.synth().stacks]


def physical_names(template: dict) -> list[tuple[str, str, str]]:
    found = []
    for r in template.get("Resources", {}).values():
        for rtype, prop in NAMED:
            if r["Type"] == rtype:
                value = r.get("Properties", {}).get(prop)
                if isinstance(value, str):
                    found.append((rtype, prop, value))
    return found


def assert_unique_per_environment(stacks) -> int:
    """No two stacks of one account and region share a physical name; returns how many names were checked."""
    owner: dict[tuple[str, tuple[str, str, str]], str] = {}
    clashes = defaultdict(list)
    for stack_id, env, template in stacks:
        for name in physical_names(template):
            key = (env, name)
            if key in owner and owner[key] != stack_id:
                clashes[key].append((owner[key], stack_id))
            owner.setdefault(key, stack_id)
    assert not clashes, dict(clashes)
    return len(owner)


def test_the_targets_share_one_account_and_region(shared_region):
    wp, _tpls = shared_region
    envs = {env for d in wp.deployments for env, _t in _stacks(d)}
    assert len(wp.deployments) == 4 and len(envs) == 1


def test_no_two_targets_in_one_account_and_region_share_a_physical_name(shared_region):
    wp, _tpls = shared_region
    stacks = [(f"{d.stage.node.path}/{i}", env, t) for d in wp.deployments for i, (env, t) in enumerate(_stacks(d))]
    checked = assert_unique_per_environment(stacks)
    per_target = {rtype for _s, _e, t in stacks for rtype, _p, _v in physical_names(t)}
    assert per_target == {rtype for rtype, _p in NAMED}
    assert checked >= 4 * 4


def test_names_carry_the_target_scope(shared_region):
    wp, _tpls = shared_region
    scopes = sorted(step_scope(d.step, d.target) for d in wp.deployments)
    assert scopes == ["alpha-eu-north-1-cell-1", "eu-north-1-cell-1", "eu-north-1-cell-2", "gamma-eu-north-1"]
    for d in wp.deployments:
        scope = step_scope(d.step, d.target)
        for _env, t in _stacks(d):
            for _rtype, _prop, value in physical_names(t):
                assert value.startswith(f"payments-orders-{scope}-"), value


def _one_box_alarm_of(template: dict, output: dict) -> str:
    """The AlarmName of the composite a function output's ``oneBoxAlarm`` references (``Ref``)."""
    parts = output["Value"]["Fn::Join"][1]
    (at,) = [i for i, p in enumerate(parts) if isinstance(p, str) and p.endswith('"oneBoxAlarm":"')]
    return template["Resources"][parts[at + 1]["Ref"]]["Properties"]["AlarmName"]


def test_each_bake_watches_the_composite_its_target_created(shared_region):
    wp, tpls = shared_region
    created_by_target = {}
    for d in wp.deployments:
        scope = step_scope(d.step, d.target)
        composites = sorted(v for _env, t in _stacks(d) for rtype, _p, v in physical_names(t)
                            if rtype == "AWS::CloudWatch::CompositeAlarm")
        # The service composite, the stack's watch of the team aggregate and the function's own one-box
        # rollback composite (I10: one-box alarms stay out of the service composite), each the target's own.
        high_severity = high_severity_alarm_name("payments", "orders", scope)
        rollback = one_box_rollback_alarm_name("payments", "orders", scope, "release")
        assert composites == sorted([high_severity, aggregate_watch_alarm_name("payments", "orders", scope),
                                     rollback])
        # The bake reads the alarms to watch from the stack it deployed: its SeawallServiceAlarms output for
        # the service composite, and the function's output for its one-box rollback composite.
        (bake,) = d.bake
        outputs = [(t, k, o) for _env, t in _stacks(d) for k, o in t.get("Outputs", {}).items()]
        (alarms,) = [o for _t, k, o in outputs if k == "SeawallServiceAlarms"]
        assert json.loads(alarms["Value"]) == [high_severity], d.target.name
        (function,) = [(t, o) for t, k, o in outputs if k.startswith("SeawallFunction")]
        assert _one_box_alarm_of(*function) == rollback, d.target.name
        assert len(bake.stacks) == 1, d.target.name
        created_by_target[d.stage.node.path] = high_severity
    # ... and the pipeline hands the bake state machines no alarm names at all.
    pipeline = next(r for r in tpls["PipelineStack.template.json"]["Resources"].values()
                    if r["Type"] == "AWS::CodePipeline::Pipeline")
    inputs = [json.loads(a["Configuration"]["Input"]) for s in pipeline["Properties"]["Stages"]
              for a in s["Actions"] if a["ActionTypeId"]["Provider"] == "StepFunctions"]
    assert inputs and not any("serviceAlarmNames" in i or "alarmNames" in i for i in inputs)
    assert len(created_by_target) == len(wp.deployments)


class SharedRegionTeam(TeamPipelineStack):
    team = "payments"
    services = ("orders", "refunds")
    canaries = ("orders",)
    plan = PLAN
    window = WINDOW
    source = Source(repository="example-org/payments", connection_arn=CONNECTION)


def test_target_scopes_lists_every_stage_and_cell_of_an_account_and_region():
    assert target_scopes(PLAN, REGION, None) == (
        "alpha-eu-north-1-cell-1", "gamma-eu-north-1", "eu-north-1-cell-1", "eu-north-1-cell-2")
    assert target_scopes(PLAN, REGION, "222222222222") == ()
    assert target_scopes(PLAN, "us-east-1", None) == ()


def test_the_foundation_aggregate_lists_every_target_scope_of_its_account_and_region():
    app = cdk.App()
    SharedRegionTeam.foundation(app, env=PIPELINE_ENV)
    (monitoring,) = [c for c in app.node.find_all() if isinstance(c, TeamMonitoringStack)]
    scopes = target_scopes(PLAN, REGION, None)
    assert monitoring.scopes == scopes
    rules = [r["Properties"]["AlarmRule"] for r in monitoring_template(monitoring)["Resources"].values()
             if r["Type"] == "AWS::CloudWatch::CompositeAlarm"]
    listed = set(re.findall(r'ALARM\("([^"]+)"\)', json.dumps(rules).replace('\\"', '"')))
    expected = {high_severity_alarm_name("payments", s, scope) for scope in scopes for s in ("orders", "refunds")}
    expected |= {alarm_name("payments", "orders", scope, "canary") for scope in scopes}
    assert expected <= listed, sorted(expected - listed)
    assert len(expected) == 12


def monitoring_template(stack: cdk.Stack) -> dict:
    return cdk.Stage.of(stack).synth().get_stack_by_name(stack.stack_name).template


def test_a_monitoring_stack_without_scopes_lists_the_region_as_before():
    app = cdk.App()
    stack = TeamMonitoringStack(app, "M", team="payments", services=["orders"],
                                env=cdk.Environment(account="111111111111", region=REGION))
    assert stack.scopes == (REGION,)
    with pytest.raises(TypeError, match=r"scopes='eu-north-1' is a str; pass a list"):
        TeamMonitoringStack(app, "N", team="payments", services=["orders"], scopes="eu-north-1",
                            env=cdk.Environment(account="111111111111", region=REGION))
