"""Scenarios of the release state machines, executed from the synthesized template in moto."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import AGGREGATE, PIPELINE, REGION, World

from seawall.model import BakePolicy, Target, TrafficPolicy
from seawall.model.contracts import (
    BakeInput,
    FunctionRelease,
    GateInput,
    PipelineRef,
    ReleaseStack,
    ShiftInput,
    TargetRef,
)
from seawall.model.naming import high_severity_alarm_name
from seawall.model.window import MON_THU, TimeWindow

TARGET = TargetRef.of(Target(region=REGION))
FN = "payments-api"
FN2 = "payments-worker"
BERLIN = ZoneInfo("Europe/Berlin")
#: The service's own high-severity composite, as SafeLambdaDeployment names it.
SERVICE_ALARM = high_severity_alarm_name("payments", "api", REGION)
#: The target's service stack, and the variable its deploy action's release token arrives in.
STACK = f"payments-api-{REGION}-Api"
TOKEN = "#{Deploy-Api.SeawallReleaseToken}"
CANARY = TrafficPolicy.canary(interval=timedelta(minutes=10)).predefined_config_name
PIPE = PipelineRef(name=PIPELINE)


def release(target_version: str = "2", function_name: str = FN, **kw: Any) -> FunctionRelease:
    return FunctionRelease(function_name=function_name, alias="live", target_version=target_version,
                           application=f"{function_name}-app", deployment_group=f"{function_name}-dg",
                           deployment_config=kw.pop("deployment_config", CANARY), **kw)


def token_of(execution_id: str) -> str:
    """The release token the deploy action of `execution_id` left in the stack."""
    return f"tok-{execution_id}"


def substituted(payload: dict[str, Any], execution_id: str = "exec-1", override: str = "false",
                token: str | None = None) -> dict[str, Any]:
    """What CodePipeline hands the state machine once it substituted the variables."""
    text = json.dumps(payload).replace("#{codepipeline.PipelineExecutionId}", execution_id)
    text = text.replace("#{variables.SeawallEmergencyOverride}", override)
    text = text.replace(TOKEN, token or token_of(execution_id))
    return json.loads(text)


def deploy(world: World, functions: list[FunctionRelease] | None = None, execution_id: str = "exec-1") -> None:
    """What the deploy action of `execution_id` leaves in the target: the stack's outputs and its token."""
    world.deploy_stack(STACK, functions or [release()], token_of(execution_id), service_alarms=(SERVICE_ALARM,))


def gate(world: World, window: TimeWindow, **team: Any) -> dict[str, Any]:
    """A gate input; the window and the gate's timing are the team runtime's (`team`: TeamSettings.of keywords)."""
    world.team(window=window, **team)
    return GateInput(target=TARGET, pipeline=PIPE).to_json()


def shift_payload() -> dict[str, Any]:
    return ShiftInput(target=TARGET, pipeline=PIPE, stacks=(ReleaseStack(stack_name=STACK, token=TOKEN),)).to_json()


def run_shift(world: World, functions: list[FunctionRelease] | None = None, execution_id: str = "exec-1",
              override: str = "false") -> dict[str, Any]:
    """Deploy `functions` in `execution_id`, then run its shift."""
    deploy(world, functions, execution_id)
    return world.run("shift", substituted(shift_payload(), execution_id, override))


def shift(world: World, override: str = "false", execution_id: str = "exec-1",
          traffic: TrafficPolicy | None = None) -> dict[str, Any]:
    config = (traffic or TrafficPolicy.canary(interval=timedelta(minutes=10))).predefined_config_name
    return run_shift(world, [release(deployment_config=config)], execution_id, override)


def bake_payload(shift_arn: str, policy: BakePolicy, max_wait: timedelta | None = None) -> dict[str, Any]:
    return BakeInput.of(target=TARGET, pipeline=PIPE, stacks=[ReleaseStack(stack_name=STACK, token=TOKEN)],
                        bake=policy, shift_execution_arn=shift_arn, max_wait=max_wait).to_json()


