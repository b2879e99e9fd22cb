"""Conformance of the Lambda fake: for each cited rule, the case AWS allows and the case it refuses.

Every call goes through a real boto3 client (botocore validates the request
and the fake's answer).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from tests.sim.conformance import conforms

from seawall.sim import FakeAws, FakeLambda
from seawall.sim.lambda_service import FunctionError

ACCOUNT, REGION = "111111111111", "eu-west-1"


@pytest.fixture()
def world():
    aws = FakeAws()
    lam = FakeLambda(clock=aws.clock, aws=aws, seed=7)
    aws.register("lambda", lam)
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v1"}, config={"Timeout": 3})
    return aws, lam, aws.session(account=ACCOUNT, region=REGION).client("lambda")


@conforms("seawall.sim.lambda_service.FakeLambda._op_PublishVersion", "allowed")
@conforms("seawall.sim.lambda_service.FakeLambda._publish", "allowed")
def test_publish_makes_a_version_when_code_changed(world):
    _, lam, client = world
    assert client.publish_version(FunctionName="api")["Version"] == "1"
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v2"}, config={"Timeout": 3})
    assert client.publish_version(FunctionName="api")["Version"] == "2"


@conforms("seawall.sim.lambda_service.FakeLambda._op_PublishVersion", "refused")
@conforms("seawall.sim.lambda_service.FakeLambda._publish", "refused")
def test_publish_of_unchanged_code_returns_the_latest_and_numbers_are_never_reused(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    assert client.publish_version(FunctionName="api")["Version"] == "1"
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v2"}, config={"Timeout": 3})
    lam.update_seconds = 60
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v3"}, config={"Timeout": 3})
    with pytest.raises(ClientError, match="ResourceConflictException"):
        client.publish_version(FunctionName="api")


@conforms("seawall.sim.lambda_service.FakeLambda._op_GetFunctionConfiguration", "allowed")
def test_configuration_reports_state_and_last_update(world):
    _, _, client = world
    config = client.get_function_configuration(FunctionName="api")
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")


@conforms("seawall.sim.lambda_service.FakeLambda._op_GetFunctionConfiguration", "refused")
def test_configuration_of_a_missing_version_or_another_accounts_arn_is_not_found(world):
    _, _, client = world
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_function_configuration(FunctionName="api", Qualifier="9")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_function_configuration(FunctionName=f"arn:aws:lambda:{REGION}:222222222222:function:api")


@conforms("seawall.sim.lambda_service.FakeLambda._op_CreateAlias", "allowed")
@conforms("seawall.sim.lambda_service.FakeLambda._op_GetAlias", "allowed")
def test_create_then_get_an_alias(world):
    _, _, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    assert client.get_alias(FunctionName="api", Name="live")["FunctionVersion"] == "1"


@conforms("seawall.sim.lambda_service.FakeLambda._op_CreateAlias", "refused")
def test_create_an_existing_alias_is_a_conflict(world):
    _, _, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    with pytest.raises(ClientError, match="ResourceConflictException"):
        client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")


@conforms("seawall.sim.lambda_service.FakeLambda._op_GetAlias", "refused")
@conforms("seawall.sim.lambda_service.FakeLambda._op_UpdateAlias", "refused")
@conforms("seawall.sim.lambda_service.FakeLambda._op_DeleteAlias", "allowed")
def test_a_deleted_or_missing_alias_is_not_found(world):
    _, _, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    client.delete_alias(FunctionName="api", Name="live")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_alias(FunctionName="api", Name="live")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.update_alias(FunctionName="api", Name="live", FunctionVersion="1")


@conforms("seawall.sim.lambda_service.FakeLambda._op_DeleteAlias", "refused")
def test_delete_alias_of_a_missing_function_is_not_found(world):
    _, _, client = world
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.delete_alias(FunctionName="nothing", Name="live")


@conforms("seawall.sim.lambda_service.FakeLambda._op_UpdateAlias", "allowed")
@conforms("seawall.sim.lambda_service.FakeLambda._check_routing", "allowed")
def test_update_alias_with_a_weighted_second_version(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v2"}, config={"Timeout": 3})
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    out = client.update_alias(FunctionName="api", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert out["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    out = client.update_alias(FunctionName="api", Name="live", FunctionVersion="2", RoutingConfig={})
    assert out["FunctionVersion"] == "2" and "RoutingConfig" not in out


@conforms("seawall.sim.lambda_service.FakeLambda._check_routing", "refused")
def test_weights_out_of_range_the_primary_version_or_latest_are_refused(world):
    _, _, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    for weights, code in [({"1": 0.5}, "InvalidParameterValueException"), ({"$LATEST": 0.5}, "InvalidParameter"),
                          ({"9": 0.5}, "ResourceNotFoundException")]:
        with pytest.raises(ClientError, match=code):
            client.update_alias(FunctionName="api", Name="live", RoutingConfig={"AdditionalVersionWeights": weights})
    # botocore does not check the range; the service does
    with pytest.raises(ClientError, match="ValidationException"):
        client.update_alias(FunctionName="api", Name="live", RoutingConfig={"AdditionalVersionWeights": {"1": 1.5}})


@conforms("seawall.sim.lambda_service.FakeLambda.route", "allowed")
def test_a_weighted_alias_sends_about_its_weight_to_the_second_version(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    lam.put_function(account=ACCOUNT, region=REGION, name="api", code={"ZipFile": "v2"}, config={"Timeout": 3})
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    fn = lam.function(ACCOUNT, REGION, "api")
    picks = [lam.route(fn, "live")[1] for _ in range(2000)]
    assert 150 < picks.count("2") < 250


@conforms("seawall.sim.lambda_service.FakeLambda.route", "refused")
def test_an_unsplit_alias_never_sends_to_another_version(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    fn = lam.function(ACCOUNT, REGION, "api")
    assert {lam.route(fn, "live") for _ in range(100)} == {("live", "1")}


@conforms("seawall.sim.lambda_service.FakeLambda._op_Invoke", "allowed")
def test_invoke_records_the_request_against_the_version_that_served_it(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    out = client.invoke(FunctionName="api", Qualifier="live", Payload=b"{}")
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert [(s.alias, s.version, s.requests, s.errors) for s in lam.served] == [("live", "1", 1, 0)]


@conforms("seawall.sim.lambda_service.FakeLambda._op_Invoke", "refused")
def test_a_failing_version_answers_function_error_with_the_error_type(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    lam.outcome = lambda account, region, fn, version: "Runtime.ExitError" if version == "1" else None
    out = client.invoke(FunctionName="api", Qualifier="1", Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"
    assert json.loads(out["Payload"].read())["errorType"] == "Runtime.ExitError"
    with pytest.raises(FunctionError, match="ExitError"):
        lam.invoke_function(ACCOUNT, REGION, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:api:1", {})
    assert lam.served[-1].errors == 1


@conforms("seawall.sim.lambda_service.FakeLambda.delete_function", "allowed")
def test_deleting_a_function_deletes_its_aliases(world):
    _, lam, client = world
    client.publish_version(FunctionName="api")
    client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    lam.delete_function(account=ACCOUNT, region=REGION, name="api")
    assert lam.alias_events[-1].operation == "DeleteFunction"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.get_alias(FunctionName="api", Name="live")


@conforms("seawall.sim.lambda_service.FakeLambda.delete_function", "refused")
def test_deleting_a_missing_function_changes_nothing(world):
    _, lam, _ = world
    lam.delete_function(account=ACCOUNT, region=REGION, name="other")
    assert lam.function(ACCOUNT, REGION, "api") is not None and lam.alias_events == []
