"""Bad input fails at synth time with a ValueError that names the parameter and the fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import AggregateAlarm, MonitoringCanary, SafeLambdaDeployment, alarm_kind
from seawall.model import AlarmPolicy, TrafficPolicy


@pytest.fixture(scope="module")
def stack_and_function():
    app = App()
    stack = Stack(app, "Svc", env=Environment(account="111111111111", region="us-east-1"))
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    return stack, fn


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"traffic": TrafficPolicy.canary(percent=20)}, r"canary of 20%, above the one-box limit of 10%"),
    ({"alias_name": "123"}, r"alias_name='123' is not a Lambda alias name"),
    ({"alias_name": "live alias"}, r"alias_name='live alias' is not a Lambda alias name"),
    ({"alias_name": "a" * 129}, r"is not a Lambda alias name"),
    ({"blocking": ["fault-rate", "cpu"]}, r"unknown alarm kind 'cpu'; expected one of: one-box-fault-rate"),
    ({"team": "Payments"}, r"team='Payments' is not usable in resource names"),
])
def test_safe_lambda_deployment_rejects(stack_and_function, kwargs, match):
    stack, fn = stack_and_function
    args = {"function": fn, "team": "payments", "service": "api", **kwargs}
    with pytest.raises(ValueError, match=match):
        SafeLambdaDeployment(stack, f"Bad{abs(hash(match))}", **args)


def test_thresholds_out_of_range_are_rejected_by_the_policy():
    with pytest.raises(ValueError, match=r"max_fault_rate=1.5 must be a fraction between 0 and 1"):
        AlarmPolicy(max_fault_rate=1.5)
    with pytest.raises(ValueError, match=r"p99_latency=0:20:00 is out of range; it must be above 0 and at most "
                                         r"0:15:00 \(Lambda's function timeout\)"):
        AlarmPolicy(p99_latency=timedelta(minutes=20))
    with pytest.raises(ValueError, match=r"anomaly_std_devs=0 must be a number above 0"):
        AlarmPolicy(anomaly_std_devs=0)


def test_an_unknown_alarm_kind_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown alarm kind 'latency'; expected one of: .*p99-latency"):
        alarm_kind("latency")


def test_a_canary_needs_an_http_url(stack_and_function):
    stack, _ = stack_and_function
    with pytest.raises(ValueError, match=r"url='api.example.com' is not an http\(s\) URL"):
        MonitoringCanary(stack, "BadCanary", team="payments", service="api", url="api.example.com")


def test_an_aggregate_rejects_duplicate_children(stack_and_function):
    stack, _ = stack_and_function
    with pytest.raises(ValueError, match=r"alarm_names lists \['a'\] more than once"):
        AggregateAlarm(stack, "BadAggregate", team="payments", alarm_names=["a", "b", "a"])
