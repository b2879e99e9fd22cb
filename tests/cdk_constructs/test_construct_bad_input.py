"""Construct bad input fails when the construct is made, naming the parameter, the value and the fix.

Before: ``blocking=[]`` synthesized a deployment group that watched no alarm and a service composite whose
rule was ``FALSE``; a function from another stack failed synthesis with a ``DependencyCycle`` that named
neither parameter; strings were read as their characters.  No test here synthesizes.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from tests.pipeline.support import CONNECTION, PIPELINE_ENV, WINDOW, synth_step

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.release import ReleaseStateMachines
from seawall.constructs.wave_pipeline import WavePipeline
from seawall.model import AlarmPolicy, BakePolicy, Target, TimeWindow, Wave, WavePlan
from seawall.stacks import Source, TeamPipelineStack

ENV = cdk.Environment(account="111111111111", region="us-east-1")
PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy.none(), targets=(Target(region="us-east-1"),)),))


def _function(stack: cdk.Stack, construct_id: str = "Fn") -> lambda_.Function:
    return lambda_.Function(stack, construct_id, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))


def _deploy(**kwargs: Any) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Svc", env=ENV)
    args: dict[str, Any] = {"function": _function(stack), "team": "payments", "service": "api",
                            "alarms": AlarmPolicy(), **kwargs}
    SafeLambdaDeployment(stack, "Release", **args)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"blocking": []}, ValueError, r"blocking=\[\] makes no alarm block: CodeDeploy would watch no alarm .* leave "
                                   r"blocking unset for the default kinds or name at least one"),
    ({"blocking": ()}, ValueError, r"blocking=\[\] makes no alarm block"),
    ({"blocking": "fault-rate"}, TypeError, r"blocking='fault-rate' is a str; pass a list of alarm kinds such as "
                                            r"\['one-box-fault-rate', 'fault-rate'\] \(one kind\? pass "
                                            r"\['fault-rate'\]\)"),
    ({"blocking": 3}, TypeError, r"blocking=3 is a int; pass a list of alarm kinds"),
    ({"blocking": ["fault-rate", 3]}, TypeError, r"blocking item 3 is a int; pass alarm kind names such as "
                                                 r"'fault-rate'"),
    ({"blocking": ["fault-rate", "fault-rate"]}, ValueError, r"blocking lists 'fault-rate' twice; list each alarm "
                                                             r"kind once"),
    ({"extra_alarms": "orders-failed"}, TypeError, r"extra_alarms='orders-failed' must be a list of CloudWatch "
                                                   r"alarms"),
])
def test_safe_lambda_deployment_refuses(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _deploy(**kwargs)


def test_a_function_from_another_stack_is_refused_naming_both_stacks() -> None:
    app = cdk.App()
    functions = cdk.Stack(app, "Functions", env=ENV)
    service = cdk.Stack(app, "Service", env=ENV)
    fn = _function(functions)
    with pytest.raises(ValueError, match=r"function='Functions/Fn' is in stack 'Functions' but SafeLambdaDeployment "
                                         r"'Service/Release' is in stack 'Service'; the two would reference each "
                                         r"other \(a DependencyCycle\): create the SafeLambdaDeployment in "
                                         r"'Functions', the function's stack"):
        SafeLambdaDeployment(service, "Release", function=fn, team="payments", service="api")


def test_a_hook_from_another_stack_is_refused() -> None:
    app = cdk.App()
    hooks = cdk.Stack(app, "Hooks", env=ENV)
    service = cdk.Stack(app, "Service", env=ENV)
    with pytest.raises(ValueError, match=r"pre_traffic_hook='Hooks/Smoke' is in stack 'Hooks' but "
                                         r"SafeLambdaDeployment 'Service/Release' is in stack 'Service'"):
        SafeLambdaDeployment(service, "Release", function=_function(service), team="payments", service="api",
                             pre_traffic_hook=_function(hooks, "Smoke"))


def test_release_state_machines_refuse_one_role_arn_as_a_string() -> None:
    stack = cdk.Stack(cdk.App(), "Runtime", env=ENV)
    arn = "arn:aws:iam::222222222222:role/seawall-payments-pipeline-reader"
    with pytest.raises(TypeError, match=r"pipeline_role_arns='arn:aws:iam::222222222222:role/seawall-payments-"
                                        r"pipeline-reader' is a str; pass a list such as .*\(one item\? pass "):
        ReleaseStateMachines(stack, "Release", team="payments", window=TimeWindow.always(), pipeline_role_arns=arn)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"blocking_alarms": "org-sev1"}, TypeError, r"blocking_alarms='org-sev1' is a str; pass a list such as "
                                                 r"\['org-wide-incident'\] \(one item\? pass \['org-sev1'\]\)"),
    ({"blocking_alarms": ["org-sev1", "org-sev1"]}, ValueError, r"blocking_alarms lists alarm 'org-sev1' twice"),
    ({"entry_alarms": "org-sev1"}, TypeError, r"entry_alarms='org-sev1' is a str; pass a list"),
    ({"entry_alarms": ["org-sev1", "org-sev1"]}, ValueError, r"entry_alarms lists alarm EntryAlarm\(name='org-sev1'"
                                                             r".*twice"),
])
def test_wave_pipeline_reads_no_string_as_alarm_names(kwargs: dict[str, Any], error: type, match: str) -> None:
    stack = cdk.Stack(cdk.App(), "Pipeline", env=PIPELINE_ENV)
    with pytest.raises(error, match=match):
        WavePipeline(stack, "Waves", plan=PLAN, team="payments", service="orders", synth=synth_step(),
                     create_service=lambda stage, target: None, window=WINDOW, **kwargs)


@pytest.mark.parametrize(("attribute", "value", "error", "match"), [
    ("services", "orders", TypeError, r"Team.services='orders' is a str; pass a list such as \('orders', 'catalog'\)"
                                      r" \(one item\? pass \['orders'\]\)"),
    ("services", ("orders", "orders"), ValueError, r"Team.services lists service 'orders' twice"),
    ("services", ("Orders",), ValueError, r"service='Orders' is not usable in resource names"),
    ("canaries", "orders", TypeError, r"Team.canaries='orders' is a str; pass a list"),
    ("blocking_alarms", "org-sev1", TypeError, r"Team.blocking_alarms='org-sev1' is a str; pass a list"),
])
def test_team_settings_read_no_string_as_a_list(attribute: str, value: object, error: type, match: str) -> None:
    team = type("Team", (TeamPipelineStack,), {
        "team": "payments", "plan": PLAN, "window": WINDOW, "service": "orders",
        "source": Source(repository="example-org/payments", connection_arn=CONNECTION),
        "create_service": lambda self, stage, target: None, attribute: value})
    with pytest.raises(error, match=match):
        team(cdk.App(), "Pipeline", env=PIPELINE_ENV)
