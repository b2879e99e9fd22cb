"""Assembly-wide checks: CodeDeploy's config quota per account and region (SW018, SW019) and I10 (SW020-SW022).

Plain dicts with the environment a cloud assembly's manifest gives each stack; no synthesis.
"""

from __future__ import annotations

import json

import sw_shapes as shapes

from seawall.checks import Compliance, StackTemplate, assembly_templates, run_checks
from seawall.model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS
from seawall.model.naming import one_box_rollback_alarm_name
from seawall.testing import statuses


def _configs(count: int, *, percent: int = 10, start: int = 0) -> dict:
    return {"Resources": {f"Config{i}": {"Type": "AWS::CodeDeploy::DeploymentConfig", "Properties": {
        "ComputePlatform": "Lambda", "DeploymentConfigName": f"cfg-{i}",
        "TrafficRoutingConfig": {"Type": "TimeBasedCanary",
                                 "TimeBasedCanary": {"CanaryPercentage": percent, "CanaryInterval": i}}}}
        for i in range(start, start + count)}}


def _stack(name: str, body: dict, account: str | None = "111111111111", region: str | None = "us-east-1"):
    return StackTemplate(name, body, account=account, region=region)


def _of(findings, check_id):
    return [f for f in findings if f.check_id == check_id]


# SW018 ---------------------------------------------------------------------------------------------------

def test_sw018_trips_past_fifty_configs_in_one_account_and_region_across_stacks():
    findings = run_checks([_stack("a", _configs(26)), _stack("b", _configs(25, start=26))])
    bad = [f for f in _of(findings, "SW018") if f.is_failure]
    assert len(bad) == MAX_CUSTOM_DEPLOYMENT_CONFIGS + 1
    assert "one of 51 custom CodeDeploy deployment configs" in bad[0].message
    assert "account 111111111111 region us-east-1" in bad[0].message and "not adjustable" in bad[0].message


def test_sw018_passes_fifty_configs_and_counts_each_region_apart():
    findings = run_checks([_stack("a", _configs(MAX_CUSTOM_DEPLOYMENT_CONFIGS)),
                           _stack("b", _configs(30), region="eu-west-1")])
    assert statuses(findings, "SW018") == {Compliance.COMPLIANT}


def test_sw018_trips_when_an_environment_agnostic_stack_may_deploy_into_the_full_region():
    findings = run_checks([_stack("a", _configs(MAX_CUSTOM_DEPLOYMENT_CONFIGS)),
                           _stack("agnostic", _configs(1, start=99), account=None, region=None)])
    bad = [f for f in _of(findings, "SW018") if f.is_failure]
    assert {f.template for f in bad} == {"a", "agnostic"}


def test_sw018_reads_each_stacks_environment_from_the_manifest(tmp_path):
    for name in ("A", "B"):
        (tmp_path / f"{name}.template.json").write_text(json.dumps(_configs(1)))
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {
        "A": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1",
              "properties": {"templateFile": "A.template.json"}},
        "B": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
              "properties": {"templateFile": "B.template.json"}}}}))
    got = {t.name: t.environment for t in assembly_templates(tmp_path)}
    assert got == {"A.template.json": ("111111111111", "us-east-1"), "B.template.json": (None, None)}


# SW019 ---------------------------------------------------------------------------------------------------

def test_sw019_trips_as_a_warning_on_identical_configs_in_one_account_and_region():
    one = _configs(1)
    findings = run_checks([_stack("a", one), _stack("b", one)])
    warned = _of(findings, "SW019")
    assert [f.is_warning for f in warned] == [True, True] and not any(f.is_failure for f in findings)
    assert "identical to b:Config0" in warned[0].message


def test_sw019_passes_identical_configs_in_different_regions():
    findings = run_checks([_stack("a", _configs(1)), _stack("b", _configs(1), region="eu-west-1")])
    assert statuses(findings, "SW019") == {Compliance.COMPLIANT}


# SW020-SW022: one-box alarms stay one-box (I10) ------------------------------------------------------------

ROLLBACK = one_box_rollback_alarm_name("payments", "api", "us-east-1", "fn")