def bake(world: World, shift_arn: str, policy: BakePolicy, override: str = "false",
         execution_id: str = "exec-1", max_wait: timedelta | None = None) -> dict[str, Any]:
    return world.run("bake", substituted(bake_payload(shift_arn, policy, max_wait), execution_id, override))


ALWAYS = TimeWindow.always(time_zone="Europe/Berlin")
HOUR = timedelta(hours=1)


@pytest.fixture
def shifted(world: World) -> str:
    """A service whose alias moved from 1 to 2 through a successful shift; returns the shift's execution ARN."""
    world.composite_alarm(AGGREGATE, "OK")
    world.composite_alarm(SERVICE_ALARM, "OK")  # the deploy created it
    world.service_function(FN)
    d = shift(world)
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert world.alias_version(FN) == "2"
    return d["executionArn"]


# ----------------------------------------------------------------------------- bake


def test_quiet_bake_passes_only_after_time_and_data_points(world: World, shifted: str) -> None:
    start = world.clock.now()
    # Invocations trickle in: 30 per 10 minutes, so 100 are reached after ~40 minutes; the bake is 1 h.
    for minute in range(0, 180, 10):
        world.invocations_metric(FN, 30, start + timedelta(minutes=minute, seconds=30))
    d = bake(world, shifted, BakePolicy(duration=HOUR, min_data_points=100))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    checks = world.task_outputs(d, "Check bake")
    final = checks[-1]["check"]
    assert final["verdict"] == "PASS"
    assert final["elapsedSeconds"] >= 3600 and final["dataPoints"] >= 100
    # not earlier: every earlier check lacked time
    assert all(c["check"]["verdict"] == "WAIT" for c in checks[:-1])
    assert all(w <= 60 for w in world.waits)


def test_quiet_bake_waits_for_data_points_after_the_time(world: World, shifted: str) -> None:
    start = world.clock.now()
    world.invocations_metric(FN, 40, start + timedelta(minutes=5))
    world.invocations_metric(FN, 70, start + timedelta(minutes=95))  # 100 reached only after 95 minutes
    d = bake(world, shifted, BakePolicy(duration=HOUR, min_data_points=100))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    final = world.task_outputs(d, "Check bake")[-1]["check"]
    assert final["elapsedSeconds"] >= 95 * 60 and final["dataPoints"] == 110


def test_alarm_during_bake_reverts_alias_and_fails_naming_the_alarm(world: World, shifted: str) -> None:
    world.invocations_metric(FN, 500)
    world.alarm_changes_on_check(4, AGGREGATE, "ALARM")  # the aggregate alarms after a few turns of the bake
    d = bake(world, shifted, BakePolicy(duration=HOUR, min_data_points=100))
    assert d["status"] == "FAILED"
    assert AGGREGATE in d["cause"] and "ALARM" in d["cause"]
    assert world.alias_version(FN) == "1"
    assert world.alias_updates == [(FN, "live", "1")]  # the bake's revert, nothing else
    names = world.entered(d)
    i = names.index("Revert to previous versions")
    assert names[i - 2:i] == ["Check bake", "Bake verdict"]  # nothing waits between detection and revert


def test_service_alarm_not_yet_in_the_aggregate_reverts_during_the_bake(world: World, shifted: str) -> None:
    # A first deploy: the aggregate does not list the service yet and stays OK; its own composite alarms.
    world.invocations_metric(FN, 500)
    world.alarm_changes_on_check(3, SERVICE_ALARM, "ALARM")
    d = bake(world, shifted, BakePolicy(duration=HOUR, min_data_points=100))
    assert d["status"] == "FAILED"
    assert SERVICE_ALARM in d["cause"] and "ALARM" in d["cause"] and "reverted" in d["cause"]
    assert world.alias_version(FN) == "1"
    assert world.lam.get_alias(FunctionName=FN, Name="live")["FunctionVersion"] == "1"
    (check,) = [c["check"] for c in world.task_outputs(d, "Check bake") if c["check"]["verdict"] == "ALARM"]
    assert check["alarm"] == SERVICE_ALARM


