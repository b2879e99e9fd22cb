"""Hand-made CloudFormation shapes for the check tests: a safe service, a plan's pipeline, and ways to break them.

They mimic what SafeLambdaDeployment and WavePipeline synthesize, so the
checks are tested without waiting for (or synthesizing) the real constructs.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from seawall.model import BakePolicy, Step, Target, TrafficPolicy, Wave, WavePlan


def join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def safe_service() -> dict[str, Any]:
    """One function behind an alias that only Seawall moves, with a Lambda deployment group and its alarms.

    The alias stays on the version it was created on (a literal); one Version resource publishes each deploy.
    """
    new_version = {"Fn::GetAtt": ["FnVersionNew3F2A", "Version"]}
    dims = [{"Name": "FunctionName", "Value": {"Ref": "Fn"}},
            {"Name": "Resource", "Value": join({"Ref": "Fn"}, ":live")},
            {"Name": "ExecutedVersion", "Value": new_version}]
    return {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "x.h"}},
        "FnVersionNew3F2A": {"Type": "AWS::Lambda::Version",
                             "Properties": {"FunctionName": {"Ref": "Fn"}, "Description": "code 3f2a"},
                             "UpdateReplacePolicy": "Retain", "DeletionPolicy": "Retain"},
        "Alias": {"Type": "AWS::Lambda::Alias",
                  "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live",
                                 "FunctionVersion": "1"},
                  "Metadata": {"seawall": {"deploymentGroup": "DeploymentGroup"}}},
        "Application": {"Type": "AWS::CodeDeploy::Application", "Properties": {"ComputePlatform": "Lambda"}},
        "DeploymentGroup": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {
            "ApplicationName": {"Ref": "Application"},
            "ServiceRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
            "DeploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
            "DeploymentStyle": {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
            "AutoRollbackConfiguration": {"Enabled": True,
                                          "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
            "AlarmConfiguration": {"Enabled": True, "Alarms": [{"Name": {"Ref": "OneBoxLatency"}},
                                                               {"Name": {"Ref": "HighSeverity"}}]},
        }},
        "OneBoxLatency": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/Lambda", "MetricName": "Duration", "ExtendedStatistic": "p99", "Dimensions": dims,
            "Threshold": 5000, "EvaluationPeriods": 3, "ComparisonOperator": "GreaterThanThreshold"}},
        "FaultRate": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": "payments-api-us-east-1-fault-rate",
            "Metrics": [
                {"Id": "rate", "Expression": "errors / MAX([errors, invocations])", "ReturnData": True},
                {"Id": "errors", "ReturnData": False, "MetricStat": {"Stat": "Sum", "Period": 60, "Metric": {
                    "Namespace": "AWS/Lambda", "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Fn"}}]}}},
                {"Id": "invocations", "ReturnData": False, "MetricStat": {"Stat": "Sum", "Period": 60, "Metric": {
                    "Namespace": "AWS/Lambda", "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Fn"}}]}}},
            ],
            "Threshold": 0.01, "EvaluationPeriods": 3, "ComparisonOperator": "GreaterThanThreshold"}},
        "Latency": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": "payments-api-us-east-1-p99", "Namespace": "AWS/Lambda", "MetricName": "Duration",
            "ExtendedStatistic": "p99", "Threshold": 5000, "EvaluationPeriods": 3,
            "ComparisonOperator": "GreaterThanThreshold"}},
        "HighSeverity": {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {
            "AlarmName": "payments-api-us-east-1-high-severity",
            "AlarmRule": join('ALARM("', {"Fn::GetAtt": ["FaultRate", "Arn"]}, '") OR ALARM("',
                              {"Fn::GetAtt": ["Latency", "Arn"]}, '")')}},
        "Canary": {"Type": "AWS::CodeDeploy::DeploymentConfig", "Properties": {
            "ComputePlatform": "Lambda",
            "TrafficRoutingConfig": {"Type": "TimeBasedCanary",
                                     "TimeBasedCanary": {"CanaryPercentage": 10, "CanaryInterval": 60}}}},
    }}


def copy_of(template: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(template)


def plan(**kw: Any) -> WavePlan:
    """wave-1 (one region, two cells), wave-2 (two regions), gamma before them."""
    bake = BakePolicy(duration=timedelta(hours=4), min_data_points=100)
    return WavePlan(
        pre_production=(Wave(name="gamma", targets=(Target(region="us-east-1"),),
                             bake=BakePolicy(duration=timedelta(hours=1), min_data_points=0),
                             traffic=TrafficPolicy.canary(interval=timedelta(minutes=30))),),
        waves=kw.pop("waves", (
            Wave(name="wave-1", targets=(Target(region="ca-central-1", cell="cell-1"),
                                         Target(region="ca-central-1", cell="cell-2")),
                 bake=bake, cell_bake=BakePolicy(duration=timedelta(hours=1), min_data_points=50)),
            Wave(name="wave-2", targets=(Target(region="us-west-2"), Target(region="eu-west-1")), bake=bake),
        )),
        **kw,
    )


def _sfn(name: str, role: str, step: Step, target: Target, *, arn: str | None = None,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": f"seawall.{role}", "schema": 1, "target": target.to_dict()}
    if role == "bake":
        data["bake"] = step.bake.to_dict()
    data.update(extra or {})
    return {"Name": name, "ActionTypeId": {"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions",
                                           "Version": "1"},
            "Configuration": {"StateMachineArn": arn or f"arn:aws:states:{target.region}:111111111111:"
                                                         f"stateMachine:seawall-payments-{role}",
                              "InputType": "Literal", "Input": json.dumps(data)},
            "Region": target.region}


def _deploy(name: str, target: Target) -> dict[str, Any]:
    return {"Name": name, "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation",
                                           "Version": "1"},
            "Configuration": {"ActionMode": "CREATE_UPDATE", "StackName": f"api-{target.name}"},
            "Region": target.region, "RunOrder": 2}


def pipeline_for(the_plan: WavePlan) -> dict[str, Any]:
    """A pipeline template the way WavePipeline renders `the_plan`: stage per step, gate/deploy/shift/bake."""
    stages: list[dict[str, Any]] = [
        {"Name": "Source", "Actions": [{"Name": "src", "ActionTypeId": {
            "Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection", "Version": "1"}}]},
        {"Name": "UpdatePipeline", "Actions": [{"Name": "SelfMutate", "ActionTypeId": {
            "Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"}}]},
    ]
    for step in the_plan.steps():
        actions = []
        for t in step.targets:
            prefix = f"api-{t.name}"
            if step.gated:
                actions.append(_sfn(f"{prefix}.Gate", "gate", step, t))
            actions.append(_deploy(f"{prefix}.Deploy", t))
            actions.append(_sfn(f"{prefix}.Shift", "shift", step, t))
            if step.baked:
                actions.append(_sfn(f"{prefix}.Bake", "bake", step, t))
        stages.append({"Name": step.name, "Actions": actions, "OnFailure": {"Result": "ROLLBACK"}})
    return {"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "PipelineType": "V2", "RoleArn": "arn:aws:iam::111111111111:role/p", "Stages": stages}}}}


def stage(template: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in template["Resources"]["Pipeline"]["Properties"]["Stages"] if s["Name"] == name)
