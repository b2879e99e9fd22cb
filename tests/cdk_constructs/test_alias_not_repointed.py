"""A code change publishes a new version through the same resource and leaves the alias alone."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from tests.support import synth

from seawall.constructs import SafeLambdaDeployment

VERSION_ID = "ApiVersionAndAlias88EC0A1A"


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


def test_a_code_change_updates_the_one_version_resource_in_place(before_and_after):
    """Same logical ID, new properties: CloudFormation sends an Update, and the handler publishes."""
    before, after = before_and_after
    assert list(_of_type(before, "Custom::SeawallVersion")) == list(_of_type(after, "Custom::SeawallVersion")) \
        == [VERSION_ID]
    old, new = before["Resources"][VERSION_ID], after["Resources"][VERSION_ID]
    assert old["Properties"]["FunctionFingerprint"] != new["Properties"]["FunctionFingerprint"]
    assert old["Properties"]["AliasName"] == new["Properties"]["AliasName"] == "live"


def test_no_template_has_a_resource_cloudformation_could_move_the_alias_with(before_and_after):
    for template in before_and_after:
        assert not _of_type(template, "AWS::Lambda::Alias") and not _of_type(template, "AWS::Lambda::Version")
        assert not [k for k, v in template["Resources"].items() if "UpdatePolicy" in v]


def test_the_one_box_alarms_follow_the_published_version(before_and_after):
    name = "payments-api-us-east-1-api-one-box-p99-latency"
    for template in before_and_after:
        (alarm,) = [v for v in _of_type(template, "AWS::CloudWatch::Alarm").values()
                    if v["Properties"]["AlarmName"] == name]
        executed = next(d["Value"] for d in alarm["Properties"]["Dimensions"] if d["Name"] == "ExecutedVersion")
        assert executed == {"Fn::GetAtt": [VERSION_ID, "Version"]}
