"""The release contract: each document round-trips, refuses placeholders and names the bad field."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from seawall.model import BakePolicy, Target
from seawall.model.contracts import (
    FUNCTION_OUTPUT_PREFIX,
    RELEASE_TOKEN_OUTPUT,
    SERVICE_ALARMS_OUTPUT,
    BakeInput,
    FunctionRelease,
    GateInput,
    PipelineRef,
    ReleaseManifest,
    ReleaseStack,
    ShiftInput,
    StaleReleaseError,
    TargetRef,
    TeamSettings,
    manifest_from_stacks,
)
from seawall.model.window import TimeWindow

TARGET = TargetRef.of(Target(region="eu-west-1", account="222222222222", cell="cell-1"))
PIPE = PipelineRef(name="payments-api", region="us-east-1",
                   role_arn="arn:aws:iam::111111111111:role/seawall-payments-pipeline-reader")
STACK = ReleaseStack(stack_name="payments-api-eu-west-1-cell-1-Api", token="#{Deploy-Api.SeawallReleaseToken}")
FN = FunctionRelease(function_name="payments-api", target_version="7", application="app", deployment_group="dg",
                     deployment_config="CodeDeployDefault.LambdaCanary10Percent10Minutes",
                     pre_traffic_hook="payments-api-pre")


def substituted(doc: dict, token: str = "3.4") -> str:
    text = json.dumps(doc).replace("#{codepipeline.PipelineExecutionId}", "exec-1")
    text = text.replace("#{variables.SeawallEmergencyOverride}", "true: incident 7")
    return text.replace("#{Deploy-Api.SeawallReleaseToken}", token).replace(
        "#{Shift.ExecutionArn}", "arn:aws:states:eu-west-1:222222222222:execution:seawall-payments-shift:x")


def test_each_input_round_trips_once_substituted() -> None:
    gate = GateInput(target=TARGET, pipeline=PIPE)
    shift = ShiftInput(target=TARGET, pipeline=PIPE, stacks=(STACK,))
    bake = BakeInput.of(target=TARGET, pipeline=PIPE, stacks=[STACK], bake=BakePolicy(duration=timedelta(hours=1)),
                        shift_execution_arn="#{Shift.ExecutionArn}")
    g = GateInput.from_json(substituted(gate.to_json()))
    assert g.target == TARGET and g.pipeline.execution_id == "exec-1" and g.override_reason == "incident 7"
    s = ShiftInput.from_json(json.loads(substituted(shift.to_json())))
    assert s.stacks == (ReleaseStack(stack_name=STACK.stack_name, token="3.4"),)
    b = BakeInput.from_json(substituted(bake.to_json()))
    assert (b.seconds, b.max_wait_seconds, b.metric) == (3600, 3600 + 24 * 3600, "Invocations")
    assert b.effective_seconds == b.override_seconds < b.seconds  # the override shortens, never removes


@pytest.mark.parametrize("cls", [GateInput, ShiftInput])
def test_an_unsubstituted_placeholder_is_refused_naming_the_field(cls: type) -> None:
    doc = (GateInput(target=TARGET, pipeline=PIPE) if cls is GateInput
           else ShiftInput(target=TARGET, pipeline=PIPE, stacks=(STACK,))).to_json()
    doc["override"] = "false"
    with pytest.raises(ValueError, match=r"input.pipeline.executionId=.*unsubstituted"):
        cls.from_json(doc)


def test_a_stack_token_left_unsubstituted_is_refused() -> None:
    doc = json.loads(substituted(ShiftInput(target=TARGET, pipeline=PIPE, stacks=(STACK,)).to_json()))
    doc["stacks"][0]["token"] = "#{Deploy-Api.SeawallReleaseToken}"
    with pytest.raises(ValueError, match=r"input.stacks\[0\].token=.*unsubstituted"):
        ShiftInput.from_json(doc)


def test_wrong_kind_schema_and_override_are_refused() -> None:
    doc = json.loads(substituted(GateInput(target=TARGET, pipeline=PIPE).to_json()))
    with pytest.raises(ValueError, match="kind='seawall.gate' is not 'seawall.shift'"):
        ShiftInput.from_json(doc)
    with pytest.raises(ValueError, match="schema=2 is not 3; rebuild the pipeline"):
        GateInput.from_json({**doc, "schema": 2})
    with pytest.raises(ValueError, match="override='yes' is not understood"):
        GateInput.from_json({**doc, "override": "yes"})


def test_function_release_round_trips_and_validates_the_version() -> None:
    assert FunctionRelease.from_json(json.dumps(FN.to_json())) == FN
    assert FN.hooks == [{"BeforeAllowTraffic": "payments-api-pre"}]
    with pytest.raises(ValueError, match=r"f.version='\$LATEST' must be a published version"):
        FunctionRelease.from_json({**FN.to_json(), "version": "$LATEST"}, "f")
    with pytest.raises(ValueError, match=r"f.deploymentConfig=None"):
        FunctionRelease.from_json({k: v for k, v in FN.to_json().items() if k != "deploymentConfig"}, "f")


def test_the_one_box_rollback_composite_round_trips_as_one_box_alarm() -> None:
    rollback = "payments-api-eu-west-1-cell-1-api-one-box-rollback"
    fn = dataclasses.replace(FN, one_box_alarm=rollback)
    assert fn.to_json()["oneBoxAlarm"] == rollback
    assert FunctionRelease.from_json(json.dumps(fn.to_json())) == fn
    # Through the stack outputs and the manifest the bake reads, too.
    stack = ReleaseStack(stack_name=STACK.stack_name, token="3.4")
    m = manifest_from_stacks([stack], {STACK.stack_name: {**outputs(), f"{FUNCTION_OUTPUT_PREFIX}Api":
                                                          json.dumps(fn.to_json())}})
    assert ReleaseManifest.from_json(json.dumps(m.to_json())).functions[0].one_box_alarm == rollback
    # Absent (a stack deployed before one-box alarms left the service composite) it is None, and not emitted.
    assert "oneBoxAlarm" not in FN.to_json() and FunctionRelease.from_json(FN.to_json()).one_box_alarm is None
    with pytest.raises(ValueError, match=r"FunctionRelease.one_box_alarm"):
        FunctionRelease.from_json({**fn.to_json(), "oneBoxAlarm": "x" * 256})


@pytest.mark.parametrize(("parse", "match"), [
    (lambda: PipelineRef.from_json({**PIPE.to_json(), "roleArn": PIPE.role_arn + "\n", "executionId": "e"}),
     r"pipeline.roleArn='arn:aws:iam::111111111111:role/seawall-payments-pipeline-reader\\n' is not an IAM role ARN"),
    (lambda: FunctionRelease.from_json({**FN.to_json(), "alias": "live\n"}, "f"),
     r"f.alias='live\\n' is not a Lambda alias name"),
    (lambda: ReleaseStack(stack_name=STACK.stack_name + "\n", token="3.4"),
     r"stack_name='payments-api-eu-west-1-cell-1-Api\\n' must be a CloudFormation stack name"),
])
def test_a_name_ending_in_a_newline_is_refused(parse, match: str) -> None:
    # `$` matches before a trailing newline; the names are matched whole.
    with pytest.raises(ValueError, match=match):
        parse()


def outputs(token: str = "3.4", **extra: str) -> dict[str, str]:
    return {RELEASE_TOKEN_OUTPUT: token, f"{FUNCTION_OUTPUT_PREFIX}Api": json.dumps(FN.to_json()),
            SERVICE_ALARMS_OUTPUT: '["payments-api-eu-west-1-cell-1-high-severity"]', **extra}


def test_manifest_from_the_stack_outputs_of_this_execution() -> None:
    stack = ReleaseStack(stack_name=STACK.stack_name, token="3.4")
    m = manifest_from_stacks([stack], {STACK.stack_name: outputs(Other="x")})
    assert m.functions == (FN,) and m.service_alarm_names == ("payments-api-eu-west-1-cell-1-high-severity",)
    assert ReleaseManifest.from_json(json.dumps(m.to_json())) == m


def test_manifest_fails_closed_on_another_executions_token_a_missing_stack_or_no_function() -> None:
    stack = ReleaseStack(stack_name=STACK.stack_name, token="3.4")
    with pytest.raises(StaleReleaseError, match="holds release token '3.5'.*another execution deployed"):
        manifest_from_stacks([stack], {STACK.stack_name: outputs("3.5")})
    assert manifest_from_stacks([stack], {STACK.stack_name: outputs("3.5")}, check_tokens=False).stacks[0].token \
        == "3.5"
    with pytest.raises(StaleReleaseError, match="does not exist in this region and account"):
        manifest_from_stacks([stack], {STACK.stack_name: None})
    with pytest.raises(StaleReleaseError, match="no SeawallFunction\\* output"):
        manifest_from_stacks([stack], {STACK.stack_name: {RELEASE_TOKEN_OUTPUT: "3.4"}})


def test_team_settings_round_trip_and_derive_the_aggregate() -> None:
    s = TeamSettings.of(team="payments", window=TimeWindow.always(time_zone="Europe/Berlin"),
                        blocking_alarms=["org-outage"])
    assert TeamSettings.from_json(s.to_env()) == s
    assert s.alarm_names("eu-west-1") == ("payments-eu-west-1-aggregate", "org-outage")
    with pytest.raises(ValueError, match="more than a Step Functions execution history holds"):
        TeamSettings.of(team="payments", window=TimeWindow.always(time_zone="UTC"), gate_poll=timedelta(minutes=1))
    with pytest.raises(TypeError, match="blocking_alarm_names='org' must be a list"):
        TeamSettings(team="payments", window={}, blocking_alarm_names="org")  # type: ignore[arg-type]


def test_an_input_is_the_same_size_whatever_the_target_holds() -> None:
    # Nothing in an input lists functions or alarms: its size depends only on names and the stacks.
    bake = BakeInput.of(target=TARGET, pipeline=PIPE, stacks=[STACK], bake=BakePolicy(duration=timedelta(hours=1)),
                        shift_execution_arn="#{Shift.ExecutionArn}")
    assert set(bake.to_json()) == {"kind", "schema", "target", "pipeline", "override", "stacks", "bake",
                                   "maxWaitSeconds", "shiftExecutionArn"}
