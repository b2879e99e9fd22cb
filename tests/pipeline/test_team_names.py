"""Two teams, each with a service `api`, deploy into one account and region: no physical name is shared.

Each team's app is what a team writes (a team class, its foundation, an `api` service pipeline with one
function), with the same construct IDs in both apps, as two teams copying the README would have.  Both
are synthesized once; every stack name, pipeline name, role name, alarm name and other literal
physical name of the two assemblies is compared per account and region.
"""

from __future__ import annotations

import json
import os
from datetime import time, timedelta

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import SafeLambdaDeployment, ServiceStage
from seawall.model import MON_THU, AlarmPolicy, BakePolicy, Target, TimeWindow, Wave, WavePlan
from seawall.model.limits import MAX_STACK_NAME
from seawall.model.naming import (
    check_stack_name,
    pipeline_stack_name,
    service_stack_name,
    service_stage_name,
)
from seawall.stacks import Source, TeamPipelineStack

ACCOUNT = "111111111111"
ENV = cdk.Environment(account=ACCOUNT, region="us-east-1")
PLAN = WavePlan(
    pre_production=(Wave(name="beta", targets=(Target(region="us-east-1"),),
                         bake=BakePolicy(duration=timedelta(0), min_data_points=0)),),
    waves=(Wave(name="wave-1", targets=(Target(region="us-east-1", cell="cell-1"),),
                bake=BakePolicy(duration=timedelta(hours=1))),),
)
# Literal names scoped to another resource, not to the account and region: an alias name is unique per
# function, an inline policy's name per role.
_NOT_PHYSICAL = {("AWS::Lambda::Alias", "Name"), ("AWS::IAM::Policy", "PolicyName")}


