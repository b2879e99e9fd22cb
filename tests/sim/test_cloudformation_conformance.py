"""Conformance of the CloudFormation fake's custom-resource rules, with a minimal provider written here."""

from __future__ import annotations

import pytest
from tests.sim.conformance import conforms

from seawall.sim import FakeAws, FakeCloudFormation, FakeLambda, StackOperationFailed

ACCOUNT, REGION = "111111111111", "eu-west-1"

PROVIDER = '''
import json, urllib.request
OPEN = urllib.request.urlopen
def handler(event, context):
    props = event["ResourceProperties"]
    body = json.dumps({"Status": "SUCCESS", "PhysicalResourceId": props["Id"], "StackId": event["StackId"],
                       "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
                       "Data": {"Pad": "x" * int(props.get("Pad", 0))}}).encode()
    with OPEN(urllib.request.Request(event["ResponseURL"], data=body, method="PUT")):
        pass
'''


def _template(physical_id: str, pad: int = 0) -> dict:
    return {"Resources": {
        "Provider": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "provider", "Handler": "provider.handler", "Runtime": "python3.13",
            "Code": {"S3Bucket": "assets", "S3Key": "provider.zip"}}},
        "Thing": {"Type": "Custom::Thing", "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}, "Id": physical_id, "Pad": pad}},
    }}


@pytest.fixture()
def cfn(tmp_path):
    (tmp_path / "provider.py").write_text(PROVIDER)
    aws = FakeAws()
    lam = FakeLambda(clock=aws.clock)
    aws.register("lambda", lam)
    return FakeCloudFormation(aws, lam, account=ACCOUNT, region=REGION, assets={"provider.zip": tmp_path})


@conforms("seawall.sim.cloudformation.FakeCloudFormation._custom_replaced", "allowed")
def test_a_new_physical_id_on_update_is_a_replacement_and_the_old_one_gets_delete(cfn):
    cfn.deploy("s", _template("one"))
    cfn.deploy("s", _template("two"))
    assert cfn.stacks["s"].resources["Thing"].physical_id == "two"
    assert cfn.events[-2:] == [("s", "Thing", "Update"), ("s", "Thing", "Delete")]


@conforms("seawall.sim.cloudformation._ResponseCatcher.__call__", "refused")
def test_a_response_body_over_4096_bytes_fails_the_resource(cfn):
    cfn.deploy("s", _template("one", pad=100))
    with pytest.raises(StackOperationFailed, match="too long"):
        cfn.deploy("s", _template("one", pad=5000))
    assert cfn.stacks["s"].status == "UPDATE_ROLLBACK_COMPLETE"
