"""SmokeTestHook and the traffic-hook parameters refuse, at synth, what would test nothing or be misread.

Each refusal happens in a constructor, before any resource exists; only the control synthesizes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from seawall.constructs import SafeLambdaDeployment, SmokeTestHook
from seawall.model import TrafficPolicy
from seawall.model.limits import MAX_LAMBDA_ENVIRONMENT


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Service", env=Environment(account="111111111111", region="us-east-1"))


def _function(stack: Stack, cid: str = "Handler") -> lambda_.Function:
    return lambda_.Function(stack, cid, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))


def test_a_hook_with_a_payload_sends_it_to_the_new_version(stack: Stack) -> None:
    """The control for the refusals below."""
    SmokeTestHook(stack, "Smoke", targets=[_function(stack)], payload={"path": "/health"})
    Template.from_stack(stack).has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": {
        "SEAWALL_SMOKE_PAYLOAD": json.dumps({"path": "/health"}, separators=(",", ":"))}}})  # the one synthesis


def test_a_hook_without_a_payload_is_refused(stack: Stack) -> None:
    # Without a payload the hook would invoke nothing and report Succeeded for a version it never ran.
    with pytest.raises(ValueError, match=r"payload=None: a SmokeTestHook without a payload would invoke nothing.*"
                                         r"pass the event a healthy new version handles"):
        SmokeTestHook(stack, "Smoke", targets=[_function(stack)])
    assert stack.node.try_find_child("Smoke") is None  # refused before anything was created


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"payload": "ping"}, TypeError, r"payload='ping' must be a JSON object \(a dict\)"),
    ({"payload": {"when": object()}}, TypeError, r"payload=.* is not JSON"),
    ({"payload": {"x": float("nan")}}, TypeError, r"payload=.* is not JSON"),
    ({"payload": {"x": "a" * MAX_LAMBDA_ENVIRONMENT}}, ValueError,
     rf"payload is {MAX_LAMBDA_ENVIRONMENT + 8} bytes of JSON.* at most {MAX_LAMBDA_ENVIRONMENT} bytes"),
    ({"targets": "orders-fn"}, TypeError, r"targets='orders-fn' must be a list of Lambda functions"),
    ({"targets": ["orders-fn"]}, TypeError, r"targets item 'orders-fn' must be a Lambda function"),
    ({"targets": []}, ValueError, r"targets=\[\] is empty"),
])
def test_a_hook_refuses_what_it_cannot_send_or_test(stack: Stack, kwargs: dict[str, Any], error: type[Exception],
                                                    match: str) -> None:
    given: dict[str, Any] = {"targets": [_function(stack)], "payload": {"ping": True}, **kwargs}
    with pytest.raises(error, match=match):
        SmokeTestHook(stack, "Smoke", **given)


@pytest.mark.parametrize("parameter", ["pre_traffic_hook", "post_traffic_hook"])
def test_a_hook_given_by_name_is_a_type_error(stack: Stack, parameter: str) -> None:
    with pytest.raises(TypeError, match=rf"{parameter}='orders-smoke' must be a Lambda function such as "
                                        rf"SmokeTestHook\(...\).function"):
        SafeLambdaDeployment(stack, "Api", function=_function(stack), team="payments", service="api",
                             traffic=TrafficPolicy.all_at_once(), **{parameter: "orders-smoke"})
