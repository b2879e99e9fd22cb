"""The checks over shapes built with plain aws-cdk-lib constructs, synthesized once for the module.

* ``Good`` (a Stage with the SeawallChecks plugin): an alias pinned to a
  version that never changes, a Lambda deployment group with a fault-rate
  alarm and auto-rollback, as SafeLambdaDeployment builds it.
* ``CdkDefault``: CDK's own LambdaDeploymentGroup on ``current_version``,
  which puts CodeDeployLambdaAliasUpdate on the alias and watches no alarms.
* ``Bare``: an L1 alias with no deployment group at all.
* ``Suppressed``: the bare shape with SW001 suppressed through ``suppress()``.
"""

from __future__ import annotations

import copy

import pytest
from aws_cdk import App, Duration, Stack, Stage, Validations
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_

from seawall.checks import Compliance, SeawallChecks, suppress
from seawall.testing import assert_safe, check, non_compliant, statuses


def _function(scope, name="Fn") -> lambda_.Function:
    return lambda_.Function(scope, name, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))


def _fault_rate(scope, fn: lambda_.Function) -> cw.Alarm:
    rate = cw.MathExpression(
        expression="errors / MAX([errors, invocations])",
        using_metrics={"errors": fn.metric_errors(statistic="Sum"),
                       "invocations": fn.metric_invocations(statistic="Sum")},
        period=Duration.minutes(1))
    return rate.create_alarm(scope, "FaultRate", threshold=0.01, evaluation_periods=3)


class GoodStack(Stack):
    def __init__(self, scope, cid):
        super().__init__(scope, cid)
        fn = _function(self)
        initial = lambda_.Version(self, "InitialVersion", lambda_=fn)
        alias = lambda_.Alias(self, "Alias", alias_name="live", version=initial)
        latency = cw.Alarm(self, "OneBoxLatency", metric=fn.metric_duration(statistic="p99"), threshold=5000,
                           evaluation_periods=3)
        codedeploy.LambdaDeploymentGroup(
            self, "DeploymentGroup", alias=alias, alarms=[_fault_rate(self, fn), latency],
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, stopped_deployment=True,
                                                        deployment_in_alarm=True))
        alias.node.default_child.cfn_options.update_policy = None


class CdkDefaultStack(Stack):
    def __init__(self, scope, cid):
        super().__init__(scope, cid)
        fn = _function(self)
        alias = lambda_.Alias(self, "Alias", alias_name="live", version=fn.current_version)
        codedeploy.LambdaDeploymentGroup(self, "DeploymentGroup", alias=alias)


class BareStack(Stack):
    def __init__(self, scope, cid, *, suppressed: bool = False):
        super().__init__(scope, cid)
        fn = _function(self)
        version = lambda_.CfnVersion(self, "Version", function_name=fn.function_name)
        alias = lambda_.CfnAlias(self, "Alias", function_name=fn.function_name, name="live",
                                 function_version=version.attr_version)
        if suppressed:
            suppress(alias, "SW001", "Internal tool with one user; deployed by hand in a maintenance window")


@pytest.fixture(scope="module")
def app():
    app = App()
    good = Stage(app, "Good")
    Validations.of(good).add_plugins(SeawallChecks())
    GoodStack(good, "Svc")
    CdkDefaultStack(app, "CdkDefault")
    BareStack(app, "Bare")
    BareStack(app, "Suppressed", suppressed=True)
    app.synth()  # the one synthesis; the plugin validates stage Good during it
    return app


@pytest.fixture(scope="module")
def findings(app):
    return check(app)


def of(findings, template_prefix):
    return [f for f in findings if (f.template or "").startswith(template_prefix)]


def test_good_shape_passes_every_check_and_the_plugin(findings):
    good = of(findings, "assembly-Good/")
    assert good and non_compliant(good) == []
    for check_id in ("SW001", "SW002", "SW003", "SW004", "SW005", "SW006"):
        assert statuses(good, check_id) == {Compliance.COMPLIANT}, check_id


def test_cdk_default_deployment_group_repoints_the_alias_and_watches_nothing(findings):
    bad = non_compliant(of(findings, "CdkDefault."))
    by_id = {f.check_id: f for f in bad}
    assert set(by_id) == {"SW002", "SW003", "SW004"}
    assert by_id["SW002"].location == "UpdatePolicy/CodeDeployLambdaAliasUpdate"


def test_cdk_current_version_alone_is_caught(app):
    body = copy.deepcopy(app.synth().get_stack_by_name("CdkDefault").template)  # the cached assembly
    alias_id = next(k for k, v in body["Resources"].items() if v["Type"] == "AWS::Lambda::Alias")
    del body["Resources"][alias_id]["UpdatePolicy"]
    [f] = [f for f in non_compliant(check(body)) if f.check_id == "SW002"]
    assert "currentVersion" in f.message


def test_alias_without_deployment_group_is_caught(findings):
    [f] = non_compliant(of(findings, "Bare."))
    assert f.check_id == "SW001" and f.resource.startswith("Alias")


def test_suppress_helper_writes_a_reasoned_suppression(findings):
    mine = of(findings, "Suppressed.")
    assert non_compliant(mine) == []
    [f] = [f for f in mine if f.check_id == "SW001"]
    assert f.suppressed_by.startswith("Internal tool with one user")


def test_assert_safe_on_a_stage_and_on_a_stack(app):
    assert_safe(app.node.find_child("Good"))
    with pytest.raises(AssertionError, match="SW001"):
        assert_safe(app.node.find_child("Bare"))


def test_suppress_rejects_trivial_reasons_and_unknown_ids(app):
    alias = app.node.find_child("Bare").node.find_child("Alias")
    with pytest.raises(ValueError, match="too short"):
        suppress(alias, "SW001", "legacy")
    with pytest.raises(ValueError, match="not a Seawall check"):
        suppress(alias, "AwsSolutions-L1", "this is a cdk-nag rule, not ours")
