"""CodeDeploy's Lambda deployments on the simulation's clock, through real boto3 clients.

Each cited rule of :mod:`seawall.sim.codedeploy` has a test of the case AWS
allows and one of the case it refuses (``@conforms``), in the world of
:mod:`tests.sim.codedeploy_world`.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.sim.codedeploy_world import (
    ACCOUNT,
    ALARM,
    ALIAS,
    APP,
    FN,
    GROUP,
    REGION,
    ROLLBACK_ALL,
    World,
    app_spec,
    config_props,
    group_props,
)
from tests.sim.conformance import conforms

from seawall.model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS, MAX_DEPLOYMENT_GROUP_ALARMS
from seawall.sim import CITATIONS, FakeCloudFormation, FakeCodeDeploy, StackOperationFailed
from seawall.sim.botocore_bridge import AwsError


def _code(excinfo: pytest.ExceptionInfo[Any]) -> str:
    e = excinfo.value
    return e.code if isinstance(e, AwsError) else e.response["Error"]["Code"]


# ---------------------------------------------------------------------- resources


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.create_application", "allowed")
def test_a_lambda_application_is_created_once_per_account_and_region():
    world = World()
    world.cd.create_application(account="222222222222", region=REGION, name=APP, compute_platform="Lambda")
    assert world.client.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)[
        "deploymentGroupInfo"]["computePlatform"] == "Lambda"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.create_application", "refused")
def test_a_second_application_of_the_same_name_is_refused():
    world = World()
    with pytest.raises(AwsError) as e:
        world.cd.create_application(account=ACCOUNT, region=REGION, name=APP, compute_platform="Lambda")
    assert _code(e) == "ApplicationAlreadyExistsException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.put_deployment_group", "allowed")
def test_a_group_takes_ten_alarms_and_a_custom_config_from_another_stack():
    names = [f"alarm-{i}" for i in range(MAX_DEPLOYMENT_GROUP_ALARMS)]
    world = World(configs={"seawall-payments-canary-10-5": config_props()},
                  group=group_props(config="seawall-payments-canary-10-5", alarms=names))
    info = world.client.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)["deploymentGroupInfo"]
    assert info["deploymentConfigName"] == "seawall-payments-canary-10-5"
    assert [a["name"] for a in info["alarmConfiguration"]["alarms"]] == names
    assert info["autoRollbackConfiguration"]["events"] == ROLLBACK_ALL


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.put_deployment_group", "refused")
@pytest.mark.parametrize(("props", "code"), [
    (group_props(alarms=[f"alarm-{i}" for i in range(MAX_DEPLOYMENT_GROUP_ALARMS + 1)]),
     "AlarmsLimitExceededException"),
    (group_props(alarms=[]), "InvalidAlarmConfigException"),
    (group_props(alarms=[ALARM, ALARM]), "InvalidAlarmConfigException"),
    (group_props(events=[]), "InvalidAutoRollbackConfigException"),
    (group_props(events=["DEPLOYMENT_STOP_ON_TUESDAY"]), "InvalidAutoRollbackConfigException"),
    (group_props(config="seawall-payments-canary-10-5"), "DeploymentConfigDoesNotExistException"),
    ({**group_props(), "ApplicationName": "elsewhere"}, "ApplicationDoesNotExistException"),
    ({**group_props(), "ServiceRoleArn": ""}, "RoleRequiredException"),
])
def test_a_group_codedeploy_would_refuse_is_refused(props, code):
    world = World()
    with pytest.raises(AwsError) as e:
        world.cd.put_deployment_group(account=ACCOUNT, region=REGION, properties=props, name="other")
    assert _code(e) == code


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.create_deployment_config", "allowed")
def test_fifty_custom_configs_fit_in_an_account_and_region_and_predefined_ones_do_not_count():
    world = World()
    for i in range(MAX_CUSTOM_DEPLOYMENT_CONFIGS):
        world.cd.create_deployment_config(account=ACCOUNT, region=REGION, name=f"c{i}",
                                          properties=config_props("TimeBasedLinear", 10 + i % 50, 1))
    world.cd.create_deployment_config(account="222222222222", region=REGION, name="c0", properties=config_props())
    world.cd.create_deployment_config(account=ACCOUNT, region="us-east-1", name="c0", properties=config_props())
    info = world.client.get_deployment_config(deploymentConfigName="c49")["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"] == {"type": "TimeBasedLinear",
                                            "timeBasedLinear": {"linearPercentage": 59, "linearInterval": 1}}


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.create_deployment_config", "refused")
def test_the_fifty_first_custom_config_and_a_malformed_one_are_refused():
    world = World()
    for i in range(MAX_CUSTOM_DEPLOYMENT_CONFIGS):
        world.cd.create_deployment_config(account=ACCOUNT, region=REGION, name=f"c{i}", properties=config_props())
    with pytest.raises(AwsError) as e:
        world.cd.create_deployment_config(account=ACCOUNT, region=REGION, name="c50", properties=config_props())
    assert _code(e) == "DeploymentConfigLimitExceededException"
    for props in (config_props("TimeBasedBurst"), config_props("TimeBasedCanary", 0, 5),
                  config_props("TimeBasedLinear", 10, 0)):
        with pytest.raises(AwsError) as e:
            World().cd.create_deployment_config(account=ACCOUNT, region=REGION, name="x", properties=props)
        assert _code(e) == "InvalidTrafficRoutingConfigurationException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.delete_deployment_config", "allowed")
def test_an_unused_custom_config_is_deleted():
    world = World(configs={"spare": config_props()})
    world.cd.delete_deployment_config(account=ACCOUNT, region=REGION, name="spare")
    with pytest.raises(ClientError) as e:
        world.client.get_deployment_config(deploymentConfigName="spare")
    assert _code(e) == "DeploymentConfigDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy.delete_deployment_config", "refused")
def test_a_config_a_group_uses_is_not_deleted():
    world = World(configs={"shared": config_props()}, group=group_props(config="shared"))
    with pytest.raises(AwsError) as e:
        world.cd.delete_deployment_config(account=ACCOUNT, region=REGION, name="shared")
    assert _code(e) == "DeploymentConfigInUseException"


def test_cloudformation_creates_configs_in_one_stack_and_groups_using_them_in_another():
    """The team runtime owns the configs; a service stack's group names one; the 51st config fails its stack."""
    world = World()
    cfn = FakeCloudFormation(world.aws, world.lam, account=ACCOUNT, region=REGION, providers=world.cd.providers())
    runtime = {"Resources": {f"Config{i}": {"Type": "AWS::CodeDeploy::DeploymentConfig", "Properties": {
        "DeploymentConfigName": f"seawall-payments-{i}", **config_props("TimeBasedCanary", 1 + i, 5)}}
        for i in range(MAX_CUSTOM_DEPLOYMENT_CONFIGS)}}
    cfn.deploy("seawall-payments-runtime", runtime)
    service = {"Resources": {
        "App": {"Type": "AWS::CodeDeploy::Application", "Properties": {"ApplicationName": "orders",
                                                                       "ComputePlatform": "Lambda"}},
        "Group": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {
            **group_props(config="seawall-payments-3"), "ApplicationName": {"Ref": "App"}}}}}
    cfn.deploy("payments-orders", service)
    info = world.client.get_deployment_group(applicationName="orders", deploymentGroupName=GROUP)
    assert info["deploymentGroupInfo"]["deploymentConfigName"] == "seawall-payments-3"
    extra = {"Resources": {"One": {"Type": "AWS::CodeDeploy::DeploymentConfig", "Properties": config_props()}}}
    with pytest.raises(StackOperationFailed, match="DeploymentConfigLimitExceededException"):
        cfn.deploy("payments-extra", extra)
    with pytest.raises(AwsError, match="DeploymentConfigInUseException"):
        cfn.delete("seawall-payments-runtime")


