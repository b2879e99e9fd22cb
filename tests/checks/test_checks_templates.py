"""Each template check: one shape that trips it, one that passes it.  Plain dicts, no synthesis."""

from __future__ import annotations

import json

import pytest
import sw_shapes as shapes

from seawall.checks import Compliance, check_template
from seawall.testing import non_compliant, statuses


def run(template, check_id, plan=None):
    findings = check_template(template, plan=plan, name="svc.template.json")
    return [f for f in findings if f.check_id == check_id]


def fails(template, check_id, plan=None):
    return [f for f in run(template, check_id, plan) if f.is_failure]


@pytest.fixture
def svc():
    return shapes.safe_service()


def res(t, lid):
    return t["Resources"][lid]


def test_safe_service_passes_every_check(svc):
    findings = check_template(svc)
    assert non_compliant(findings) == []
    for check_id in ("SW001", "SW002", "SW003", "SW004", "SW005", "SW006", "SW012", "SW017"):
        assert statuses(findings, check_id) == {Compliance.COMPLIANT}, check_id


# SW001 ---------------------------------------------------------------------------------------------

def test_sw001_trips_on_alias_without_deployment_group(svc):
    del svc["Resources"]["DeploymentGroup"]
    [f] = fails(svc, "SW001")
    assert f.resource == "Alias" and "SafeLambdaDeployment" in f.message


def test_sw001_trips_when_metadata_names_a_missing_group(svc):
    res(svc, "Alias")["Metadata"]["seawall"]["deploymentGroup"] = "Gone"
    [f] = fails(svc, "SW001")
    assert "'Gone'" in f.message and f.location == "Metadata/seawall/deploymentGroup"


def test_sw001_trips_when_the_only_group_is_not_lambda(svc):
    res(svc, "Application")["Properties"]["ComputePlatform"] = "Server"
    del res(svc, "Alias")["Metadata"]
    assert fails(svc, "SW001")


def test_sw001_passes_without_metadata_when_stack_has_a_lambda_group(svc):
    del res(svc, "Alias")["Metadata"]
    assert statuses(run(svc, "SW001"), "SW001") == {Compliance.COMPLIANT}


def _second_function(svc, *, with_group: bool):
    """Fn2 behind a hand-made Alias2; with `with_group`, its own group watching an alarm on Fn2."""
    r = svc["Resources"]
    r["Fn2"] = {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "x.h"}}
    r["Alias2"] = {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn2"}, "Name": "live",
                                                                 "FunctionVersion": "1"}}
    if with_group:
        r["Errors2"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Threshold": 1,
            "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Fn2"}}]}}
        group = json.loads(json.dumps(r["DeploymentGroup"]))
        group["Properties"]["AlarmConfiguration"]["Alarms"] = [{"Name": {"Ref": "Errors2"}}]
        r["DeploymentGroup2"] = group
    return svc


def test_sw001_trips_on_a_hand_made_alias_beside_another_functions_group(svc):
    del res(svc, "Alias")["Metadata"]
    t = _second_function(svc, with_group=False)
    [f] = fails(t, "SW001")
    assert f.resource == "Alias2" and "alias Alias2 (function Fn2)" in f.message
    assert "DeploymentGroup deploys Fn" in f.message and "is deployed by" not in f.message
    assert [x.message for x in run(t, "SW001") if x.resource == "Alias"] == [
        "alias Alias (function Fn) is deployed by DeploymentGroup"]


def test_sw001_passes_each_alias_with_a_group_of_its_own(svc):
    del res(svc, "Alias")["Metadata"]
    found = {f.resource: f for f in run(_second_function(svc, with_group=True), "SW001")}
    assert {f.status for f in found.values()} == {Compliance.COMPLIANT}
    assert found["Alias2"].message.endswith("is deployed by DeploymentGroup2")


def test_sw001_trips_when_two_aliases_claim_one_group(svc):
    t = _second_function(svc, with_group=False)
    res(t, "Alias2")["Metadata"] = {"seawall": {"deploymentGroup": "DeploymentGroup"}}
    found = fails(t, "SW001")
    assert sorted(f.resource for f in found) == ["Alias", "Alias2"]
    assert all("also matched to" in f.message for f in found)


