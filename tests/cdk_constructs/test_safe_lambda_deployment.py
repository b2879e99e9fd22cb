"""SafeLambdaDeployment renders versions, a pinned alias, CodeDeploy and the alarm table.

One app, synthesized once for the module: a canary service whose config is
predefined, and a linear one whose config is the team runtime's (named, not created).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from aws_cdk import Acknowledgment, App, Environment, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template
from tests.support import cfn_lint_findings, nag_findings, suppressions, synth

from seawall.constructs import (
    ALARM_KINDS,
    DEFAULT_BLOCKING,
    ERRORS_IN_LOGS_PATTERN,
    SafeLambdaDeployment,
    SmokeTestHook,
)
from seawall.constructs.alarms import AlarmScope
from seawall.model import AlarmPolicy, TrafficPolicy

ENV = Environment(account="111111111111", region="us-east-1")


def user_function(stack: Stack, code: str = "def handler(event, context):\n    return 1\n") -> lambda_.Function:
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline(code))
    Validations.of(fn.role.node.default_child).acknowledge(Acknowledgment(
        id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason="test function: the basic execution role only writes its logs"))
    Validations.of(fn.node.default_child).acknowledge(Acknowledgment(
        id="AwsSolutions-L1", reason="test function pinned to Python 3.13"))
    return fn


@pytest.fixture(scope="module")
def built():
    app = App()
    canary = Stack(app, "Canary", env=ENV)
    fn = user_function(canary)
    hook = SmokeTestHook(canary, "Smoke", targets=[fn], payload={"ping": True})
    business = cloudwatch.Alarm(canary, "Orders", alarm_name="payments-api-us-east-1-orders",
                                metric=cloudwatch.Metric(namespace="Shop", metric_name="Orders"),
                                threshold=1, evaluation_periods=1,
                                comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD)
    deployment = SafeLambdaDeployment(
        canary, "Api", function=fn, team="payments", service="api",
        traffic=TrafficPolicy.canary(percent=10, interval=timedelta(minutes=5)),
        extra_alarms=[business], pre_traffic_hook=hook.function,
    )
    linear = Stack(app, "Linear", env=ENV)
    SafeLambdaDeployment(linear, "Worker", function=user_function(linear), team="payments", service="worker",
                         traffic=TrafficPolicy.linear(percent=20, interval=timedelta(minutes=7)))
    return {
        "app": app, "deployment": deployment,
        "canary": synth(canary), "linear": synth(linear),
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return Template.from_json(built["canary"])


VERSION_ID = "ApiVersionAndAlias88EC0A1A"


def _logical_id(template_dict, resource_type, **props):
    found = [k for k, v in template_dict["Resources"].items() if v["Type"] == resource_type
             and all(v.get("Properties", {}).get(p) == val for p, val in props.items())]
    assert len(found) == 1, found
    return found[0]


def test_one_box_alarms_carry_exactly_function_alias_and_new_version_dimensions(built, template):
    dims = [
        {"Name": "ExecutedVersion", "Value": {"Fn::GetAtt": [VERSION_ID, "Version"]}},
        {"Name": "FunctionName", "Value": {"Ref": "Handler886CB40B"}},
        {"Name": "Resource", "Value": {"Fn::Join": ["", [{"Ref": "Handler886CB40B"}, ":live"]]}},
    ]
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmName": "payments-api-us-east-1-api-one-box-p99-latency",
        "Dimensions": Match.exact(dims), "ExtendedStatistic": "p99",
    })
    one_box_fault = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {
        "AlarmName": "payments-api-us-east-1-api-one-box-fault-rate"}})
    (alarm,) = one_box_fault.values()
    metric_dims = [m["MetricStat"]["Metric"]["Dimensions"] for m in alarm["Properties"]["Metrics"] if "MetricStat" in m]
    assert len(metric_dims) == 2 and all(sorted(d, key=lambda x: x["Name"]) == dims for d in metric_dims)


def _alarm(template_dict, name):
    (alarm,) = [v["Properties"] for v in template_dict["Resources"].values()
                if v["Type"] == "AWS::CloudWatch::Alarm" and v["Properties"].get("AlarmName") == name]
    return alarm


def test_one_box_error_count_alarm_watches_the_new_version_only_with_its_threshold(built):
    """A quiet wave-1 region: a failing one-box alarms on its error count, not only on the ratio."""
    dims = [
        {"Name": "ExecutedVersion", "Value": {"Fn::GetAtt": [VERSION_ID, "Version"]}},
        {"Name": "FunctionName", "Value": {"Ref": "Handler886CB40B"}},
        {"Name": "Resource", "Value": {"Fn::Join": ["", [{"Ref": "Handler886CB40B"}, ":live"]]}},
    ]
    alarm = _alarm(built["canary"], "payments-api-us-east-1-api-one-box-errors")
    assert alarm["Threshold"] == AlarmPolicy().one_box_max_errors == 2
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # one data point spanning the whole evaluation window (3 x 1 min by default)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
    assert metrics["errors"]["MetricStat"]["Stat"] == "Sum"
    for m in metrics.values():
        if "MetricStat" in m:
            assert sorted(m["MetricStat"]["Metric"]["Dimensions"], key=lambda x: x["Name"]) == dims
            assert m["MetricStat"]["Period"] == 180
    (expression,) = [m for m in metrics.values() if "Expression" in m]
    assert expression["Expression"] == "IF(errors / invocations > 0.01, errors, 0)"
    assert expression["ReturnData"] is True


def test_one_box_fault_rate_is_judged_over_the_whole_evaluation_window(built):
    alarm = _alarm(built["canary"], "payments-api-us-east-1-api-one-box-fault-rate")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
    assert {m["MetricStat"]["Period"] for m in alarm["Metrics"] if "MetricStat" in m} == {180}
    service = _alarm(built["canary"], "payments-api-us-east-1-api-fault-rate")
    assert (service["EvaluationPeriods"], service["DatapointsToAlarm"]) == (3, 3)
    assert {m["MetricStat"]["Period"] for m in service["Metrics"] if "MetricStat" in m} == {60}


def test_one_custom_resource_publishes_the_version_and_no_version_or_alias_resource_exists(built):
    for template in (built["canary"], built["linear"]):
        types = [v["Type"] for v in template["Resources"].values()]
        assert "AWS::Lambda::Version" not in types and "AWS::Lambda::Alias" not in types
        assert types.count("Custom::SeawallVersion") == 1
    version = built["canary"]["Resources"][VERSION_ID]
    assert version["Properties"]["FunctionName"] == {"Ref": "Handler886CB40B"}
    assert version["Properties"]["AliasName"] == "live"
    # CDK's fingerprint of the function (what currentVersion's logical ID carries): a change Lambda would see
    # changes it, so CloudFormation updates the resource and it publishes
    assert version["Properties"]["FunctionFingerprint"].startswith("HandlerCurrentVersion")


def test_the_publisher_may_publish_and_create_aliases_on_the_stack_functions_only(built):
    policies = [v["Properties"]["PolicyDocument"]["Statement"] for k, v in built["canary"]["Resources"].items()
                if v["Type"] == "AWS::IAM::Policy" and k.startswith("SeawallVersionPublisher")]
    (statements,) = policies
    (publish,) = [s for s in statements if "lambda:PublishVersion" in s["Action"]]
    assert sorted(publish["Action"]) == ["lambda:CreateAlias", "lambda:GetAlias", "lambda:GetFunctionConfiguration",
                                         "lambda:PublishVersion"]
    assert publish["Resource"][0] == {"Fn::GetAtt": ["Handler886CB40B", "Arn"]}
    assert "lambda:UpdateAlias" not in str(statements) and "lambda:DeleteAlias" not in str(statements)


def test_whatever_uses_the_alias_is_created_after_it_exists(built):
    """The alias's ARN comes from the custom resource, so a permission on it waits for the alias."""
    arn = built["canary"]["Outputs"]
    deployment = built["deployment"]
    stack = deployment.node.scope
    assert stack.resolve(deployment.alias.function_arn) == {"Fn::GetAtt": [VERSION_ID, "AliasArn"]}
    assert arn  # outputs exist