def _team_app(team: str, outdir: str) -> cdk.App:
    class Team(TeamPipelineStack):
        plan = PLAN
        window = TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16))
        alarms = AlarmPolicy()
        source = Source(repository=f"example-org/{team}",
                        connection_arn=f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/example")

    Team.team = team

    class ApiPipeline(Team):
        service = "api"

        def create_service(self, stage: ServiceStage, target: Target) -> None:
            stack = cdk.Stack(stage, "Api")
            fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                                  code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
            SafeLambdaDeployment(stack, "Api", function=fn, team=self.team, service=self.service)

    app = cdk.App(outdir=outdir)
    Team.foundation(app, "Foundation", env=ENV)
    ApiPipeline(app, "ApiPipeline", env=ENV)
    app.synth()
    return app


def _names(outdir: str) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """``{(environment, kind): {names}}`` of every stack and literal ``*Name`` resource property."""
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    with open(os.path.join(outdir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] == "cdk:cloud-assembly":
            for key, names in _names(os.path.join(outdir, artifact["properties"]["directoryName"])).items():
                found.setdefault(key, set()).update(names)
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        env = artifact["environment"]
        found.setdefault((env, "stack"), set()).add(("stack", artifact["properties"].get("stackName", artifact_id)))
        with open(os.path.join(outdir, artifact["properties"]["templateFile"]), encoding="utf-8") as f:
            template = json.load(f)
        for resource in template.get("Resources", {}).values():
            for prop, value in resource.get("Properties", {}).items():
                if (prop.endswith("Name") and isinstance(value, str) and prop != "MetricName"
                        and not resource["Type"].startswith("Custom::")  # custom resource inputs
                        and (resource["Type"], prop) not in _NOT_PHYSICAL):
                    found.setdefault((env, "resource"), set()).add((f"{resource['Type']}.{prop}", value))
    return found


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    return {team: _names(_team_app(team, str(tmp_path_factory.mktemp(team))).outdir)
            for team in ("payments", "orders")}


def _all(names_of_team, kind_prefix: str = "") -> set[tuple[str, tuple[str, str]]]:
    return {(env, n) for (env, _kind), ns in names_of_team.items() for n in ns if n[0].startswith(kind_prefix)}


def test_the_two_teams_share_no_stack_name_in_one_account_and_region(names):
    payments = {(e, n) for (e, k), ns in names["payments"].items() if k == "stack" for n in ns}
    orders = {(e, n) for (e, k), ns in names["orders"].items() if k == "stack" for n in ns}
    assert payments and orders
    assert payments & orders == set()
    stacks = {n for _e, (_k, n) in payments}
    assert {"payments-api-pipeline", "seawall-payments-foundation", "payments-api-beta-us-east-1-Api",
            "payments-api-us-east-1-cell-1-Api"} <= stacks, stacks


def test_the_two_teams_share_no_physical_resource_name(names):
    payments, orders = _all(names["payments"]), _all(names["orders"])
    kinds = {n[0] for _e, n in payments}
    # The names the issue lists are among those compared: pipelines, roles and alarms.
    assert {"AWS::CodePipeline::Pipeline.Name", "AWS::IAM::Role.RoleName", "AWS::CloudWatch::Alarm.AlarmName",
            "AWS::CodeDeploy::Application.ApplicationName"} <= kinds, kinds
    assert payments & orders == set()


def test_every_service_stack_is_named_team_service_target_stack_id(names):
    stacks = {n for (e, k), ns in names["payments"].items() if k == "stack" for _k, n in ns}
    assert service_stack_name("payments", "api", "beta-us-east-1", "Api") in stacks
    assert pipeline_stack_name("payments", "api") in stacks


def test_a_stack_name_longer_than_cloudformation_allows_is_refused():
    scope = "gamma-" + "x" * 60
    with pytest.raises(ValueError, match=rf"CloudFormation stack names are at most {MAX_STACK_NAME}"):
        service_stack_name("t" * 31, "s" * 31, scope, "ServiceStack")
    assert len(service_stack_name("t" * 31, "s" * 31, "gamma-us-east-1", "Api")) <= MAX_STACK_NAME


def test_a_team_that_starts_with_a_digit_cannot_lead_a_stack_name():
    with pytest.raises(ValueError, match=r"team='9ers' starts with a digit"):
        service_stage_name("9ers", "api", "us-east-1")


@pytest.mark.parametrize("name", ["api_stack", "1api", "", "api stack"])
def test_check_stack_name_refuses_what_cloudformation_refuses(name):
    with pytest.raises(ValueError, match="is not a CloudFormation stack name"):
        check_stack_name(name)


def test_a_service_stack_named_without_the_team_is_refused():
    from tests.pipeline.support import make_pipeline, toy_function

    def create(stage: ServiceStage, target: Target) -> None:
        toy_function(cdk.Stack(stage, "Api", stack_name="api-service"), "Fn")

    _app, _stack, wp = make_pipeline(PLAN, create_service=create)
    with pytest.raises(ValueError, match=r"is named 'api-service', which does not carry the team"):
        wp.build()


def test_a_service_named_foundation_is_refused_its_pipeline_would_be_the_foundations():
    from seawall.model.naming import foundation_pipeline_name, service_pipeline_name

    assert service_pipeline_name("payments", "api") == "payments-api"
    with pytest.raises(ValueError, match=rf"'{foundation_pipeline_name('payments')}'"):
        service_pipeline_name("payments", "foundation")


def test_long_team_service_and_cell_names_still_give_unique_variable_namespaces():
    """Gate, shift and bake of each target get pipeline variable namespaces, unique per pipeline."""
    from tests.pipeline.support import PIPELINE_ENV, WINDOW, synth_step, toy_function

    from seawall.constructs import WavePipeline

    cell = "c" * 15  # with a 31-character team and service, "<stage>-<action>" passes 100 characters
    hour = BakePolicy(duration=timedelta(hours=1))
    plan = WavePlan(waves=(Wave(name="wave-1", bake=hour, targets=(
        Target(region="eu-central-1", cell=cell), Target(region="ap-southeast-2", cell=cell))),))

    def create(stage: ServiceStage, target: Target) -> None:
        stack = cdk.Stack(stage, "Api")
        SafeLambdaDeployment(stack, "R", function=toy_function(stack, "Fn"), team=stage.team, service=stage.service)

    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=PIPELINE_ENV)
    WavePipeline(stack, "Waves", plan=plan, team="t" * 31, service="s" * 31, synth=synth_step(),
                 create_service=create, window=WINDOW).build()
    template = app.synth().get_stack_by_name(stack.stack_name).template
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    namespaces = [a["Namespace"] for s in pipeline["Properties"]["Stages"] for a in s["Actions"] if "Namespace" in a]
    assert len(namespaces) >= 6 and max(len(n) for n in namespaces) <= 100
    assert len(set(namespaces)) == len(namespaces), namespaces
