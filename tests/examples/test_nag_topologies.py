"""cdk-nag and Seawall's checks find nothing unsuppressed in any topology Seawall supports.

Two apps, each synthesized once with ``seawall.stacks.add_validations(app, plan=...)`` (so a finding
fails ``app.synth()`` as it fails ``cdk synth``):

* single account: the pipeline and every target in one account, production in an opt-in region;
* cross account: pre-production in a third account, production in two more, wave 1 in an opt-in region.

Each app is what a team writes: a team base class with custom waves (``Target(account=...)``), its
foundation, and one service with one function.  The app acknowledges findings on its own function
only (its role's AWS managed logs policy), through ``seawall.constructs.acknowledge``; nothing reaches
into Seawall's construct tree.
"""

from __future__ import annotations

import json
import os
from datetime import time, timedelta

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from tests.support.lint import assembly_stacks, suppressions

from seawall.constructs import SafeLambdaDeployment, ServiceStage, acknowledge
from seawall.model import MON_THU, AlarmPolicy, BakePolicy, Target, TimeWindow, Wave, WavePlan
from seawall.model.regions import CATALOGUE
from seawall.stacks import Source, TeamPipelineStack, add_validations

PIPELINE = "111111111111"
PRE, PROD_1, PROD_2 = "333333333333", "444444444444", "555555555555"
QUIET = BakePolicy(duration=timedelta(0), min_data_points=0)
HOUR = BakePolicy(duration=timedelta(hours=1))

TOPOLOGIES = {
    "single-account": WavePlan(
        pre_production=(Wave(name="beta", targets=(Target(region="us-east-1"),), bake=QUIET),),
        waves=(Wave(name="wave-1", targets=(Target(region="me-south-1"),), bake=HOUR),
               Wave(name="wave-2", targets=(Target(region="us-east-1"),), bake=HOUR)),
    ),
    "cross-account": WavePlan(
        pre_production=(Wave(name="beta", targets=(Target(region="us-east-1", account=PRE),), bake=QUIET),),
        waves=(Wave(name="wave-1", targets=(Target(region="ap-east-1", account=PROD_1),), bake=HOUR),
               Wave(name="wave-2", targets=(Target(region="eu-west-1", account=PROD_2),), bake=HOUR)),
    ),
}
LOGS_ONLY = "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch Logs"


def _app(plan: WavePlan, outdir: str) -> tuple[cdk.App, Exception | None]:
    class PaymentsTeam(TeamPipelineStack):
        team = "payments"
        window = TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16))
        alarms = AlarmPolicy(max_fault_rate=0.02)
        source = Source(repository="example-org/payments",
                        connection_arn=f"arn:aws:codeconnections:us-east-1:{PIPELINE}:connection/example")

    PaymentsTeam.plan = plan

    class ApiPipeline(PaymentsTeam):
        service = "api"

        def create_service(self, stage: ServiceStage, target: Target) -> None:
            stack = cdk.Stack(stage, "Api")
            fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                                  code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
            assert fn.role is not None
            acknowledge(fn.role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                 "AWSLambdaBasicExecutionRole]", LOGS_ONLY)
            SafeLambdaDeployment(stack, "Api", function=fn, team=self.team, service=self.service)

    env = cdk.Environment(account=PIPELINE, region="us-east-1")
    app = cdk.App(outdir=outdir)
    PaymentsTeam.foundation(app, env=env)
    ApiPipeline(app, "ApiPipeline", env=env)
    add_validations(app, plan=plan)
    try:
        app.synth()
    except RuntimeError as err:  # a finding: CDK raises after writing the report
        return app, err
    return app, None


@pytest.fixture(scope="module", params=sorted(TOPOLOGIES))
def synthesized(request, tmp_path_factory):
    outdir = str(tmp_path_factory.mktemp(request.param))
    _app_, error = _app(TOPOLOGIES[request.param], outdir)
    return request.param, outdir, error


def _violations(outdir: str) -> list[str]:
    path = os.path.join(outdir, "validation-report.json")
    assert os.path.exists(path), f"{path} is missing: no validation plugin ran"
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    return [f"{p['pluginName']} {v['ruleName']} {c.get('constructPath')}"
            for p in report.get("pluginReports", []) for v in p.get("violations", [])
            for c in v.get("violatingConstructs", [])]


def test_the_app_spans_the_topology_it_claims(synthesized):
    name, outdir, _error = synthesized
    envs = {tuple(a.split("/")[-2:]) for a in _environments(outdir)}
    accounts = {account for account, _region in envs}
    assert any(CATALOGUE.target(region).opt_in for _account, region in envs)
    assert accounts == ({PIPELINE} if name == "single-account" else {PIPELINE, PRE, PROD_1, PROD_2})


def test_synth_with_add_validations_has_zero_unsuppressed_findings(synthesized):
    _name, outdir, error = synthesized
    assert (_violations(outdir), error) == ([], None)


def test_every_acknowledgment_sits_on_a_resource_with_a_reason(synthesized):
    _name, outdir, _error = synthesized
    seen = 0
    for path, _region, template in assembly_stacks(outdir):
        assert "cdk_nag" not in template.get("Metadata", {}), f"{path}: stack-wide cdk-nag suppression"
        for logical_id, rule, reason in suppressions(template):
            assert len(reason.strip()) >= 20, (path, logical_id, rule, reason)
            seen += 1
    assert seen > 0


def test_the_foundation_acknowledges_its_pipeline_reader_role_in_cross_account_apps(synthesized):
    name, outdir, _error = synthesized
    (template,) = [t for p, _r, t in assembly_stacks(outdir) if p == "PaymentsFoundation.template.json"]
    reader = [lid for lid, r in template["Resources"].items()
              if r["Type"] == "AWS::IAM::Policy" and lid.startswith("PipelineReaderRole")]
    if name == "single-account":
        assert reader == []  # no other account reads the pipelines: no role
        return
    (policy,) = reader
    rules = {rule for lid, rule, _reason in suppressions(template) if lid == policy}
    assert any(rule.startswith("AwsSolutions-IAM5[Resource::") for rule in rules), rules


def test_every_function_has_one_version_resource(synthesized):
    from tests.support.lint import assembly_stacks
    from tests.support.versions import assert_one_version_resource_per_function

    _name, outdir, error = synthesized
    assert error is None
    assert assert_one_version_resource_per_function([tpl for _p, _r, tpl in assembly_stacks(outdir)]) >= 1


def _environments(outdir: str) -> list[str]:
    with open(os.path.join(outdir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    found = []
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "aws:cloudformation:stack":
            found.append(artifact["environment"])
        elif artifact["type"] == "cdk:cloud-assembly":
            found += _environments(os.path.join(outdir, artifact["properties"]["directoryName"]))
    return found