def test_fault_rate_is_errors_divided_by_invocations(template):
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmName": "payments-api-us-east-1-api-fault-rate",
        "Threshold": 0.01,
        "Metrics": Match.array_with([
            Match.object_like({"Expression": "IF(invocations >= 10, errors / invocations, 0)", "ReturnData": True}),
            Match.object_like({"Id": "errors", "MetricStat": Match.object_like({
                "Metric": Match.object_like({"MetricName": "Errors"}), "Stat": "Sum"}), "ReturnData": False}),
            Match.object_like({"Id": "invocations", "MetricStat": Match.object_like({
                "Metric": Match.object_like({"MetricName": "Invocations"}), "Stat": "Sum"}), "ReturnData": False}),
        ]),
    })


def test_deployment_group_uses_the_predefined_config_and_at_most_ten_alarms(template, built):
    template.has_resource_properties("AWS::CodeDeploy::DeploymentGroup", {
        "ApplicationName": {"Ref": Match.any_value()},
        "DeploymentGroupName": "payments-api-api",
        "DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "AutoRollbackConfiguration": {"Enabled": True, "Events": Match.array_with(
            ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])},
        "AlarmConfiguration": Match.object_like({"Enabled": True}),
    })
    (group,) = template.find_resources("AWS::CodeDeploy::DeploymentGroup").values()
    alarms = group["Properties"]["AlarmConfiguration"]["Alarms"]
    assert 1 <= len(alarms) <= 10
    assert len(built["deployment"].codedeploy_alarms) == len(alarms)
    # the one-box alarms come first, the error count among them
    deployment = built["deployment"]
    assert deployment.codedeploy_alarms[:3] == deployment.one_box_alarms
    assert deployment.alarms_by_kind["one-box-errors"] in deployment.one_box_alarms
    # nine blocking table rows and the one extra (business) alarm: exactly CodeDeploy's ten
    assert len(alarms) == 10
    names = {v["Properties"]["AlarmName"]: k for k, v in built["canary"]["Resources"].items()
             if v["Type"] == "AWS::CloudWatch::Alarm"}
    listed = {a["Name"]["Ref"] for a in alarms}
    assert names["payments-api-us-east-1-api-one-box-errors"] in listed
    assert names["payments-api-us-east-1-orders"] in listed