def test_missing_service_alarm_fails_the_bake_closed(world: World, shifted: str) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    del cloudwatch_backends["123456789012"][REGION].alarms[SERVICE_ALARM]
    world.invocations_metric(FN, 500)
    d = bake(world, shifted, BakePolicy(duration=timedelta(0), min_data_points=0))
    assert d["status"] == "FAILED"
    assert SERVICE_ALARM in d["cause"] and "high-severity" in d["cause"] and "SafeLambdaDeployment" in d["cause"]
    assert "aggregate" not in d["cause"]  # the aggregate exists; only the service's own alarm is missing
    assert "Bake passed" not in world.entered(d)


def test_too_few_data_points_waits_then_fails_at_its_limit(world: World, shifted: str) -> None:
    world.invocations_metric(FN, 12)
    d = bake(world, shifted, BakePolicy(duration=HOUR, min_data_points=100), max_wait=2 * HOUR)
    assert d["status"] == "FAILED"
    assert "only 12 of 100 Invocations" in d["cause"] and "limit of 2h" in d["cause"]
    assert sum(world.waits) >= 2 * 3600
    assert world.alias_version(FN) == "2"  # no alarm: no revert; the stage rollback handles it


def test_cloudwatch_throttling_fails_the_bake_closed(world: World, shifted: str, monkeypatch: Any) -> None:
    from moto.cloudwatch.exceptions import CloudWatchException
    from moto.cloudwatch.models import CloudWatchBackend

    class Throttling(CloudWatchException):
        code = "Throttling"

    calls = {"n": 0}

    def throttled(self: Any, names: Any) -> Any:
        calls["n"] += 1
        raise Throttling("Rate exceeded")

    monkeypatch.setattr(CloudWatchBackend, "get_alarms_by_alarm_names", throttled)
    world.invocations_metric(FN, 500)
    d = bake(world, shifted, BakePolicy(duration=timedelta(0), min_data_points=0))
    assert d["status"] == "FAILED"
    assert "ThrottledError" in d["cause"] and "Rate exceeded" in d["cause"]
    checks = [n for n, _ in world.invocations if n.startswith("ReleaseBakeCheck")]
    assert calls["n"] == len(checks) == 5  # the synthesized Retry ran: 1 attempt + 4 retries, then Catch
    assert "Bake failed closed" in world.entered(d)


def test_override_shortens_bake_to_its_floor(world: World, shifted: str) -> None:
    world.invocations_metric(FN, 500)
    policy = BakePolicy(duration=4 * HOUR, min_data_points=100, override_floor=timedelta(minutes=20))
    d = bake(world, shifted, policy, override="true: incident 42")
    assert d["status"] == "SUCCEEDED", d.get("cause")
    final = world.task_outputs(d, "Check bake")[-1]["check"]
    assert final["bakeSeconds"] == 20 * 60
    assert 20 * 60 <= final["elapsedSeconds"] < 22 * 60


def test_rollback_execution_skips_the_bake(world: World, shifted: str) -> None:
    world.execution_types["exec-rb"] = "ROLLBACK"
    world.set_alarm(AGGREGATE, "ALARM")  # the alarm the rollback is fixing
    d = bake(world, shifted, BakePolicy(duration=HOUR), execution_id="exec-rb")
    assert d["status"] == "SUCCEEDED"
    assert "Rollback skips the bake" in world.entered(d)
    assert "Check bake" not in world.entered(d)


# ----------------------------------------------------------------------------- gate