# ---------------------------------------------------------------------- the API


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_CreateDeployment", "allowed")
def test_a_deployment_after_the_last_one_completed_starts_with_the_overrides_given():
    world = World(configs={"linear-50-1": config_props("TimeBasedLinear", 50, 1)})
    first = world.deploy()
    world.run(until=60)
    assert world.status(first) == "Succeeded"
    world.alarms[ALARM] = "ALARM"
    back = world.deploy(app_spec("2", "1"), deploymentConfigName="linear-50-1",
                        overrideAlarmConfiguration={"enabled": False, "alarms": []},
                        autoRollbackConfiguration={"enabled": False})
    world.run(until=1000)
    assert world.status(back) == "Succeeded"  # the ALARM did not stop it: the override switched alarms off
    assert [(s.at - 60, s.version, dict(s.routing)) for s in world.cd.deployment(back).steps] == [
        (0, "2", {"1": 0.5}), (60, "1", {})]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_CreateDeployment", "refused")
def test_a_second_deployment_while_one_is_active_and_an_unknown_config_are_refused():
    world = World()
    first = world.deploy(app_spec(), deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent30Minutes")
    with pytest.raises(ClientError) as e:
        world.deploy()
    assert _code(e) == "DeploymentLimitExceededException"
    assert f"already has an active Deployment '{first}'" in str(e.value)
    with pytest.raises(ClientError) as e:
        world.deploy(deploymentConfigName="CodeDeployDefault.OneAtATime")
    assert _code(e) == "DeploymentConfigDoesNotExistException"
    with pytest.raises(ClientError) as e:
        world.client.create_deployment(applicationName=APP, deploymentGroupName="nope",
                                       revision={"revisionType": "AppSpecContent",
                                                 "appSpecContent": {"content": app_spec()}})
    assert _code(e) == "DeploymentGroupDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeployment", "allowed")