def test_more_blocking_alarms_than_codedeploy_takes_drop_the_least_important():
    app = App()
    stack = Stack(app, "Busy", env=ENV)
    extras = [cloudwatch.Alarm(stack, f"Biz{i}", alarm_name=f"payments-busy-us-east-1-biz-{i}",
                               metric=cloudwatch.Metric(namespace="Shop", metric_name=f"M{i}"),
                               threshold=1, evaluation_periods=1) for i in range(3)]
    deployment = SafeLambdaDeployment(
        stack, "Api", function=user_function(stack), team="payments", service="busy",
        blocking=[*DEFAULT_BLOCKING, "traffic-drop", "latency-anomaly"], extra_alarms=extras)
    assert len(deployment.codedeploy_alarms) == 10
    kinds = [k for k, a in deployment.alarms_by_kind.items() if a in deployment.codedeploy_alarms]
    assert {"one-box-fault-rate", "one-box-errors", "one-box-p99-latency", "fault-rate"} <= set(kinds)
    # the table's order decides: the last blocking row and the extra alarms stay out of CodeDeploy
    # (they are still in the high-severity composite the bake watches)
    assert "latency-anomaly" not in kinds and not set(extras) & set(deployment.codedeploy_alarms)
    assert set(extras) <= set(deployment.extra_alarms)


def test_a_policy_without_a_predefined_config_names_the_team_runtimes_config_and_creates_none(built):
    """One custom config per (account, region, policy), owned by the team runtime: the service names it."""
    t = Template.from_json(built["linear"])
    t.resource_count_is("AWS::CodeDeploy::DeploymentConfig", 0)
    t.has_resource_properties("AWS::CodeDeploy::DeploymentGroup", {
        "DeploymentConfigName": "seawall-payments-linear-20pct-every-7min"})


def test_deployment_groups_use_the_team_runtimes_codedeploy_role_and_create_none(built):
    for template in (built["canary"], built["linear"]):
        roles = [v for v in template["Resources"].values() if v["Type"] == "AWS::IAM::Role"
                 and "codedeploy.amazonaws.com" in str(v["Properties"]["AssumeRolePolicyDocument"])]
        assert roles == []
        (group,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::CodeDeploy::DeploymentGroup"]
        assert group["Properties"]["ServiceRoleArn"] == {"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:role/seawall-payments-codedeploy-us-east-1"]]}


def test_a_hook_lets_the_shared_role_invoke_it_in_its_own_resource_policy(built):
    """The shared role's managed policy invokes only CodeDeployHook_* functions; the hook grants the rest."""
    (permission,) = [v["Properties"] for v in built["canary"]["Resources"].values()
                     if v["Type"] == "AWS::Lambda::Permission"
                     and "codedeploy" in str(v["Properties"].get("Principal"))]
    assert permission["Action"] == "lambda:InvokeFunction"
    assert "seawall-payments-codedeploy-us-east-1" in str(permission["Principal"])
    hook = built["deployment"].pre_traffic_hook
    stack = built["deployment"].node.scope
    assert permission["FunctionName"] == stack.resolve(hook.function_arn)