def test_gate_friday_evening_proceeds_monday_0900_in_window_zone(world: World) -> None:
    world.composite_alarm(AGGREGATE, "OK")
    world.clock.t = datetime(2025, 6, 6, 17, 0, tzinfo=BERLIN)  # a Friday
    window = TimeWindow(time_zone="Europe/Berlin", days=MON_THU, start=time(9), end=time(16))
    d = world.run("gate", substituted(gate(world, window)))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    opened = [o["windowCheck"] for o in world.task_outputs(d, "Check time window")]
    assert [o["verdict"] for o in opened] == ["CLOSED", "OPEN"]
    at = datetime.fromisoformat(opened[-1]["checkedAt"]).astimezone(BERLIN)
    assert at == datetime(2025, 6, 9, 9, 0, tzinfo=BERLIN)  # Monday 09:00 Berlin, not earlier
    quiet = world.task_outputs(d, "Check alarms")[-1]["alarmCheck"]
    assert datetime.fromisoformat(quiet["checkedAt"]) >= at


def test_gate_blocks_while_aggregate_in_alarm_and_proceeds_once_ok(world: World) -> None:
    world.composite_alarm(AGGREGATE, "ALARM")
    world.alarm_changes_on_check(3, AGGREGATE, "OK")
    d = world.run("gate", substituted(gate(world, ALWAYS)))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    verdicts = [o["alarmCheck"]["verdict"] for o in world.task_outputs(d, "Check alarms")]
    assert verdicts == ["BLOCKED", "BLOCKED", "QUIET"]


def test_gate_in_alarm_gives_up_at_its_limit(world: World) -> None:
    world.composite_alarm(AGGREGATE, "INSUFFICIENT_DATA")
    payload = gate(world, ALWAYS, gate_max_wait=timedelta(hours=2), gate_poll=timedelta(minutes=20))
    d = world.run("gate", substituted(payload))
    assert d["status"] == "FAILED"
    assert AGGREGATE in d["cause"] and "INSUFFICIENT_DATA" in d["cause"] and "gave up" in d["cause"]
    assert "Step may start" not in world.entered(d)


def test_gate_missing_aggregate_fails_with_the_fix(world: World) -> None:
    d = world.run("gate", substituted(gate(world, ALWAYS)))
    assert d["status"] == "FAILED"
    assert AGGREGATE in d["cause"] and "deploy the team monitoring stack" in d["cause"]


def test_gate_throttled_cloudwatch_never_passes(world: World, monkeypatch: Any) -> None:
    from moto.cloudwatch.exceptions import CloudWatchException
    from moto.cloudwatch.models import CloudWatchBackend

    class Throttling(CloudWatchException):
        code = "Throttling"

    world.composite_alarm(AGGREGATE, "OK")
    monkeypatch.setattr(CloudWatchBackend, "get_alarms_by_alarm_names",
                        lambda self, names: (_ for _ in ()).throw(Throttling("Rate exceeded")))
    d = world.run("gate", substituted(gate(world, ALWAYS)))
    assert d["status"] == "FAILED"
    assert "Gate failed closed" in world.entered(d) and "Rate exceeded" in d["cause"]


def test_gate_override_skips_window_and_alarms(world: World) -> None:
    world.composite_alarm(AGGREGATE, "ALARM")
    world.clock.t = datetime(2025, 6, 7, 3, 0, tzinfo=BERLIN)  # Saturday night
    window = TimeWindow(time_zone="Europe/Berlin", days=MON_THU, start=time(9), end=time(16))
    d = world.run("gate", substituted(gate(world, window), override="true: incident 42"))
    assert d["status"] == "SUCCEEDED"
    assert "Override skips window and alarms" in world.entered(d)
    assert "Check time window" not in world.entered(d) and "Check alarms" not in world.entered(d)


def test_gate_rollback_passes_through(world: World) -> None:
    world.composite_alarm(AGGREGATE, "ALARM")
    world.execution_types["exec-rb"] = "ROLLBACK"
    d = world.run("gate", substituted(gate(world, ALWAYS), execution_id="exec-rb"))
    assert d["status"] == "SUCCEEDED"
    assert "Rollback passes the gate" in world.entered(d)


