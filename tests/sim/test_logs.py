"""The CloudWatch Logs metric-filter fake, and SafeLambdaDeployment's alarms and filter run through the fakes."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from botocore.exceptions import ClientError
from tests.cdk_constructs.test_errors_in_logs_pattern import _powertools_lines
from tests.sim.conformance import conforms

from seawall.constructs import ERRORS_IN_LOGS_PATTERN, SafeLambdaDeployment
from seawall.sim import FakeAws, FakeCloudFormation, FakeCloudWatch, FakeLambda, FakeLogs, Unmodelled
from seawall.sim import python_unhandled_error as crash
from seawall.sim.clock import Scheduler
from seawall.sim.cloudformation import assembly_assets
from seawall.sim.logs import parse_filter_pattern

A, R = "111111111111", "us-east-1"
STACK = "payments-api"


class World:
    def __init__(self) -> None:
        self.aws = FakeAws()
        self.scheduler = Scheduler(self.aws.clock)
        self.cw = FakeCloudWatch(clock=self.aws.clock, scheduler=self.scheduler)
        self.aws.register("cloudwatch", self.cw)
        self.logs = FakeLogs(cloudwatch=self.cw)
        self.client = self.aws.session(account=A, region=R).client("cloudwatch")

    def sum(self, namespace: str, metric: str, until: int = 120) -> list[float]:
        out = self.client.get_metric_statistics(Namespace=namespace, MetricName=metric, StartTime=self.aws.clock.at(0),
                                                EndTime=self.aws.clock.at(until), Period=60,
                                                Statistics=["Sum", "SampleCount"])
        return [p["Sum"] for p in sorted(out["Datapoints"], key=lambda p: p["Timestamp"])]


# ---------------------------------------------------------------- patterns


@conforms("seawall.sim.logs.parse_filter_pattern", "allowed")
def test_the_errors_in_logs_pattern_matches_powertools_error_lines_only():
    """Replaces the strict xfail on moto's filter_log_events, which ignores JSON patterns."""
    pattern = parse_filter_pattern(ERRORS_IN_LOGS_PATTERN.log_pattern_string)
    w = World()
    lines = _powertools_lines()
    assert len(lines) == 5
    import json

    matched = [line for line in lines if pattern.matches(json.loads(line))]
    assert len(matched) == 2 and all('"level":"ERROR"' in m.replace(" ", "") for m in matched)
    compound = parse_filter_pattern('{ ($.level = "ERR*" && $.latency > 10) || $.code != 200 }')
    assert compound.matches({"level": "ERROR", "latency": 11, "code": 200})
    assert not compound.matches({"level": "ERROR", "latency": 9, "code": 200})
    assert compound.matches({"code": 500})
    del w


@conforms("seawall.sim.logs.parse_filter_pattern", "refused")
def test_patterns_seawall_does_not_synthesize_are_unmodelled():
    for text in ["ERROR", "?ERROR ?Error", "[ip, user, ...]", "{ $.level IS NULL }", "{ $.msg = %boom% }",
                 "{ $.a = 1 ++ $.b = 2 }"]:
        with pytest.raises(Unmodelled):
            parse_filter_pattern(text)


@conforms("seawall.sim.logs.python_unhandled_error", "allowed")
@conforms("seawall.sim.logs.python_unhandled_error", "refused")
def test_the_runtime_crash_line_is_text_and_its_json_form_has_no_level_field():
    line = crash("RuntimeError", "boom", ['  File "/var/task/app.py", line 3, in handler\n    raise RuntimeError()'])
    assert line.startswith("[ERROR] RuntimeError: boom\nTraceback (most recent call last):\n")
    pattern = parse_filter_pattern(ERRORS_IN_LOGS_PATTERN.log_pattern_string)
    import json

    assert not pattern.matches(json.loads(crash("RuntimeError", "boom", log_format="JSON")))  # "log_level", not "level"
    with pytest.raises(ValueError, match="log_format"):
        crash("E", "m", log_format="XML")


# ---------------------------------------------------------------- groups, filters, lines


