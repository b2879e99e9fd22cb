"""SeawallChecks reports through CDK's policy validation: `cdk synth` fails with the report.

One synthesis: an app with the plugin (and a plan whose first wave spans two
regions), a stack whose alias has no deployment group, a stack whose alias
CloudFormation re-points (suppressed, with a reason), and stacks whose bare
alias is acknowledged through CDK's Validations.of(...).acknowledge: with a
trivial reason, with a real one, and on the whole stack.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from aws_cdk import Acknowledgment, App, CfnCodeDeployLambdaAliasUpdate, CfnUpdatePolicy, Stack, Validations
from aws_cdk import aws_lambda as lambda_

from seawall.checks import SeawallChecks, assembly_templates, failures, run_checks, suppress
from seawall.model import BakePolicy, Target, Wave, WavePlan

PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy(duration=timedelta(hours=1)),
                            targets=(Target(region="us-east-1"), Target(region="eu-west-1"))),))


GOOD_REASON = "Migrating this legacy function to SafeLambdaDeployment in ticket OPS-42"


def _alias_stack(app, cid, *, repoint: bool = False, ack: str | None = None, on_stack: bool = False) -> None:
    stack = Stack(app, cid)
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    version = lambda_.CfnVersion(stack, "Version", function_name=fn.function_name)
    alias = lambda_.CfnAlias(stack, "Alias", function_name=fn.function_name, name="live",
                             function_version=version.attr_version)
    if repoint:
        alias.cfn_options.update_policy = CfnUpdatePolicy(code_deploy_lambda_alias_update=(
            CfnCodeDeployLambdaAliasUpdate(application_name="app", deployment_group_name="dg")))
        suppress(alias, "SW002", "Migrating this legacy function to SafeLambdaDeployment in ticket OPS-42")
        suppress(alias, "SW001", "Migrating this legacy function to SafeLambdaDeployment in ticket OPS-42")
    if ack is not None:
        Validations.of(stack if on_stack else alias).acknowledge(Acknowledgment(id="seawall::SW001", reason=ack))


@pytest.fixture(scope="module")
def synth_result(tmp_path_factory):
    outdir = str(tmp_path_factory.mktemp("cdk-out"))
    app = App(outdir=outdir)
    Validations.of(app).add_plugins(SeawallChecks(plan=PLAN))
    _alias_stack(app, "Bare", repoint=False)
    _alias_stack(app, "Legacy", repoint=True)
    _alias_stack(app, "AckedBadly", ack="x")
    _alias_stack(app, "AckedWell", ack=GOOD_REASON)
    _alias_stack(app, "AckedStack", ack=GOOD_REASON, on_stack=True)
    try:
        app.synth()
    except RuntimeError as e:  # CDK raises after printing the report
        return outdir, e
    return outdir, None


@pytest.fixture(scope="module")
def report(synth_result):
    outdir, _ = synth_result
    with open(os.path.join(outdir, "validation-report.json"), encoding="utf-8") as f:
        return json.load(f)


def _violations(report):
    [plugin] = [p for p in report["pluginReports"] if p["pluginName"] == "seawall"]
    assert plugin["conclusion"] == "failure"
    return plugin["violations"]


def _resources(violation):
    return [c["cloudFormationResource"] for c in violation["violatingConstructs"]]


def test_synth_fails_when_a_check_fails(synth_result):
    _, error = synth_result
    assert error is not None and "ValidationFailed" in str(error)
    assert "alias Alias (function Fn9270CBC0) has no CodeDeploy Lambda deployment group of its own" in str(error)


def test_report_names_the_rule_resource_and_fix(report):
    [v] = [v for v in _violations(report) if v["ruleName"] == "SW001"
           and _resources(v)[0]["templatePath"].endswith("Bare.template.json")]
    assert "has no CodeDeploy Lambda deployment group of its own" in v["description"]
    assert "SafeLambdaDeployment" in v["suggestedFix"] and v["severity"] == "fatal"
    [res] = _resources(v)
    assert res["logicalId"] == "Alias" and res["templatePath"].endswith("Bare.template.json")
    assert v["violatingConstructs"][0]["constructPath"] == "Bare/Alias"


def test_report_includes_plan_findings(report):
    [v] = [v for v in _violations(report) if v["ruleName"] == "SW008"]
    assert "us-east-1, eu-west-1" in v["description"]
    [res] = _resources(v)
    assert res["logicalId"] == "wave wave-1" and res["templatePath"].endswith("(seawall plan)")


def _reported(report, stack):
    return sorted(v["ruleName"] for v in _violations(report) for r in _resources(v)
                  if os.path.basename(r["templatePath"]) == f"{stack}.template.json")


def test_suppressed_findings_are_not_reported(report):
    assert _reported(report, "Legacy") == []
    assert _reported(report, "Bare") == ["SW001"]


def test_sw000_trips_on_a_cdk_acknowledgment_without_a_real_reason(report):
    assert _reported(report, "AckedBadly") == ["SW000", "SW001"]
    [v] = [v for v in _violations(report) if v["ruleName"] == "SW000"
           and _resources(v)[0]["templatePath"].endswith("AckedBadly.template.json")]
    assert "seawall::SW001" in v["description"] and "too short" in v["description"]
    assert v["severity"] == "fatal"  # CDK cannot acknowledge it away


def test_sw000_passes_a_cdk_acknowledgment_with_a_real_reason(report):
    assert _reported(report, "AckedWell") == []


def test_sw000_trips_on_a_cdk_acknowledgment_of_a_whole_stack(report):
    assert _reported(report, "AckedStack") == ["SW000", "SW001"]


def test_seawall_check_fails_what_cdk_synth_fails(synth_result, report):
    outdir, _ = synth_result
    cli = {(f.check_id, os.path.basename(f.template or "(seawall plan)"), f.resource)
           for f in failures(run_checks(assembly_templates(outdir), plan=PLAN))}
    synth = {(v["ruleName"], os.path.basename(r["templatePath"]), r["logicalId"])
             for v in _violations(report) for r in _resources(v)}
    assert cli == synth and ("SW000", "AckedBadly.template.json", "Alias") in cli


def test_plugin_describes_itself():
    plugin = SeawallChecks()
    assert plugin.name == "seawall" and "SW011" in plugin.rule_ids
    with pytest.raises(ValueError, match="WavePlan"):
        SeawallChecks(plan="wave-1")