def test_malformed_override_fails_closed(world: World) -> None:
    world.composite_alarm(AGGREGATE, "ALARM")
    d = world.run("gate", substituted(gate(world, ALWAYS), override="#{variables.SeawallEmergencyOverride}"))
    assert d["status"] == "FAILED" and "InvalidInputError" in d["cause"]


# ----------------------------------------------------------------------------- shift


def test_shift_uses_step_config_and_records_previous_version(world: World) -> None:
    world.service_function(FN)
    d = shift(world)
    assert d["status"] == "SUCCEEDED", d.get("cause")
    out = json.loads(d["output"])
    assert out["functions"][0]["previousVersion"] == "1" and out["functions"][0]["changed"] is True
    (dep,) = world.deployments()
    assert dep.deployment_config_name == "CodeDeployDefault.LambdaCanary10Percent10Minutes"
    spec = json.loads(dep.revision["appSpecContent"]["content"])
    assert spec["Resources"][0][FN]["Properties"] == {"Name": FN, "Alias": "live", "CurrentVersion": "1",
                                                      "TargetVersion": "2"}


def test_shift_leaves_unchanged_functions_alone(world: World) -> None:
    world.service_function(FN, live="2")
    d = shift(world)
    assert d["status"] == "SUCCEEDED"
    assert world.deployments() == []
    assert json.loads(d["output"])["functions"][0]["changed"] is False


def test_shift_stopped_by_codedeploy_fails_alias_unchanged(world: World) -> None:
    world.service_function(FN)
    world.deploy_outcome = "Stopped"
    d = shift(world)
    assert d["status"] == "FAILED"
    assert "Stopped" in d["cause"] and FN in d["cause"]
    # The harness moves the alias only when a deployment succeeds; this one reached Stopped instead,
    # and nothing else (no revert, no retry) touched the alias.
    (dep,) = world.deployments()
    assert dep.status == "Stopped"
    assert world.alias_updates == []
    assert world.alias_version(FN) == "1"


def test_failed_shift_puts_a_sibling_that_already_succeeded_back(world: World) -> None:
    # Two functions: FN's deployment succeeds (alias on 2), FN2's fails (CodeDeploy rolls it back).
    # The step fails and neither function stays on the new version.
    world.service_function(FN)
    world.service_function(FN2)
    world.deploy_outcomes = {FN: "Succeeded", FN2: "Failed"}
    d = run_shift(world, [release(), release(function_name=FN2)])
    assert d["status"] == "FAILED"
    assert world.alias_version(FN) == "1" and world.alias_version(FN2) == "1"
    assert world.alias_updates == [(FN, "live", "1")]  # the revert of the succeeded sibling, by the status task
    alias = world.lam.get_alias(FunctionName=FN, Name="live")
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert f"{FN2}: deployment" in d["cause"] and "Failed" in d["cause"]
    assert f"back on their previous version with UpdateAlias: {FN} (2 -> 1)" in d["cause"]
    assert "CodeDeploy rolled the alias back" not in d["cause"]


def test_failed_shift_keeps_going_when_stopping_a_sibling_fails(world: World) -> None:
    from seawall.lambdas.release import common
    from seawall.lambdas.release import shift as shift_module

    calls: list[str] = []

    class Deny:
        def stop_deployment(self, **kw: Any) -> Any:
            calls.append(kw["deploymentId"])
            raise common.AwsApiError("CodeDeploy StopDeployment failed (AccessDeniedException): denied")

    states = {"a": {"status": "InProgress", "deploymentId": "d-a"}, "b": {"status": "Failed", "deploymentId": "d-b"},
              "c": {"status": "Created", "deploymentId": "d-c"}}
    message = shift_module._fail_siblings("t", REGION, Deny(), states, {"b": states["b"]}, {})
    assert calls == ["d-a", "d-c"]
    assert "could NOT stop a" in message and "could NOT stop c" in message and "by hand" in message


