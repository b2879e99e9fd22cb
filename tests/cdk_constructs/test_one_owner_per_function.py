"""A function has one SafeLambdaDeployment and no second Version resource: both are synth-time errors."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import SafeLambdaDeployment

ENV = Environment(account="111111111111", region="us-east-1")


def _function(stack: Stack) -> lambda_.Function:
    return lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))


def test_a_second_safe_lambda_deployment_on_one_function_names_both_paths():
    stack = Stack(App(), "Svc", env=ENV)
    fn = _function(stack)
    SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api")
    with pytest.raises(ValueError, match=r"already deployed by SafeLambdaDeployment Svc/Api; a second one at "
                                         r"Svc/Again would create a second 'live' alias owner"):
        SafeLambdaDeployment(stack, "Again", function=fn, team="payments", service="api")


def test_cdk_current_version_on_the_same_function_is_refused():
    stack = Stack(App(), "Svc", env=ENV)
    fn = _function(stack)
    fn.current_version  # noqa: B018 - what a user's own code does
    with pytest.raises(ValueError, match=r"Svc/Handler already has CDK's currentVersion .* use Svc/Api.version"):
        SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api")


def test_two_functions_each_with_their_own_deployment_share_one_publisher():
    stack = Stack(App(), "Svc", env=ENV)
    fns = [lambda_.Function(stack, name, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
           for name in ("Items", "Orders")]
    for fn in fns:
        SafeLambdaDeployment(stack, f"{fn.node.id}Deployment", function=fn, team="payments", service="shop")
    publishers = [c for c in stack.node.children if c.node.id == "SeawallVersionPublisher"]
    assert len(publishers) == 1