def test_get_deployment_answers_status_times_creator_and_the_appspec_hash():
    world = World()
    d = world.deploy()
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["creator"], info["computePlatform"]) == ("Created", "user", "Lambda")
    world.run(until=100)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert info["status"] == "Succeeded" and info["completeTime"] == world.aws.clock.at(0)
    assert info["revision"]["appSpecContent"]["sha256"]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeployment", "refused")
def test_get_deployment_never_returns_the_appspec_content_nor_another_accounts_deployment():
    world = World()
    d = world.deploy()
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert "content" not in info["revision"]["appSpecContent"]
    other = world.aws.session(account="222222222222", region=REGION).client("codedeploy")
    with pytest.raises(ClientError) as e:
        other.get_deployment(deploymentId=d)
    assert _code(e) == "DeploymentDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetApplicationRevision", "allowed")
def test_the_appspec_content_comes_back_from_get_application_revision_by_its_hash():
    world = World()
    d = world.deploy()
    sha = world.client.get_deployment(deploymentId=d)["deploymentInfo"]["revision"]["appSpecContent"]["sha256"]
    out = world.client.get_application_revision(
        applicationName=APP, revision={"revisionType": "AppSpecContent", "appSpecContent": {"sha256": sha}})
    assert out["revision"]["appSpecContent"]["content"] == app_spec()


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetApplicationRevision", "refused")
def test_get_application_revision_of_an_unknown_hash_is_refused():
    world = World()
    world.deploy()
    with pytest.raises(ClientError) as e:
        world.client.get_application_revision(
            applicationName=APP, revision={"revisionType": "AppSpecContent", "appSpecContent": {"sha256": "0" * 64}})
    assert _code(e) == "RevisionDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_StopDeployment", "allowed")
def test_stop_answers_pending_then_the_deployment_is_stopped_and_rolled_back():
    world = World(stop_seconds=20)
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=100)
    assert world.alias() == ("1", {"2": 0.1})
    assert world.client.stop_deployment(deploymentId=d, autoRollbackEnabled=True)["status"] == "Pending"
    assert world.status(d) == "InProgress"
    world.run(until=120)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "MANUAL_STOP"
    assert world.alias() == ("1", {})
    assert world.status(info["rollbackInfo"]["rollbackDeploymentId"]) == "Succeeded"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_StopDeployment", "refused")
def test_stopping_a_completed_deployment_is_refused():
    world = World(stop_seconds=0)
    d = world.deploy()
    world.run(until=100)
    with pytest.raises(ClientError) as e:
        world.client.stop_deployment(deploymentId=d)
    assert _code(e) == "DeploymentAlreadyCompletedException"