def _one_box_alarm(function_lid: str, name: str) -> dict:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": name, "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_lid}},
                       {"Name": "Resource", "Value": shapes.join({"Ref": function_lid}, ":live")},
                       {"Name": "ExecutedVersion", "Value": {"Fn::GetAtt": ["Version", "Version"]}}],
        "Threshold": 1, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold"}}


def _composite(name: str, *children: str) -> dict:
    rule = " OR ".join(f'ALARM("{c}")' for c in children)
    return {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {"AlarmName": name, "AlarmRule": rule}}


def _service() -> dict:
    """The safe service plus a second function, each with a one-box alarm, and fn's rollback composite."""
    t = shapes.safe_service()
    r = t["Resources"]
    r["Fn2"] = {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "x.h"}}
    r["OneBoxErrors"] = _one_box_alarm("Fn", "payments-api-us-east-1-fn-one-box-errors")
    r["OneBoxErrors2"] = _one_box_alarm("Fn2", "payments-api-us-east-1-fn2-one-box-errors")
    r["Rollback"] = _composite(ROLLBACK, "payments-us-east-1-aggregate", "payments-api-us-east-1-fn-one-box-errors")
    r["Rollback"]["Properties"]["AlarmRule"] = {"Fn::Join": ["", [
        'ALARM("payments-us-east-1-aggregate") OR ALARM("', {"Ref": "OneBoxErrors"}, '") OR ALARM("',
        {"Ref": "OneBoxLatency"}, '")']]}
    return t


def test_sw020_passes_one_box_alarms_only_in_their_rollback_composite():
    assert statuses(run_checks([_service()]), "SW020") == {Compliance.COMPLIANT}


def test_sw021_passes_a_rollback_composite_no_other_composite_names():
    [f] = _of(run_checks([_service()]), "SW021")
    assert f.status is Compliance.COMPLIANT and f.resource == "Rollback"


def test_sw020_trips_on_a_service_composite_naming_a_one_box_alarm_by_reference():
    t = _service()
    t["Resources"]["HighSeverity"]["Properties"]["AlarmRule"] = shapes.join(
        'ALARM("', {"Fn::GetAtt": ["FaultRate", "Arn"]}, '") OR ALARM("', {"Ref": "OneBoxLatency"}, '")')
    [f] = [f for f in _of(run_checks([t]), "SW020") if f.is_failure]
    assert f.resource == "HighSeverity" and "OneBoxLatency" in f.message and "I10" in f.message


def test_sw020_trips_on_a_team_aggregate_in_another_stack_naming_a_one_box_alarm_by_name():
    aggregate = {"Resources": {"Aggregate": _composite(
        "payments-us-east-1-aggregate", "payments-api-us-east-1-high-severity",
        "arn:aws:cloudwatch:us-east-1:111111111111:alarm:payments-api-us-east-1-fn2-one-box-errors")}}
    findings = run_checks([_stack("svc", _service()), _stack("monitoring", aggregate)])
    [f] = [f for f in _of(findings, "SW020") if f.is_failure]
    assert f.template == "monitoring" and "payments-api-us-east-1-fn2-one-box-errors" in f.message


def test_sw021_trips_on_a_composite_naming_a_rollback_composite():
    t = _service()
    t["Resources"]["Team"] = _composite("payments-us-east-1-aggregate", ROLLBACK)
    [f] = [f for f in _of(run_checks([t]), "SW021") if f.is_failure]
    assert f.resource == "Rollback" and "Team" in f.message


def test_sw022_trips_on_a_rollback_composite_mixing_two_functions():
    t = _service()
    t["Resources"]["Rollback"]["Properties"]["AlarmRule"]["Fn::Join"][1].extend(
        [' OR ALARM("', {"Ref": "OneBoxErrors2"}, '")'])
    [f] = [f for f in _of(run_checks([t]), "SW022") if f.is_failure]
    assert "2 functions" in f.message and "Fn2: OneBoxErrors2" in f.message


def test_sw022_passes_a_rollback_composite_of_one_function():
    assert statuses(run_checks([_service()]), "SW022") == {Compliance.COMPLIANT}
