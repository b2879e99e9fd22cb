"""SeawallChecks reports through CDK's policy validation: `cdk synth` fails with the report.

One synthesis: an app with the plugin (and a plan whose first wave spans two
regions), a stack whose alias has no deployment group, and a stack whose
alias CloudFormation re-points (suppressed, with a reason).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from aws_cdk import App, CfnCodeDeployLambdaAliasUpdate, CfnUpdatePolicy, Stack, Validations
from aws_cdk import aws_lambda as lambda_

from seawall.checks import SeawallChecks, suppress
from seawall.model import BakePolicy, Target, Wave, WavePlan

PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy(duration=timedelta(hours=1)),
                            targets=(Target(region="us-east-1"), Target(region="eu-west-1"))),))


def _alias_stack(app, cid, *, repoint: bool) -> None:
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


@pytest.fixture(scope="module")
def synth_result(tmp_path_factory):
    outdir = str(tmp_path_factory.mktemp("cdk-out"))
    app = App(outdir=outdir)
    Validations.of(app).add_plugins(SeawallChecks(plan=PLAN))
    _alias_stack(app, "Bare", repoint=False)
    _alias_stack(app, "Legacy", repoint=True)
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
    assert "alias Alias has no CodeDeploy Lambda deployment group" in str(error)  # the report itself


def test_report_names_the_rule_resource_and_fix(report):
    [v] = [v for v in _violations(report) if v["ruleName"] == "SW001"]
    assert "alias Alias has no CodeDeploy Lambda deployment group" in v["description"]
    assert "SafeLambdaDeployment" in v["suggestedFix"] and v["severity"] == "error"
    [res] = _resources(v)
    assert res["logicalId"] == "Alias" and res["templatePath"].endswith("Bare.template.json")
    assert v["violatingConstructs"][0]["constructPath"] == "Bare/Alias"


def test_report_includes_plan_findings(report):
    [v] = [v for v in _violations(report) if v["ruleName"] == "SW008"]
    assert "us-east-1, eu-west-1" in v["description"]
    [res] = _resources(v)
    assert res["logicalId"] == "wave wave-1" and res["templatePath"].endswith("(seawall plan)")


def test_suppressed_findings_are_not_reported(report):
    names = [(v["ruleName"], r["templatePath"]) for v in _violations(report) for r in _resources(v)]
    assert not [n for n in names if n[1].endswith("Legacy.template.json")]
    assert sorted(n[0] for n in names) == ["SW001", "SW008"]


def test_plugin_describes_itself():
    plugin = SeawallChecks()
    assert plugin.name == "seawall" and "SW011" in plugin.rule_ids
    with pytest.raises(ValueError, match="WavePlan"):
        SeawallChecks(plan="wave-1")