def test_stop_pending_lets_codedeploys_due_step_race_the_callers_own_revert():
    """Finding 9: StopDeployment answers Pending; the caller puts the alias back at once; CodeDeploy's traffic
    step due before the stop takes effect still moves it, then CodeDeploy's rollback puts it back again."""
    world = World(stop_seconds=30, configs={"linear-10-1": config_props("TimeBasedLinear", 10, 1)})
    d = world.deploy(deploymentConfigName="linear-10-1")
    world.run(until=170)  # 30 % since t=120, the next step due at t=180
    assert world.alias() == ("1", {"2": 0.3})
    assert world.client.stop_deployment(deploymentId=d, autoRollbackEnabled=True)["status"] == "Pending"
    lam = world.aws.session(account=ACCOUNT, region=REGION).client("lambda")
    lam.update_alias(FunctionName=FN, Name=ALIAS, FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}})
    world.run(until=185)
    assert world.alias() == ("1", {"2": 0.4})  # CodeDeploy's in-flight step undid the caller's revert
    world.run(until=230)
    assert world.alias() == ("1", {})
    assert [s for _, s in world.cd.deployment(d).transitions] == ["Created", "InProgress", "Stopped"]
    assert world.cd.deployment(d).stops[0].answer == "Pending"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_ListDeployments", "allowed")
def test_list_deployments_filters_by_group_and_status():
    world = World(stop_seconds=0)
    first = world.deploy()
    world.run(until=100)
    second = world.deploy(app_spec("2", "1"), deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=200)
    active = world.client.list_deployments(applicationName=APP, deploymentGroupName=GROUP,
                                           includeOnlyStatuses=["Created", "Queued", "InProgress", "Ready"])
    assert active["deployments"] == [second]
    everything = world.client.list_deployments(applicationName=APP, deploymentGroupName=GROUP)
    assert everything["deployments"] == [first, second]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_ListDeployments", "refused")
def test_list_deployments_with_an_application_but_no_group_is_refused():
    world = World()
    with pytest.raises(ClientError) as e:
        world.client.list_deployments(applicationName=APP)
    assert _code(e) == "DeploymentGroupNameRequiredException"
    with pytest.raises(ClientError) as e:
        world.client.list_deployments(applicationName=APP, deploymentGroupName="nope")
    assert _code(e) == "DeploymentGroupDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_PutLifecycleEventHookExecutionStatus", "allowed")
def test_a_hook_reporting_succeeded_lets_the_deployment_go_on():
    world = World()
    hooks = [{"BeforeAllowTraffic": "payments-api-pre"}, {"AfterAllowTraffic": "payments-api-post"}]
    d = world.deploy(app_spec(hooks=hooks))
    world.run(until=1000)
    assert world.status(d) == "Succeeded"
    assert [(t, fn) for t, fn, _ in world.invocations] == [(0, "payments-api-pre"), (30, "payments-api-post")]
    assert [r.status for r in world.cd.deployment(d).hook_runs] == ["Succeeded", "Succeeded"]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_PutLifecycleEventHookExecutionStatus", "refused")