def test_rollback_shift_moves_the_alias_without_codedeploy(world: World) -> None:
    # After a bake revert the alarms usually still are in ALARM; a CodeDeploy deployment watched by the
    # group's alarms would be stopped by them.  The rollback moves the alias itself.
    world.composite_alarm(AGGREGATE, "ALARM")
    world.service_function(FN, live="2")
    world.execution_types["exec-rb"] = "ROLLBACK"
    d = run_shift(world, [release("1")], "exec-rb")
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert world.deployments() == []
    assert world.alias_updates == [(FN, "live", "1")]
    assert world.alias_version(FN) == "1"
    alias = world.lam.get_alias(FunctionName=FN, Name="live")
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    out = json.loads(d["output"])
    assert out["rollback"] is True and out["deploymentConfig"] == "UpdateAlias"
    assert out["functions"][0]["previousVersion"] == "2" and out["functions"][0]["changed"] is True


def test_rollback_shift_stops_a_deployment_in_flight_and_clears_a_split_alias(world: World) -> None:
    # The stage failed while CodeDeploy was shifting FN 2 -> 3 (alias split 2 / 3 at 10 %) and FN2 2 -> 3;
    # the rollback execution puts FN back on 1 and FN2 on 2 (its primary, split): no "another deployment
    # is shifting it" error.
    world.service_function(FN, versions=3, live="2")
    world.service_function(FN2, versions=3, live="2")
    in_flight = {}
    for name in (FN, FN2):
        world.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                               RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
        in_flight[name] = world.cd.create_deployment(applicationName=f"{name}-app",
                                                     deploymentGroupName=f"{name}-dg")["deploymentId"]
    world.alias_updates.clear()
    world.composite_alarm(AGGREGATE, "ALARM")
    world.execution_types["exec-rb"] = "ROLLBACK"
    d = run_shift(world, [release("1"), release("2", function_name=FN2)], "exec-rb")
    assert d["status"] == "SUCCEEDED", d.get("cause")
    # Stopped without CodeDeploy's automatic rollback: the rollback moves the alias itself.
    assert sorted(world.stopped) == sorted((in_flight[n], False) for n in (FN, FN2))
    assert world.alias_updates == [(FN, "live", "1"), (FN2, "live", "2")]
    for name, version in ((FN, "1"), (FN2, "2")):
        alias = world.lam.get_alias(FunctionName=name, Name="live")
        assert alias["FunctionVersion"] == version
        assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    out = json.loads(d["output"])
    assert [f["stoppedDeployments"] for f in out["functions"]] == [[in_flight[FN]], [in_flight[FN2]]]
    assert all(f["changed"] for f in out["functions"])


