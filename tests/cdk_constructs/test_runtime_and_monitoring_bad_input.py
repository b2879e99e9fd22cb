"""The team runtime, the monitoring constructs, SmokeTestHook and SafeLambdaDeployment refuse bad input.

A string where a list belongs is never read as its characters (a team's ``services = "api"`` was the
services ``a``, ``p``, ``i``; ``pipeline_accounts="111111111111"`` trusted the account ``1``), a bool or a
float is not a whole number, a name is matched whole (``$`` let a trailing newline through), and a wrong
type is a ``TypeError`` naming the parameter.  Each refusal happens in a constructor; nothing synthesizes.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from tests.pipeline.support import CONNECTION, PIPELINE_ENV, WINDOW

from seawall.constructs import AggregateAlarm, MonitoringCanary, SafeLambdaDeployment, SmokeTestHook, alarm_kind
from seawall.constructs.monitoring import TeamMonitoringStack
from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.stacks import Source, TeamPipelineStack
from seawall.stacks.team_runtime import TeamRuntimeStack

PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy.none(), targets=(Target(region="us-east-1"),)),))
RUNTIME = {"team": "payments", "services": ("orders",), "pipeline_accounts": ("111111111111",), "window": WINDOW}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Svc", env=PIPELINE_ENV)


def _function(stack: cdk.Stack) -> lambda_.Function:
    return lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"services": "api"}, TypeError, r"services='api' is a str; pass a list such as \['orders', 'catalog'\] "
                                     r"\(one item\? pass \['api'\]\)"),
    ({"services": ("api", "api")}, ValueError, r"services lists service 'api' twice; list each service once"),
    ({"services": ("API",)}, ValueError, r"service='API' is not usable in resource names"),
    ({"services": (5,)}, TypeError, r"service=5 is a int; pass a string such as 'orders'"),
    ({"pipeline_accounts": "111111111111"}, TypeError, r"pipeline_accounts='111111111111' is a str; pass a list "
                                                       r"such as \['111111111111'\]"),
    ({"pipeline_accounts": ("11111111111",)}, ValueError, r"pipeline_accounts item='11111111111' is not an AWS "
                                                          r"account ID; expected 12 digits 0-9"),
    ({"pipeline_accounts": ()}, ValueError, r"pipeline_accounts=\(\) is empty; list the account\(s\) whose "
                                            r"pipelines start the release state machines"),
    ({"blocking_alarms": "org-sev1"}, TypeError, r"blocking_alarms='org-sev1' is a str; pass a list such as "
                                                 r"\['org-wide-incident'\]"),
    ({"blocking_alarms": ("org-sev1", 7)}, TypeError, r"blocking_alarms item=7 is a int; pass a string"),
    ({"window": "9-5"}, TypeError, r"window='9-5' is a str, not a TimeWindow; pass e.g. "
                                   r"TimeWindow.business_hours\(time_zone=...\)"),
    ({"team": 5}, TypeError, r"team=5 is a int; pass a string such as 'payments'"),
])
def test_the_team_runtime_refuses(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        TeamRuntimeStack(cdk.App(), "Runtime", **{**RUNTIME, **change}, env=PIPELINE_ENV)


@pytest.mark.parametrize(("attribute", "value", "error", "match"), [
    ("services", "api", TypeError, r"Team.services='api' is a str; pass a list such as \['orders', 'catalog'\] "
                                   r"\(one item\? pass \['api'\]\)"),
    ("services", ("api", "api"), ValueError, r"Team.services lists service 'api' twice"),
    ("canaries", "api", TypeError, r"Team.canaries='api' is a str; pass a list"),
    ("blocking_alarms", "org-sev1", TypeError, r"Team.blocking_alarms='org-sev1' is a str; pass a list"),
])
def test_the_foundation_reads_no_team_setting_string_as_a_list(attribute: str, value: object, error: type,
                                                                 match: str) -> None:
    # The team's own class (no service): the foundation reads these without making a service pipeline.
    team = type("Team", (TeamPipelineStack,), {
        "team": "payments", "plan": PLAN, "window": WINDOW, "services": ("orders",),
        "source": Source(repository="example-org/payments", connection_arn=CONNECTION), attribute: value})
    with pytest.raises(error, match=match):
        team.foundation(cdk.App(), env=PIPELINE_ENV)


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"services": "api"}, TypeError, r"services='api' is a str; pass a list such as \['orders', 'catalog'\]"),
    ({"services": ("api", "api")}, ValueError, r"services lists service 'api' twice"),
    ({"scopes": "us-east-1"}, TypeError, r"scopes='us-east-1' is a str; pass a list such as \['us-east-1-cell-1'\]"),
    ({"scopes": ("us-east-1", "us-east-1")}, ValueError, r"scopes lists scope 'us-east-1' twice"),
    ({"canary_alarm_names": "payments-orders-us-east-1-canary"}, TypeError,
     r"canary_alarm_names='payments-orders-us-east-1-canary' is a str; pass a list"),
    ({"canaries": ["orders"]}, TypeError, r"canaries=\['orders'\] is a list, not a Mapping; pass e.g. "
                                          r"\{'orders': 'https://orders.example.com/health'\}"),
])
def test_the_team_monitoring_stack_refuses(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        TeamMonitoringStack(cdk.App(), "Monitoring", **{"team": "payments", "services": ("api",), **change},
                            env=PIPELINE_ENV)


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"url": "https://api.example.com/health\n"}, ValueError, r"url='https://api.example.com/health\\n' is not an "
                                                              r"http\(s\) URL"),
    ({"url": 5}, TypeError, r"url=5 is a int; pass a string such as 'https://api.example.com/health'"),
    ({"expected_status": True}, TypeError, r"expected_status=True is a bool; pass a whole number \(int\) from 100 "
                                           r"to 599"),
    ({"expected_status": 200.0}, TypeError, r"expected_status=200.0 is a float"),
    ({"expected_status": float("nan")}, TypeError, r"expected_status=nan is a float"),
    ({"expected_status": 600}, ValueError, r"expected_status=600 is out of range; pass a whole number from 100 to "
                                           r"599 \(an HTTP status code\)"),
    ({"evaluation_periods": 3.5}, TypeError, r"evaluation_periods=3.5 is a float; pass a whole number \(int\) "
                                             r"from 1 to 60"),
    ({"evaluation_periods": True}, TypeError, r"evaluation_periods=True is a bool"),
    ({"schedule": 5}, TypeError, r"schedule=5 is a int, not a Duration; pass e.g. Duration.minutes\(5\)"),
    ({"schedule": cdk.Duration.minutes(60), "evaluation_periods": 25}, ValueError,
     r"evaluation_periods=25 runs of schedule=60 min look back 1500 min, more than CloudWatch's 1440-minute limit "
     r"for one alarm; pass at most 24 evaluation_periods"),
    ({"artifact_retention": 30}, TypeError, r"artifact_retention=30 is a int, not a Duration"),
])
def test_a_monitoring_canary_refuses(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        MonitoringCanary(_stack(), "Canary", **{"team": "payments", "service": "api",
                                                "url": "https://api.example.com/health", **change})


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"alarm_names": "payments-api-us-east-1-high-severity"}, TypeError,
     r"alarm_names='payments-api-us-east-1-high-severity' is a str; pass a list"),
    ({"alarm_names": ["a", 1]}, TypeError, r"alarm_names item=1 is a int; pass a string"),
    ({"region": 5}, TypeError, r"region=5 is a int; pass a string such as 'us-east-1'"),
    ({"team": None}, TypeError, r"team=None is a NoneType; pass a string such as 'payments'"),
])
def test_an_aggregate_alarm_refuses(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        AggregateAlarm(_stack(), "Aggregate", **{"team": "payments", "alarm_names": ["a"], **change})


def test_an_alarm_kind_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"alarm kind=\['fault-rate'\] is a list; pass a string such as "
                                        r"'fault-rate'"):
        alarm_kind(["fault-rate"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"powertools_layer_version": "27"}, TypeError, r"powertools_layer_version='27' is a str; pass a whole number "
                                                    r"\(int\) of 1 or more"),
    ({"powertools_layer_version": True}, TypeError, r"powertools_layer_version=True is a bool"),
    ({"powertools_layer_version": 0}, ValueError, r"powertools_layer_version=0 is out of range"),
    ({"log_retention": 365}, TypeError, r"log_retention=365 is a int, not a RetentionDays; pass e.g. "
                                        r"logs.RetentionDays.ONE_YEAR"),
])
def test_a_smoke_test_hook_refuses(change: dict[str, Any], error: type, match: str) -> None:
    stack = _stack()
    with pytest.raises(error, match=match):
        SmokeTestHook(stack, "Smoke", **{"targets": [_function(stack)], "payload": {"path": "/health"}, **change})


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"traffic": "canary"}, TypeError, r"traffic='canary' is a str, not a TrafficPolicy; pass e.g. "
                                       r"TrafficPolicy.canary\(\)"),
    ({"alarms": "strict"}, TypeError, r"alarms='strict' is a str, not an AlarmPolicy; pass e.g. "
                                       r"AlarmPolicy\(max_fault_rate=0.01\)"),
    ({"function": "orders-fn"}, TypeError, r"function='orders-fn' is a str, not a Function; pass e.g. a "
                                           r"lambda_.Function defined in this app"),
    ({"alias_name": 5}, TypeError, r"alias_name=5 is a int; pass a string such as 'live'"),
    ({"alias_name": "live\n"}, ValueError, r"alias_name='live\\n' is not a Lambda alias name"),
    ({"log_retention": 365}, TypeError, r"log_retention=365 is a int, not a RetentionDays"),
    ({"team": 5}, TypeError, r"team=5 is a int; pass a string such as 'payments'"),
    ({"service": None}, TypeError, r"service=None is a NoneType; pass a string such as 'orders'"),
])
def test_safe_lambda_deployment_refuses_wrong_types(change: dict[str, Any], error: type, match: str) -> None:
    stack = _stack()
    with pytest.raises(error, match=match):
        SafeLambdaDeployment(stack, "Release", **{"function": _function(stack), "team": "payments",
                                                  "service": "api", **change})


def test_the_valid_inputs_construct() -> None:
    """The control: the same constructors with the defaults above build (no synthesis)."""
    TeamRuntimeStack(cdk.App(), "Runtime", **RUNTIME, env=PIPELINE_ENV)
    TeamMonitoringStack(cdk.App(), "Monitoring", team="payments", services=("api",), env=PIPELINE_ENV)
    stack = _stack()
    MonitoringCanary(stack, "Canary", team="payments", service="api", url="https://api.example.com/health",
                     schedule=cdk.Duration.minutes(5), artifact_retention=cdk.Duration.days(7))
    AggregateAlarm(stack, "Aggregate", team="payments", alarm_names=["a"], region="us-east-1")
    SmokeTestHook(stack, "Smoke", targets=[_function(stack)], payload={"path": "/health"},
                  powertools_layer_version=27, log_retention=logs.RetentionDays.ONE_MONTH)