def test_a_hook_status_other_than_succeeded_or_failed_or_a_second_report_is_refused():
    world = World(hook_answer=None)
    d = world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": "payments-api-pre"}]))
    world.run(until=10)
    payload = world.invocations[0][2]
    put = world.client.put_lifecycle_event_hook_execution_status
    with pytest.raises(ClientError) as e:
        put(deploymentId=d, lifecycleEventHookExecutionId=payload["LifecycleEventHookExecutionId"], status="Pending")
    assert _code(e) == "InvalidLifecycleEventHookExecutionStatusException"
    with pytest.raises(ClientError) as e:
        put(deploymentId=d, lifecycleEventHookExecutionId="made-up", status="Succeeded")
    assert _code(e) == "InvalidLifecycleEventHookExecutionIdException"
    put(deploymentId=d, lifecycleEventHookExecutionId=payload["LifecycleEventHookExecutionId"], status="Failed")
    with pytest.raises(ClientError) as e:
        put(deploymentId=d, lifecycleEventHookExecutionId=payload["LifecycleEventHookExecutionId"],
            status="Succeeded")
    assert _code(e) == "LifecycleEventAlreadyCompletedException"
    world.run(until=20)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert world.alias_history() == [("1", {})]  # the rollback put it where it was; traffic never moved


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeploymentGroup", "allowed")
def test_get_deployment_group_answers_its_configuration():
    info = World().client.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)["deploymentGroupInfo"]
    assert info["alarmConfiguration"] == {"enabled": True, "ignorePollAlarmFailure": False,
                                          "alarms": [{"name": ALARM}]}


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeploymentGroup", "refused")
def test_get_deployment_group_of_a_missing_group_is_refused():
    with pytest.raises(ClientError) as e:
        World().client.get_deployment_group(applicationName=APP, deploymentGroupName="nope")
    assert _code(e) == "DeploymentGroupDoesNotExistException"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeploymentConfig", "allowed")
def test_get_deployment_config_answers_predefined_lambda_configs():
    info = World().client.get_deployment_config(
        deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent15Minutes")["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"] == {"type": "TimeBasedCanary",
                                            "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15}}


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._op_GetDeploymentConfig", "refused")
def test_get_deployment_config_of_a_config_in_another_account_is_refused():
    world = World(configs={"mine": config_props()})
    other = world.aws.session(account="222222222222", region=REGION).client("codedeploy")
    with pytest.raises(ClientError) as e:
        other.get_deployment_config(deploymentConfigName="mine")
    assert _code(e) == "DeploymentConfigDoesNotExistException"


# ---------------------------------------------------------------------- the engine


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._validate", "allowed")
def test_an_appspec_whose_current_version_is_the_alias_version_deploys():
    world = World()
    d = world.deploy()
    world.run(until=10)
    assert world.status(d) == "Succeeded" and world.alias() == ("2", {})


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._validate", "refused")
@pytest.mark.parametrize(("content", "why"), [
    (app_spec("2", "1"), "alias version does not match the current version"),
    (app_spec("1", "1"), "TargetVersion must not equal CurrentVersion"),
    (app_spec("1", "7"), "Version 7 of api does not exist"),
    (app_spec("1", "$LATEST"), "valid positive integers"),
])
def test_an_appspec_that_does_not_match_the_alias_fails_without_moving_it(content, why):
    world = World()
    d = world.deploy(content)
    world.run(until=100)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "INVALID_LAMBDA_CONFIGURATION")
    assert why in info["errorInformation"]["message"]
    assert world.alias_history() == [] and "rollbackDeploymentId" not in info.get("rollbackInfo", {})


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._run_hook", "allowed")
def test_traffic_moves_only_after_before_allow_traffic_succeeded():
    world = World()
    d = world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": "payments-api-pre"}]))
    world.run(until=29)
    assert world.alias() == ("1", {}) and world.invocations[0][2] == {
        "DeploymentId": d, "LifecycleEventHookExecutionId": world.cd.deployment(d).hook_runs[0].execution_id}
    world.run(until=31)
    assert world.alias() == ("2", {})


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._run_hook", "refused")
def test_a_hook_that_never_reports_fails_the_deployment_after_an_hour():
    world = World(hook_answer=None)
    d = world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": "payments-api-pre"}]))
    world.run(until=3599)
    assert world.status(d) == "InProgress"
    world.run(until=3600)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert all(version == "1" and not routing for version, routing in world.alias_history())


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._start_traffic", "allowed")
@pytest.mark.parametrize(("config", "expected"), [
    ("CodeDeployDefault.LambdaCanary10Percent5Minutes", [(0, "1", {"2": 0.1}), (300, "2", {})]),
    ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
     [(60 * k, "1", {"2": round(0.1 * (k + 1), 4)}) for k in range(9)] + [(540, "2", {})]),
    ("CodeDeployDefault.LambdaAllAtOnce", [(0, "2", {})]),
])
def test_traffic_moves_through_the_configs_steps(config, expected):
    world = World()
    d = world.deploy(deploymentConfigName=config)
    world.run(until=3600)
    assert [(s.at, s.version, dict(s.routing)) for s in world.cd.deployment(d).steps] == expected
    assert world.alias_history() == [(v, r) for _, v, r in expected]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._start_traffic", "refused")