def test_cloudformation_never_moves_the_alias(built):
    for template in (built["canary"], built["linear"]):
        assert not [k for k, v in template["Resources"].items() if "UpdatePolicy" in v]
        assert not [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Lambda::Alias"]


def _composites(template_dict) -> dict[str, str]:
    """Each composite alarm's name and its rule, as JSON text (the logical IDs it references appear in it)."""
    import json

    return {v["Properties"]["AlarmName"]: json.dumps(v["Properties"]["AlarmRule"])
            for v in template_dict["Resources"].values() if v["Type"] == "AWS::CloudWatch::CompositeAlarm"}


def _alarm_ids(template_dict) -> dict[str, str]:
    return {v["Properties"]["AlarmName"]: k for k, v in template_dict["Resources"].items()
            if v["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")}


def test_high_severity_composite_holds_blocking_service_alarms_and_extra_alarms_never_one_box(built):
    """I10: a one-box alarm in the service composite would reach the team aggregate, every gate and bake."""
    rule = _composites(built["canary"])["payments-api-us-east-1-high-severity"]
    names = _alarm_ids(built["canary"])
    for kind in ALARM_KINDS:
        logical_id = names[f"payments-api-us-east-1-api-{kind.kind}"]
        expected = kind.blocking and kind.scope is not AlarmScope.ONE_BOX
        assert (f'"{logical_id}"' in rule) is expected, kind.kind
    assert f'"{names["payments-api-us-east-1-orders"]}"' in rule


def test_one_box_rollback_composite_is_the_aggregate_watch_or_this_functions_one_box_alarms(built):
    """The article's "ALARM(aggregate) OR one-box metrics", per function, through the stack's aggregate watch."""
    composites = _composites(built["canary"])
    names = _alarm_ids(built["canary"])
    rule = composites["payments-api-us-east-1-api-one-box-rollback"]
    one_box = [f"payments-api-us-east-1-api-{k.kind}" for k in ALARM_KINDS if k.scope is AlarmScope.ONE_BOX]
    assert len(one_box) == 3
    referenced = {n for n, lid in names.items() if f'"{lid}"' in rule}
    assert referenced == {*one_box, "payments-api-us-east-1-aggregate-watch"}
    # the watch names the team aggregate of the stack's region, literally (the team monitoring stack's)
    assert composites["payments-api-us-east-1-aggregate-watch"] == '"ALARM(\\"payments-us-east-1-aggregate\\")"'
    # no other composite names a one-box alarm or the rollback composite
    for name, other in composites.items():
        if name != "payments-api-us-east-1-api-one-box-rollback":
            assert not [n for n in (*one_box, "payments-api-us-east-1-api-one-box-rollback")
                        if f'"{names[n]}"' in other], name
    deployment = built["deployment"]
    assert deployment.one_box_rollback_alarm.node.default_child.alarm_name == \
        "payments-api-us-east-1-api-one-box-rollback"


def test_one_box_alarms_and_the_rollback_composite_carry_their_deployment_in_seawall_metadata(built):
    from seawall.model.naming import ONE_BOX_METADATA, ONE_BOX_ROLLBACK_METADATA

    path = built["deployment"].node.path
    resources = built["canary"]["Resources"]
    marked = {v["Properties"]["AlarmName"]: v["Metadata"]["seawall"] for v in resources.values()
              if "seawall" in v.get("Metadata", {}) and v["Type"].startswith("AWS::CloudWatch::")}
    assert marked == {
        **{f"payments-api-us-east-1-api-{k.kind}": {ONE_BOX_METADATA: path}
           for k in ALARM_KINDS if k.scope is AlarmScope.ONE_BOX},
        "payments-api-us-east-1-api-one-box-rollback": {ONE_BOX_ROLLBACK_METADATA: path},
    }


def test_errors_in_logs_filter_watches_the_explicit_log_group(template, built):
    log_group = "ApiLogGroup1717FE17"
    template.has_resource_properties("AWS::Logs::MetricFilter", {
        "FilterPattern": ERRORS_IN_LOGS_PATTERN.log_pattern_string,
        "LogGroupName": {"Ref": log_group},
    })
    template.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "index.handler", "LoggingConfig": {"LogGroup": {"Ref": log_group}}})