def _filter(w: World, *, default: float | None = 0) -> None:
    w.logs.create_log_group(A, R, "/aws/lambda/orders")
    t: dict[str, object] = {"MetricNamespace": "Seawall/ErrorsInLogs", "MetricName": "orders", "MetricValue": "1"}
    if default is not None:
        t["DefaultValue"] = default
    w.logs.put_metric_filter(A, R, "/aws/lambda/orders", "errors", '{ $.level = "ERROR" }', [t])


@conforms("seawall.sim.logs.FakeLogs.put_log_lines", "allowed")
def test_matching_lines_count_and_other_lines_emit_the_default_value():
    w = World()
    _filter(w)
    lines = ['{"level":"INFO","message":"a"}', '{"level":"ERROR","message":"b"}', '{"level":"WARNING"}',
             '{"level":"ERROR","message":"c"}', "END RequestId: 1"]
    w.logs.put_log_lines(A, R, "/aws/lambda/orders", 0, [*lines, crash("RuntimeError", "boom")])
    w.scheduler.run(until=120)
    assert w.sum("Seawall/ErrorsInLogs", "orders") == [2.0]  # the crash line is text: not counted
    out = w.client.get_metric_statistics(Namespace="Seawall/ErrorsInLogs", MetricName="orders",
                                         StartTime=w.aws.clock.at(0), EndTime=w.aws.clock.at(60), Period=60,
                                         Statistics=["SampleCount"])
    assert out["Datapoints"][0]["SampleCount"] == 6.0  # one value per log event, 0 for the 4 that did not match


@conforms("seawall.sim.logs.FakeLogs.put_log_lines", "refused")
def test_without_a_default_value_unmatched_lines_emit_nothing_and_a_missing_group_is_refused():
    w = World()
    _filter(w, default=None)
    w.logs.put_log_lines(A, R, "/aws/lambda/orders", 0, ['{"level":"INFO"}', "plain text"])
    w.scheduler.run(until=120)
    assert w.sum("Seawall/ErrorsInLogs", "orders") == []
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        w.logs.put_log_lines(A, R, "/aws/lambda/ghost", 0, ["x"])


@conforms("seawall.sim.logs.FakeLogs.put_metric_filter", "allowed")
@conforms("seawall.sim.logs.FakeLogs.create_log_group", "allowed")
def test_a_metric_value_may_be_a_json_field():
    w = World()
    w.logs.create_log_group(A, R, "g")
    w.logs.put_metric_filter(A, R, "g", "latency", "{ $.latency > 0 }",
                             [{"MetricNamespace": "App", "MetricName": "Latency", "MetricValue": "$.latency"}])
    w.logs.put_log_lines(A, R, "g", 0, ['{"latency": 120}', '{"latency": 30}'])
    w.scheduler.run(until=120)
    assert w.sum("App", "Latency") == [150.0]


@conforms("seawall.sim.logs.FakeLogs.put_metric_filter", "refused")
@conforms("seawall.sim.logs.FakeLogs.create_log_group", "refused")
def test_a_filter_needs_its_group_and_exactly_one_transformation():
    w = World()
    t = {"MetricNamespace": "App", "MetricName": "m", "MetricValue": "1"}
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        w.logs.put_metric_filter(A, R, "g", "f", "{ $.a = 1 }", [t])
    w.logs.create_log_group(A, R, "g")
    with pytest.raises(Exception, match="ResourceAlreadyExistsException"):
        w.logs.create_log_group(A, R, "g")
    with pytest.raises(Exception, match="exactly 1"):
        w.logs.put_metric_filter(A, R, "g", "f", "{ $.a = 1 }", [t, t])


# ---------------------------------------------------------------- SafeLambdaDeployment through the fakes


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    out = tmp_path_factory.mktemp("assembly")
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account=A, region=R))
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api")
    template = app.synth().get_stack_by_name(STACK).template
    return template, assembly_assets(Path(out))