def test_a_canary_never_moves_everything_before_its_interval():
    world = World()
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent30Minutes")
    world.run(until=30 * 60 - 1)
    assert world.alias() == ("1", {"2": 0.1}) and world.status(d) == "InProgress"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._poll_alarms", "allowed")
def test_quiet_alarms_and_an_ignored_poll_failure_let_a_deployment_finish():
    world = World(group=group_props(ignore=True))
    del world.alarms[ALARM]  # CloudWatch has no such alarm
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=600)
    assert world.status(d) == "Succeeded"


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._poll_alarms", "refused")
@pytest.mark.parametrize(("state", "cause"), [("ALARM", "alarm"), (None, "alarm-poll-failure")])
def test_an_alarm_or_an_alarm_cloudwatch_cannot_return_stops_the_deployment_at_the_next_poll(state, cause):
    world = World(alarm_poll_seconds=60)
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=100)
    if state is None:
        del world.alarms[ALARM]
    else:
        world.alarms[ALARM] = state
    world.run(until=119)
    assert world.status(d) == "InProgress"
    world.run(until=120)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Stopped", "ALARM_ACTIVE")
    assert world.cd.deployment(d).stops[0].cause == cause


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._roll_back", "allowed")
def test_codedeploy_rolls_back_an_alarmed_deployment_as_a_new_deployment():
    world = World()
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=30)
    world.alarms[ALARM] = "ALARM"
    world.run(until=61)
    original = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    rollback_id = original["rollbackInfo"]["rollbackDeploymentId"]
    rollback = world.client.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback_id != d and rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == d
    assert rollback["status"] == "Succeeded"
    assert world.alias_history() == [("1", {"2": 0.1}), ("1", {})]
    assert [x.creator for x in world.cd.deployments] == ["user", "codeDeployRollback"]


@conforms("seawall.sim.codedeploy.FakeCodeDeploy._roll_back", "refused")
def test_no_rollback_when_the_stop_asks_for_none_or_the_group_does_not_roll_back_on_alarm():
    world = World(stop_seconds=0)
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=30)
    assert world.client.stop_deployment(deploymentId=d, autoRollbackEnabled=False)["status"] == "Succeeded"
    world.run(until=600)
    assert world.alias() == ("1", {"2": 0.1}) and len(world.cd.deployments) == 1
    world = World(group=group_props(events=["DEPLOYMENT_FAILURE"]))
    d = world.deploy(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    world.run(until=30)
    world.alarms[ALARM] = "ALARM"
    world.run(until=600)
    assert world.status(d) == "Stopped" and world.alias() == ("1", {"2": 0.1}) and len(world.cd.deployments) == 1


def test_every_operation_and_engine_rule_is_cited():
    rules = [n for n in vars(FakeCodeDeploy) if n.startswith("_op_")] + [
        "create_application", "put_deployment_group", "create_deployment_config", "delete_deployment_config",
        "_validate", "_run_hook", "_start_traffic", "_poll_alarms", "_roll_back"]
    uncited = [n for n in rules if f"seawall.sim.codedeploy.FakeCodeDeploy.{n}" not in CITATIONS]
    assert uncited == []


def test_unmodelled_features_fail_loudly_naming_them():
    world = World()
    with pytest.raises(Exception, match="does not model BatchGetDeployments"):
        world.client.batch_get_deployments(deploymentIds=["d-1"])
    with pytest.raises(Exception, match="revisionType='S3'"):
        world.client.create_deployment(applicationName=APP, deploymentGroupName=GROUP,
                                       revision={"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k"}})
    with pytest.raises(TypeError, match="scheduler"):
        FakeCodeDeploy(scheduler=None, lambda_=world.lam)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stop_seconds=-1"):
        FakeCodeDeploy(scheduler=world.scheduler, lambda_=world.lam, stop_seconds=-1)