def test_sw001_follows_the_group_an_alias_update_policy_names(svc):
    del res(svc, "Alias")["Metadata"]
    t = _second_function(svc, with_group=False)
    r = t["Resources"]
    r["DeploymentGroup2"] = json.loads(json.dumps(r["DeploymentGroup"]))
    r["DeploymentGroup2"]["Properties"]["AlarmConfiguration"]["Alarms"] = [{"Name": "org-wide-5xx"}]
    r["Alias2"]["UpdatePolicy"] = {"CodeDeployLambdaAliasUpdate": {
        "ApplicationName": {"Ref": "Application"}, "DeploymentGroupName": {"Ref": "DeploymentGroup2"}}}
    assert {f.resource: f.status for f in run(t, "SW001")} == {
        "Alias": Compliance.COMPLIANT, "Alias2": Compliance.COMPLIANT}


# SW002 ---------------------------------------------------------------------------------------------

def test_sw002_trips_on_codedeploy_alias_update_policy(svc):
    res(svc, "Alias")["UpdatePolicy"] = {"CodeDeployLambdaAliasUpdate": {
        "ApplicationName": {"Ref": "Application"}, "DeploymentGroupName": {"Ref": "DeploymentGroup"}}}
    [f] = fails(svc, "SW002")
    assert f.location == "UpdatePolicy/CodeDeployLambdaAliasUpdate" and "Alias" in f.message


def test_sw002_trips_on_routing_config(svc):
    res(svc, "Alias")["Properties"]["RoutingConfig"] = {"AdditionalVersionWeights": [
        {"FunctionVersion": "2", "FunctionWeight": 0.1}]}
    [f] = fails(svc, "SW002")
    assert f.location == "Properties/RoutingConfig"


def test_sw002_trips_when_alias_follows_the_version_under_test(svc):
    res(svc, "Alias")["Properties"]["FunctionVersion"] = {"Fn::GetAtt": ["FnVersionNew3F2A", "Version"]}
    [f] = fails(svc, "SW002")
    assert "ExecutedVersion" in f.message


def test_sw002_trips_on_cdk_current_version(svc):
    lid = "FnCurrentVersion17A89ABB5a568ff4eb3f09e134cf4c727c15b98a"
    svc["Resources"][lid] = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}}
    res(svc, "Alias")["Properties"]["FunctionVersion"] = {"Fn::GetAtt": [lid, "Version"]}
    [f] = fails(svc, "SW002")
    assert "currentVersion" in f.message


def test_sw002_trips_on_version_pinned_to_code_hash(svc):
    svc["Resources"]["FnPinned"] = {"Type": "AWS::Lambda::Version",
                                    "Properties": {"FunctionName": {"Ref": "Fn"}, "CodeSha256": "abc="}}
    res(svc, "Alias")["Properties"]["FunctionVersion"] = {"Fn::GetAtt": ["FnPinned", "Version"]}
    assert fails(svc, "SW002")


def test_sw002_passes_an_alias_on_a_version_that_never_changes(svc):
    assert statuses(run(svc, "SW002"), "SW002") == {Compliance.COMPLIANT}


# SW003 ---------------------------------------------------------------------------------------------

def test_sw003_passes_a_group_that_rolls_back_on_alarm(svc):
    assert statuses(run(svc, "SW003"), "SW003") == {Compliance.COMPLIANT}


def test_sw003_trips_without_auto_rollback(svc):
    del res(svc, "DeploymentGroup")["Properties"]["AutoRollbackConfiguration"]
    [f] = fails(svc, "SW003")
    assert f.resource == "DeploymentGroup" and "DEPLOYMENT_STOP_ON_ALARM" in f.message


def test_sw003_trips_without_stop_on_alarm_event(svc):
    res(svc, "DeploymentGroup")["Properties"]["AutoRollbackConfiguration"]["Events"] = ["DEPLOYMENT_FAILURE"]
    assert fails(svc, "SW003")