def test_release_outputs_name_function_alias_version_application_group_and_hooks(built):
    import json

    from seawall.model.contracts import FUNCTION_OUTPUT_PREFIX, RELEASE_TOKEN_OUTPUT, SERVICE_ALARMS_OUTPUT

    outputs = built["canary"]["Outputs"]
    release = built["deployment"].release_outputs
    stack = built["deployment"].node.scope
    key = stack.resolve(stack.get_logical_id(release.function))
    assert key.startswith(FUNCTION_OUTPUT_PREFIX) and key in outputs
    # One compact JSON per function: CloudFormation resolves the tokens in the service stack.
    value = outputs[key]["Value"]
    rendered = json.dumps(value)
    assert '\\"alias\\":\\"live\\"' in rendered and VERSION_ID in rendered
    assert "ApiDeploymentGroupC5BA42E8" in rendered and "ApiApplication4BE77DB2" in rendered
    assert "preTrafficHook" in rendered and "postTrafficHook" not in rendered
    # the bake watches the function's one-box rollback composite, named in the function's output
    rollback = _alarm_ids(built["canary"])["payments-api-us-east-1-api-one-box-rollback"]
    assert f'\\"oneBoxAlarm\\":\\"", {{"Ref": "{rollback}"}}' in rendered
    # The stack's token joins the Version attributes of its functions (CDK writes a join of one as the one);
    # its alarms output names the composite.
    assert outputs[RELEASE_TOKEN_OUTPUT]["Value"] == {"Fn::GetAtt": [VERSION_ID, "Version"]}
    assert stack.resolve(stack.get_logical_id(release.token)) == RELEASE_TOKEN_OUTPUT
    assert SERVICE_ALARMS_OUTPUT in outputs
    # No per-field outputs: a stack of many functions stays far under CloudFormation's 200 outputs.
    assert len(outputs) == 3


def test_logical_ids_of_stateful_resources_are_stable(built):
    resources = built["canary"]["Resources"]
    for logical_id, resource_type in {
        VERSION_ID: "Custom::SeawallVersion",
        "ApiLogGroup1717FE17": "AWS::Logs::LogGroup",
        "ApiDeploymentGroupC5BA42E8": "AWS::CodeDeploy::DeploymentGroup",
        "ApiApplication4BE77DB2": "AWS::CodeDeploy::Application",
    }.items():
        assert resources.get(logical_id, {}).get("Type") == resource_type, logical_id


def test_templates_pass_cfn_lint(built):
    assert cfn_lint_findings(built["canary"]) == []
    assert cfn_lint_findings(built["linear"]) == []


def test_app_has_no_unacknowledged_cdk_nag_findings(built):
    assert nag_findings(built["app"]) == []


def test_every_suppression_is_on_a_resource_with_a_reason(built):
    found = suppressions(built["canary"]) + suppressions(built["linear"])
    for logical_id, rule, reason in found:
        print(f"{logical_id}: {rule}: {reason}")
    assert found
    assert all(rule.startswith("AwsSolutions-") and len(reason) > 20 for _, rule, reason in found)
    assert "Metadata" not in built["canary"] or "cdk_nag" not in built["canary"].get("Metadata", {})


def test_the_alias_is_an_ialias_that_event_sources_and_grants_name_as_the_alias():
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sqs as sqs

    app = App()
    stack = Stack(app, "Queue", env=ENV)
    deployment = SafeLambdaDeployment(stack, "Api", function=user_function(stack), team="payments", service="q")
    assert deployment.alias.alias_name == "live" and deployment.alias.version is deployment.version
    deployment.alias.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Jobs")))
    deployment.alias.grant_invoke(iam.ServicePrincipal("apigateway.amazonaws.com"))
    template = synth(stack)
    (mapping,) = [r["Properties"] for r in template["Resources"].values()
                  if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    arn = {"Fn::GetAtt": [VERSION_ID, "AliasArn"]}
    assert mapping["FunctionName"] == {"Fn::Join": [":", [
        {"Fn::Select": [6, {"Fn::Split": [":", arn]}]}, "live"]]}
    (permission,) = [r["Properties"] for r in template["Resources"].values()
                     if r["Type"] == "AWS::Lambda::Permission"]
    assert permission["FunctionName"] == arn
    dims = stack.resolve(deployment.alias.metric_invocations().to_metric_config().metric_stat.dimensions)
    assert {d["name"] for d in dims} == {"FunctionName", "Resource"}