def test_standard_shift_still_refuses_a_split_alias(world: World) -> None:
    world.service_function(FN, versions=3, live="1")
    world.lam.update_alias(FunctionName=FN, Name="live", FunctionVersion="1",
                           RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
    d = shift(world)
    assert d["status"] == "FAILED" and "another deployment is shifting it" in d["cause"]
    assert world.deployments() == [] and world.stopped == []


def test_shift_start_failing_half_way_stops_what_it_started(world: World) -> None:
    from moto.codedeploy.exceptions import CodeDeployException
    from moto.codedeploy.models import CodeDeployBackend

    world.service_function(FN)
    world.service_function(FN2)
    world.inject(CodeDeployBackend, "create_deployment",
                 CodeDeployException("AccessDeniedException", "not authorized to perform codedeploy:CreateDeployment"),
                 on_call=2)
    d = run_shift(world, [release(), release(function_name=FN2)])
    assert d["status"] == "FAILED"
    assert "AccessDeniedException" in d["cause"] and FN2 in d["cause"] and "ShiftStartFailedError" in d["cause"]
    (first,) = world.deployments()  # the second was denied
    assert world.stopped == [(first.deployment_id, True)]  # with CodeDeploy's automatic rollback
    assert first.status == "Stopped" and FN in d["cause"]
    assert world.alias_version(FN) == "1" and world.alias_version(FN2) == "1"
    starts = [n for n, _ in world.invocations if n.startswith("ReleaseShiftStart")]
    assert len(starts) == 1  # not retried: a retry would start the first function again
    assert "Shift failed closed" in world.entered(d)


def test_shift_create_deployment_denied_fails_alias_unchanged(world: World) -> None:
    from moto.codedeploy.exceptions import CodeDeployException
    from moto.codedeploy.models import CodeDeployBackend

    world.service_function(FN)
    world.inject(CodeDeployBackend, "create_deployment",
                 CodeDeployException("AccessDeniedException", "not authorized to perform codedeploy:CreateDeployment"))
    d = shift(world)
    assert d["status"] == "FAILED"
    assert "AccessDeniedException" in d["cause"] and "CreateDeployment" in d["cause"]
    assert world.deployments() == [] and world.stopped == [] and world.alias_updates == []
    assert world.alias_version(FN) == "1"
    assert "Deployments done?" not in world.entered(d)


def test_shift_missing_alias_fails_with_a_clear_cause(world: World) -> None:
    from moto.awslambda.exceptions import UnknownAliasException
    from moto.awslambda.models import LambdaBackend

    world.service_function(FN)
    world.inject(LambdaBackend, "get_alias",
                 UnknownAliasException(f"arn:aws:lambda:{REGION}:123456789012:function:{FN}:live"))
    d = shift(world)
    assert d["status"] == "FAILED"
    assert "ResourceNotFoundException" in d["cause"] and f"GetAlias {FN}:live" in d["cause"]
    assert "does not exist" in d["cause"] and "service stack deployed" in d["cause"]
    assert world.deployments() == []


def hooked(target_version: str = "2") -> FunctionRelease:
    return release(target_version, pre_traffic_hook=f"{FN}-pre-traffic", post_traffic_hook=f"{FN}-post-traffic")


def test_shift_puts_the_traffic_hooks_into_the_appspec(world: World) -> None:
    world.service_function(FN)
    d = run_shift(world, [hooked()])
    assert d["status"] == "SUCCEEDED", d.get("cause")
    (dep,) = world.deployments()
    spec = json.loads(dep.revision["appSpecContent"]["content"])
    assert spec["Hooks"] == [{"BeforeAllowTraffic": f"{FN}-pre-traffic"},
                             {"AfterAllowTraffic": f"{FN}-post-traffic"}]
    assert spec["Resources"][0][FN]["Properties"]["TargetVersion"] == "2"


def test_shift_without_hooks_writes_no_hooks_section(world: World) -> None:
    world.service_function(FN)
    assert shift(world)["status"] == "SUCCEEDED"
    (dep,) = world.deployments()
    assert "Hooks" not in json.loads(dep.revision["appSpecContent"]["content"])


def test_rollback_shift_runs_no_traffic_hooks(world: World) -> None:
    world.service_function(FN, live="2")
    world.execution_types["exec-rb"] = "ROLLBACK"
    d = run_shift(world, [hooked("1")], "exec-rb")
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert world.deployments() == []  # no CodeDeploy deployment, so no lifecycle hooks run
    invoked = {n for n, _ in world.invocations}
    assert not any("pre-traffic" in n or "post-traffic" in n for n in invoked)
    assert world.alias_updates == [(FN, "live", "1")]


# ----------------------------------------------------------------------------- history budget


def _events_per_turn(d: dict[str, Any], state: str) -> set[int]:
    starts = [i for i, e in enumerate(d["history"])
              if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == state]
    return {b - a for a, b in zip(starts, starts[1:], strict=False)}


def test_one_poll_turn_costs_the_history_events_the_limits_assume(world: World, shifted: str) -> None:
    from seawall.model.contracts import BAKE_EVENTS_PER_TURN
    from seawall.model.policies import SHIFT_EVENTS_PER_TURN

    d = bake(world, shifted, BakePolicy(duration=timedelta(minutes=10), min_data_points=0))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert _events_per_turn(d, "Check bake") == {BAKE_EVENTS_PER_TURN}
    world.service_function(FN2)
    d = run_shift(world, [release(function_name=FN2)], "exec-2")
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert _events_per_turn(d, "Check deployments") == {SHIFT_EVENTS_PER_TURN}


# ----------------------------------------------------------------------------- the stacks belong to this execution


def test_bake_refuses_a_manifest_that_belongs_to_another_execution(world: World, shifted: str) -> None:
    # exec-1 shifted; then exec-2 deployed the stack again (its own versions, its own token).  exec-1's bake
    # must not watch -- or revert -- what exec-2 deployed.
    deploy(world, [release("3")], execution_id="exec-2")
    world.invocations_metric(FN, 500)
    world.set_alarm(SERVICE_ALARM, "ALARM")  # would revert, if the bake went on
    d = bake(world, shifted, BakePolicy(duration=timedelta(0), min_data_points=0))
    assert d["status"] == "FAILED"
    assert f"stack {STACK} holds release token 'tok-exec-2'" in d["cause"]
    assert "'tok-exec-1'" in d["cause"] and "another execution deployed the stack since" in d["cause"]
    names = world.entered(d)
    assert "Bake failed closed" in names
    assert "Read previous versions" not in names and "Check bake" not in names and "Bake passed" not in names
    assert world.alias_updates == [] and world.alias_version(FN) == "2"
    assert world.describe_stacks == [STACK, STACK]  # the shift's context task and the bake's read the stack


def test_shift_refuses_a_manifest_that_belongs_to_another_execution(world: World) -> None:
    world.service_function(FN)
    deploy(world, [release("2")], execution_id="exec-2")
    d = world.run("shift", substituted(shift_payload(), "exec-1"))  # exec-1's deploy left tok-exec-1
    assert d["status"] == "FAILED"
    assert "holds release token 'tok-exec-2'" in d["cause"] and "fails closed" in d["cause"]
    assert "Start deployments" not in world.entered(d)
    assert world.deployments() == [] and world.alias_updates == [] and world.alias_version(FN) == "1"


def test_shift_fails_closed_when_the_stack_is_missing(world: World) -> None:
    world.service_function(FN)
    d = world.run("shift", substituted(shift_payload()))  # no deploy happened
    assert d["status"] == "FAILED"
    assert f"stack {STACK} does not exist in this region and account" in d["cause"]
    assert world.deployments() == [] and world.alias_version(FN) == "1"


def test_rollback_shift_releases_what_the_stack_holds_whatever_the_token(world: World) -> None:
    # A rollback's deploy re-publishes the old code under a new number, so its token is new while the
    # input's variable may be the execution rolled back to (AWS: a rollback "will use the variables ... from
    # the execution to which it is rolling back"): the rollback moves the alias to what the stack holds.
    world.service_function(FN, versions=3, live="2")
    world.execution_types["exec-rb"] = "ROLLBACK"
    deploy(world, [release("3")], execution_id="exec-rb")
    d = world.run("shift", substituted(shift_payload(), "exec-rb", token=token_of("exec-0")))
    assert d["status"] == "SUCCEEDED", d.get("cause")
    assert world.alias_updates == [(FN, "live", "3")] and world.deployments() == []


def test_the_shift_uses_each_functions_own_deployment_config_from_the_stack(world: World) -> None:
    world.service_function(FN)
    d = run_shift(world, [release(deployment_config="CodeDeployDefault.LambdaLinear10PercentEvery1Minute")])
    assert d["status"] == "SUCCEEDED", d.get("cause")
    (dep,) = world.deployments()
    assert dep.deployment_config_name == "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