def test_sw003_trips_when_disabled(svc):
    res(svc, "DeploymentGroup")["Properties"]["AutoRollbackConfiguration"]["Enabled"] = False
    assert "disabled" in fails(svc, "SW003")[0].message


# SW004 / SW005 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, words", [
    (lambda c: c.update(Enabled=False), "no enabled AlarmConfiguration"),
    (lambda c: c.update(Alarms=[]), "no alarms"),
    (lambda c: c.update(IgnorePollAlarmFailure=True), "IgnorePollAlarmFailure"),
])
def test_sw004_trips_on_unwatched_deployment_group(svc, change, words):
    change(res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"])
    [f] = fails(svc, "SW004")
    assert words in f.message


def test_sw004_passes_a_group_that_watches_alarms(svc):
    assert statuses(run(svc, "SW004"), "SW004") == {Compliance.COMPLIANT}


def test_sw004_trips_without_alarm_configuration(svc):
    del res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]
    assert fails(svc, "SW004")
    assert statuses(run(svc, "SW005"), "SW005") == {Compliance.NOT_APPLICABLE}


def test_sw005_trips_above_ten_alarms(svc):
    res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]["Alarms"] = (
        [{"Name": {"Ref": "HighSeverity"}}] + [{"Name": f"extra-{i}"} for i in range(10)])
    [f] = fails(svc, "SW005")
    assert "11 alarms" in f.message


def test_sw005_passes_at_exactly_ten(svc):
    res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]["Alarms"] = (
        [{"Name": {"Ref": "HighSeverity"}}] + [{"Name": f"extra-{i}"} for i in range(9)])
    assert statuses(run(svc, "SW005"), "SW005") == {Compliance.COMPLIANT}


# SW006 ---------------------------------------------------------------------------------------------

def test_sw006_passes_through_a_composite(svc):
    assert statuses(run(svc, "SW006"), "SW006") == {Compliance.COMPLIANT}


def test_sw006_trips_when_only_latency_is_watched(svc):
    res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]["Alarms"] = [{"Name": {"Ref": "Latency"}}]
    [f] = fails(svc, "SW006")
    assert "fault-rate" in f.message


def test_sw006_trips_when_composite_lacks_fault_rate(svc):
    res(svc, "HighSeverity")["Properties"]["AlarmRule"] = shapes.join(
        'ALARM("', {"Fn::GetAtt": ["Latency", "Arn"]}, '")')
    assert fails(svc, "SW006")


def test_sw006_resolves_literal_names_in_rules_and_groups(svc):
    res(svc, "HighSeverity")["Properties"]["AlarmRule"] = 'ALARM("payments-api-us-east-1-fault-rate")'
    res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]["Alarms"] = [
        {"Name": "payments-api-us-east-1-high-severity"}]
    assert statuses(run(svc, "SW006"), "SW006") == {Compliance.COMPLIANT}


def test_sw006_names_alarms_defined_elsewhere(svc):
    res(svc, "DeploymentGroup")["Properties"]["AlarmConfiguration"]["Alarms"] = [{"Name": "org-wide-5xx"}]
    [f] = fails(svc, "SW006")
    assert "org-wide-5xx" in f.message and "suppress SW006" in f.message


# SW017 (deployment configs; SW009 before the split) ----------------------------------------------------

def test_sw017_trips_on_canary_above_ten_percent(svc):
    res(svc, "Canary")["Properties"]["TrafficRoutingConfig"]["TimeBasedCanary"]["CanaryPercentage"] = 20
    [f] = fails(svc, "SW017")
    assert "20%" in f.message and f.resource == "Canary"


def test_sw017_trips_on_linear_above_ten_percent(svc):
    res(svc, "Canary")["Properties"]["TrafficRoutingConfig"] = {
        "Type": "TimeBasedLinear", "TimeBasedLinear": {"LinearPercentage": 25, "LinearInterval": 5}}
    assert "LinearPercentage" in fails(svc, "SW017")[0].message


