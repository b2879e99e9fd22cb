"""Conformance of STS AssumeRole, EventBridge PutEvents capture and CloudFormation DescribeStacks with outputs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from tests.sim.conformance import conforms

from seawall.sim import FakeAws, FakeCloudFormation, FakeLambda
from seawall.sim.cloudformation import CloudFormationApi
from seawall.sim.sts import FakeEvents, FakeSts

A, B, REGION = "111111111111", "222222222222", "eu-west-1"
ROLE = f"arn:aws:iam::{B}:role/seawall-payments-invoker"


@pytest.fixture()
def aws():
    world = FakeAws()
    world.register("sts", FakeSts(world, role_exists=lambda arn: arn == ROLE))
    world.register("events", FakeEvents(world))
    return world


@conforms("seawall.sim.sts.FakeSts._op_AssumeRole", "allowed")
def test_assumed_credentials_sign_as_the_roles_account_and_expire_on_the_simulated_clock(aws):
    sts = aws.session(account=A, region=REGION).client("sts")
    creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="release")["Credentials"]
    assert aws.principal(creds["AccessKeyId"]).account == B
    assert creds["Expiration"] == aws.clock.at(3600)


@conforms("seawall.sim.sts.FakeSts._op_AssumeRole", "refused")
def test_a_role_no_stack_created_cannot_be_assumed(aws):
    sts = aws.session(account=A, region=REGION).client("sts")
    with pytest.raises(ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=f"arn:aws:iam::{B}:role/other", RoleSessionName="release")


@conforms("seawall.sim.sts.FakeEvents._op_PutEvents", "allowed")
def test_events_are_captured_with_their_moment(aws):
    events = aws.session(account=A, region=REGION).client("events")
    events.put_events(Entries=[{"Source": "seawall", "DetailType": "revert", "Detail": "{}"}])
    assert [(t, acct, e["DetailType"]) for t, acct, _, e in aws.services["events"].events] == [(0.0, A, "revert")]


@conforms("seawall.sim.sts.FakeEvents._op_PutEvents", "refused")
def test_more_than_ten_entries_are_refused(aws):
    events = aws.session(account=A, region=REGION).client("events")
    with pytest.raises(ClientError, match="ValidationException"):
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11)


TEMPLATE = {"Resources": {"Log": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "g"}}},
            "Outputs": {"Token": {"Value": {"Fn::Join": ["-", [{"Ref": "Log"}, {"Ref": "AWS::Region"}]]}}}}


@conforms("seawall.sim.cloudformation.CloudFormationApi._op_DescribeStacks", "allowed")
@conforms("seawall.sim.cloudformation.FakeCloudFormation.outputs", "allowed")
def test_describe_stacks_answers_the_resolved_outputs():
    aws = FakeAws()
    cfn = FakeCloudFormation(aws, FakeLambda(clock=aws.clock), account=A, region=REGION)
    aws.register("cloudformation", CloudFormationApi(lambda account, region: cfn if (account, region) == (A, REGION)
                                                     else None))
    cfn.deploy("svc", TEMPLATE)
    out = aws.session(account=A, region=REGION).client("cloudformation").describe_stacks(StackName="svc")
    assert out["Stacks"][0]["Outputs"] == [{"OutputKey": "Token", "OutputValue": f"g-{REGION}"}]


@conforms("seawall.sim.cloudformation.CloudFormationApi._op_DescribeStacks", "refused")
@conforms("seawall.sim.cloudformation.FakeCloudFormation.outputs", "refused")
def test_describe_stacks_of_a_missing_stack_or_another_region_is_a_validation_error():
    aws = FakeAws()
    cfn = FakeCloudFormation(aws, FakeLambda(clock=aws.clock), account=A, region=REGION)
    aws.register("cloudformation", CloudFormationApi(lambda account, region: cfn if (account, region) == (A, REGION)
                                                     else None))
    cfn.deploy("svc", TEMPLATE)
    for region, name in [(REGION, "other"), ("us-east-1", "svc")]:
        client = aws.session(account=A, region=region).client("cloudformation")
        with pytest.raises(ClientError, match="Stack with id .* does not exist"):
            client.describe_stacks(StackName=name)
    with pytest.raises(KeyError):
        cfn.outputs("other")
