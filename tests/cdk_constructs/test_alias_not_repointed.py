"""A code change publishes a new version but leaves the alias's properties untouched."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from tests.support import synth

from seawall.constructs import SafeLambdaDeployment


def _template(code: str) -> dict:
    app = App()
    stack = Stack(app, "Svc", env=Environment(account="111111111111", region="us-east-1"))
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline(code))
    SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api")
    return synth(stack)


@pytest.fixture(scope="module")
def before_and_after():
    return (_template("def handler(e, c):\n    return 1\n"), _template("def handler(e, c):\n    return 2\n"))


def _of_type(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_a_code_change_publishes_a_new_version(before_and_after):
    before, after = before_and_after
    new_versions = set(_of_type(after, "AWS::Lambda::Version")) - set(_of_type(before, "AWS::Lambda::Version"))
    assert len(new_versions) == 1 and next(iter(new_versions)).startswith("HandlerCurrentVersion")


def test_a_code_change_leaves_the_alias_and_its_initial_version_unchanged(before_and_after):
    before, after = before_and_after
    assert _of_type(before, "AWS::Lambda::Alias") == _of_type(after, "AWS::Lambda::Alias")
    assert before["Resources"]["ApiInitialVersion28ED3BD9"] == after["Resources"]["ApiInitialVersion28ED3BD9"]


def test_the_one_box_alarms_follow_the_new_version(before_and_after):
    before, after = before_and_after
    name = "payments-api-us-east-1-api-one-box-p99-latency"

    def executed_version(template: dict):
        (alarm,) = [v for v in _of_type(template, "AWS::CloudWatch::Alarm").values()
                    if v["Properties"]["AlarmName"] == name]
        return next(d["Value"] for d in alarm["Properties"]["Dimensions"] if d["Name"] == "ExecutedVersion")

    assert executed_version(before) != executed_version(after)