def test_sw017_passes_a_ten_percent_canary_config(svc):
    [f] = run(svc, "SW017")
    assert f.status is Compliance.COMPLIANT and "10%" in f.message


def test_sw017_all_at_once_config_is_not_applicable(svc):
    res(svc, "Canary")["Properties"]["TrafficRoutingConfig"] = {"Type": "AllAtOnce"}
    assert statuses(run(svc, "SW017"), "SW017") == {Compliance.NOT_APPLICABLE}


# Pipelines: SW011, SW007, SW010 --------------------------------------------------------------------

@pytest.fixture
def the_plan():
    return shapes.plan()


@pytest.fixture
def pipe(the_plan):
    return shapes.pipeline_for(the_plan)


def test_rendered_pipeline_passes_every_pipeline_check(pipe, the_plan):
    assert non_compliant(check_template(pipe, plan=the_plan)) == []


def _passes(pipe, the_plan, check_id):
    return statuses(check_template(pipe, plan=the_plan), check_id) == {Compliance.COMPLIANT}


def test_sw007_passes_stages_that_gate_deploy_shift_and_bake_every_target(pipe, the_plan):
    assert _passes(pipe, the_plan, "SW007")


def test_sw010_passes_bakes_as_long_as_the_plan(pipe, the_plan):
    assert _passes(pipe, the_plan, "SW010")


def test_sw011_passes_deploying_stages_that_roll_back(pipe, the_plan):
    assert _passes(pipe, the_plan, "SW011")


def test_sw015_passes_gated_stages_with_deploy_shift_and_bake(pipe):
    assert _passes(pipe, None, "SW015")


def test_sw011_trips_on_deploying_stage_without_rollback(pipe):
    del shapes.stage(pipe, "wave-2")["OnFailure"]
    [f] = fails(pipe, "SW011")
    assert "'wave-2'" in f.message and f.location == "Properties/Stages/wave-2/OnFailure"


def test_sw011_ignores_stages_that_do_not_deploy(pipe):
    assert all("UpdatePipeline" not in (f.location or "") for f in run(pipe, "SW011"))


def test_sw015_trips_on_gated_stage_without_bake(pipe):
    st = shapes.stage(pipe, "wave-2")
    st["Actions"] = [a for a in st["Actions"] if not a["Name"].endswith("Bake")]
    [f] = fails(pipe, "SW015")
    assert "bake" in f.message and "wave-2" in f.message


def test_sw015_trips_when_one_target_lacks_a_shift(pipe):
    st = shapes.stage(pipe, "wave-2")
    st["Actions"] = [a for a in st["Actions"] if a["Name"] != "api-eu-west-1.Shift"]
    [f] = fails(pipe, "SW015")
    assert "shift for eu-west-1" in f.message


def test_sw015_recognises_roles_by_state_machine_name_or_action_name(pipe, the_plan):
    for a in shapes.stage(pipe, "wave-2")["Actions"]:
        if a["ActionTypeId"]["Provider"] == "StepFunctions":
            a["Configuration"]["Input"] = "{}"
    assert not fails(pipe, "SW015")
    for a in shapes.stage(pipe, "wave-2")["Actions"]:
        if a["ActionTypeId"]["Provider"] == "StepFunctions":
            a["Configuration"]["StateMachineArn"] = {"Ref": "Token"}
    assert not fails(pipe, "SW015")


def test_sw007_trips_on_missing_stage(pipe, the_plan):
    stages = pipe["Resources"]["Pipeline"]["Properties"]["Stages"]
    stages.remove(shapes.stage(pipe, "wave-1-2"))
    [f] = fails(pipe, "SW007", the_plan)
    assert "no stage 'wave-1-2'" in f.message


def test_sw007_trips_on_ungated_production_stage(pipe, the_plan):
    st = shapes.stage(pipe, "wave-1-1")
    st["Actions"] = [a for a in st["Actions"] if not a["Name"].endswith("Gate")]
    assert not fails(pipe, "SW015")  # without the plan, an ungated stage may be pre-production
    [f] = fails(pipe, "SW007", the_plan)
    assert "gate" in f.message and "wave-1-1" in f.message