def _cfn(template: dict, assets: dict) -> tuple[World, FakeCloudFormation, FakeLambda]:
    w = World()
    # the team monitoring stack's aggregate exists before any service deploys (the aggregate watch names it)
    w.client.put_composite_alarm(AlarmName="payments-us-east-1-aggregate", AlarmRule="FALSE")
    lam = FakeLambda(clock=w.aws.clock)
    w.aws.register("lambda", lam)
    cfn = FakeCloudFormation(w.aws, lam, account=A, region=R, assets=assets, providers={
        "AWS::CloudWatch::Alarm": w.cw.alarm_provider,
        "AWS::CloudWatch::CompositeAlarm": w.cw.composite_provider,
        "AWS::Logs::LogGroup": w.logs.log_group_provider,
        "AWS::Logs::MetricFilter": w.logs.metric_filter_provider,
    })
    cfn.deploy(STACK, template)
    return w, cfn, lam


@conforms("seawall.sim.cloudwatch._AlarmProvider.create", "allowed")
@conforms("seawall.sim.logs._LogGroupProvider.create", "allowed")
@conforms("seawall.sim.logs._MetricFilterProvider.create", "allowed")
def test_safe_lambda_deployment_alarms_and_filter_work_in_the_fakes(deployed):
    template, assets = deployed
    w, cfn, lam = _cfn(template, assets)
    alarms = {lid: r for lid, r in template["Resources"].items() if r["Type"].startswith("AWS::CloudWatch::")}
    assert len(alarms) >= 5
    names = {cfn.stacks[STACK].resources[lid].physical_id for lid in alarms}
    described = w.client.describe_alarms(AlarmNames=sorted(names), AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert {a["AlarmName"] for a in described["MetricAlarms"] + described["CompositeAlarms"]} == names
    w.scheduler.run(until=60)
    # every alarm settles (anomaly detection is not evaluated: it stays INSUFFICIENT_DATA, informative only)
    states = {a["AlarmName"]: a["StateValue"] for a in
              w.client.describe_alarms(AlarmNames=sorted(names), AlarmTypes=["MetricAlarm", "CompositeAlarm"])[
                  "MetricAlarms"]}
    assert {n for n, s in states.items() if s != "OK"} == {n for n in states if "anomaly" in n or "traffic" in n}
    # errors in logs: the function's log group has the filter; six ERROR lines a minute for three minutes alarm
    fn_name = cfn.stacks[STACK].resources["Handler886CB40B"].physical_id
    log_group = lam.function(A, R, fn_name).config["LoggingConfig"]["LogGroup"]  # type: ignore[union-attr]
    for minute in range(3):
        w.logs.put_log_lines(A, R, log_group, minute * 60 + 1, ['{"level":"ERROR","message":"x"}'] * 6)
    w.scheduler.run(until=5 * 60)
    in_logs = next(n for n in names if n.endswith("errors-in-logs"))
    assert w.cw.state(A, R, in_logs) == "ALARM"
    composite = next(n for n in names if n.endswith("high-severity"))
    assert w.cw.state(A, R, composite) == "ALARM"


@conforms("seawall.sim.cloudwatch._AlarmProvider.create", "refused")
@conforms("seawall.sim.logs._LogGroupProvider.create", "refused")
@conforms("seawall.sim.logs._MetricFilterProvider.create", "refused")
def test_the_providers_refuse_what_cloudwatch_refuses(deployed):
    template, assets = deployed
    w, cfn, _ = _cfn(template, assets)
    again = FakeCloudFormation(w.aws, FakeLambda(clock=w.aws.clock), account=A, region=R, providers={
        "AWS::CloudWatch::Alarm": w.cw.alarm_provider})
    one = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
               and "Dimensions" not in r["Properties"] and "Metrics" not in r["Properties"])
    with pytest.raises(Exception, match="already exists"):
        again.deploy("other", {"Resources": {"A": one}})
    with pytest.raises(Exception, match="does not exist"):
        w.logs.metric_filter_provider.create(account=A, region=R, stack="s", logical_id="F", properties={
            "LogGroupName": "ghost", "FilterPattern": "{ $.a = 1 }",
            "MetricTransformations": [{"MetricNamespace": "n", "MetricName": "m", "MetricValue": "1"}]})
    with pytest.raises(Exception, match="ResourceAlreadyExistsException"):
        for _ in range(2):
            w.logs.log_group_provider.create(account=A, region=R, stack="s", logical_id="G",
                                             properties={"LogGroupName": "g"})
    with pytest.raises(ClientError):
        w.client.set_alarm_state(AlarmName="ghost", StateValue="OK", StateReason="x")