def test_sw010_trips_on_bake_shorter_than_plan(pipe, the_plan):
    for a in shapes.stage(pipe, "wave-2")["Actions"]:
        if a["Name"].endswith("Bake"):
            data = json.loads(a["Configuration"]["Input"])
            data["bake"]["seconds"] = 600
            a["Configuration"]["Input"] = json.dumps(data)
    found = fails(pipe, "SW010", the_plan)
    assert len(found) == 2 and "600s" in found[0].message and "14400s" in found[0].message


def test_sw010_trips_on_fewer_data_points(pipe, the_plan):
    a = next(a for a in shapes.stage(pipe, "wave-1-1")["Actions"] if a["Name"].endswith("Bake"))
    data = json.loads(a["Configuration"]["Input"])
    data["bake"]["minDataPoints"] = 1
    a["Configuration"]["Input"] = json.dumps(data)
    assert len(fails(pipe, "SW010", the_plan)) == 1


def test_sw010_reads_inputs_built_with_fn_join(pipe, the_plan):
    a = next(a for a in shapes.stage(pipe, "wave-2")["Actions"] if a["Name"].endswith("Bake"))
    text = a["Configuration"]["Input"]
    cut = text.index('"region"')
    a["Configuration"]["Input"] = {"Fn::Join": ["", [text[:cut] + '"acct": "', {"Ref": "AWS::AccountId"},
                                                     '", ' + text[cut:]]]}
    assert {f.status for f in run(pipe, "SW010", the_plan)} == {Compliance.COMPLIANT}


def test_sw010_is_not_applicable_without_plan(pipe):
    assert run(pipe, "SW010") == []


# The alias SafeLambdaDeployment creates through Custom::SeawallVersion; SW012 ---------------------------------

def _seawall_version(svc):
    """The service shape as SafeLambdaDeployment renders it: no Version or Alias resource, one custom resource."""
    for lid in [k for k, v in svc["Resources"].items() if v["Type"] in ("AWS::Lambda::Version", "AWS::Lambda::Alias")]:
        del svc["Resources"][lid]
    svc["Resources"]["ApiVersionAndAlias"] = {"Type": "Custom::SeawallVersion", "Properties": {
        "ServiceToken": {"Fn::GetAtt": ["Publisher", "Arn"]}, "FunctionName": {"Ref": "Fn"}, "AliasName": "live"}}
    return svc


def test_sw001_and_sw002_recognise_the_alias_seawall_creates(svc):
    t = _seawall_version(svc)
    assert [(f.resource, f.status) for f in run(t, "SW001")] == [("ApiVersionAndAlias", Compliance.COMPLIANT)]
    assert [(f.resource, f.status) for f in run(t, "SW002")] == [("ApiVersionAndAlias", Compliance.COMPLIANT)]


def test_sw001_trips_on_seawall_alias_without_deployment_group(svc):
    t = _seawall_version(svc)
    del t["Resources"]["DeploymentGroup"]
    [f] = fails(t, "SW001")
    assert f.resource == "ApiVersionAndAlias"


def test_sw012_passes_one_version_resource_per_function(svc):
    assert statuses(run(_seawall_version(svc), "SW012"), "SW012") == {Compliance.COMPLIANT}


def test_sw012_trips_on_a_cdk_current_version_next_to_seawalls(svc):
    t = _seawall_version(svc)
    t["Resources"]["FnCurrentVersionABC"] = {"Type": "AWS::Lambda::Version",
                                             "Properties": {"FunctionName": {"Ref": "Fn"}}}
    found = fails(t, "SW012")
    assert sorted(f.resource for f in found) == ["ApiVersionAndAlias", "FnCurrentVersionABC"]
    assert all("A version for this Lambda function exists" in f.message for f in found)


def test_sw012_trips_on_two_lambda_versions_of_one_function(svc):
    svc["Resources"]["Second"] = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}}
    assert len(fails(svc, "SW012")) == 2
