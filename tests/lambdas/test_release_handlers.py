"""Release Lambdas: no CDK imports, and malformed events fail with a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

HANDLERS = ["context", "gate", "shift", "bake"]


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("SEAWALL_TEAM", "payments")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.mark.parametrize("module", HANDLERS)
def test_importing_a_handler_does_not_import_cdk(module: str) -> None:
    code = (f"import sys, seawall.lambdas.release.{module}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii') "
            "or m.startswith(('seawall.constructs', 'seawall.stacks'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"AWS_REGION": "us-east-1", "SEAWALL_TEAM": "payments", "PATH": "",
                              "POWERTOOLS_TRACE_DISABLED": "true"})
    assert out.returncode == 0, out.stdout + out.stderr


def test_settings_are_validated_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common

    monkeypatch.delenv("SEAWALL_TEAM")
    common.reset_clients()
    with pytest.raises(RuntimeError, match="SEAWALL_TEAM is not set"):
        common.settings()
    common.reset_clients()


@pytest.mark.parametrize(("event", "match"), [
    ({}, "expect"),
    ({"expect": "seawall.gate", "input": {"kind": "seawall.bake"}}, "kind='seawall.bake' is not 'seawall.gate'"),
    ({"expect": "seawall.gate", "input": "nope"}, "must be a JSON object"),
    ({"expect": "seawall.gate", "input": {"kind": "seawall.gate", "schema": 9}}, "schema=9"),
])
def test_context_rejects_malformed_events(event: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    with pytest.raises(InvalidInputError, match=match):
        release_context(event)


def _gate() -> dict[str, Any]:
    from seawall.model import Target
    from seawall.model.release import gate_input
    from seawall.model.window import TimeWindow

    g = gate_input(target=Target(region="us-east-1"), window=TimeWindow.always(), alarm_names=["a"],
                   pipeline_name="p", execution_id="e")
    g["override"] = "false"
    return g


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda g: g.pop("alarmNames"), "missing 'alarmNames'"),
    (lambda g: g.update(alarmNames=[]), "non-empty list"),
    (lambda g: g.update(override="maybe"), "override='maybe' is not understood"),
    (lambda g: g.update(override="#{variables.SeawallEmergencyOverride}"), "is not understood"),
    (lambda g: g["pipeline"].update(executionId="#{codepipeline.PipelineExecutionId}"), "substituted"),
    (lambda g: g.update(maxWaitSeconds="soon"), "maxWaitSeconds='soon'"),
    (lambda g: g.update(window={"nonsense": 1}), "is not a TimeWindow"),
])
def test_gate_window_check_rejects_malformed_input(mutate: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    g = _gate()
    mutate(g)
    g["context"] = {"startedAt": "2025-06-06T17:00:00+00:00"}
    with pytest.raises(InvalidInputError, match=match):
        check_window(g)


def test_gate_window_check_requires_context() -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    with pytest.raises(InvalidInputError, match="context task must run first"):
        check_window(_gate())


def test_bake_rejects_a_bad_shift_arn_and_unsubstituted_versions() -> None:
    from datetime import timedelta

    from seawall.model import BakePolicy, Target
    from seawall.model.release import FunctionRelease, bake_input, parse_bake_input

    f = FunctionRelease(function_name="fn", target_version="#{svc.Version}", application="a", deployment_group="g")
    b = bake_input(target=Target(region="us-east-1"), bake=BakePolicy(duration=timedelta(hours=1)),
                   alarm_names=["a"], service_alarm_names=["s"], functions=[f],
                   shift_execution_arn="#{ns.ExecutionArn}", pipeline_name="p", execution_id="e", override="false")
    with pytest.raises(ValueError, match="not a Step Functions execution ARN"):
        parse_bake_input(b)
    b["shiftExecutionArn"] = "arn:aws:states:us-east-1:123456789012:execution:seawall-payments-shift:x"
    with pytest.raises(ValueError, match="unsubstituted pipeline variable"):
        parse_bake_input(b)


def _bake_event(**extra: Any) -> dict[str, Any]:
    from datetime import timedelta

    from seawall.model import BakePolicy, Target
    from seawall.model.release import FunctionRelease, bake_input

    f = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g")
    b = bake_input(target=Target(region="us-east-1"), bake=BakePolicy(duration=timedelta(hours=1)),
                   alarm_names=["agg"], service_alarm_names=["payments-api-us-east-1-high-severity"],
                   functions=[f], shift_execution_arn="arn:aws:states:us-east-1:123456789012:execution:s:x",
                   pipeline_name="p", execution_id="e", override="false")
    return {**b, **extra}


@pytest.mark.parametrize("seconds, match", [
    ("soon", r"baking.seconds='soon' must be a whole number of seconds"),
    (None, r"baking.seconds=None must be a whole number"),
    (-5, r"baking.seconds=-5 must not be negative"),
])
def test_bake_check_names_a_bad_baking_seconds(seconds: Any, match: str) -> None:
    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    event = _bake_event(baking={"startedAt": "2025-06-02T10:00:00+00:00", "seconds": seconds})
    with pytest.raises(InvalidInputError, match=match):
        bake.check(event)


def test_bake_input_carries_the_service_alarms_apart_from_the_gate_alarms() -> None:
    from seawall.model.release import parse_bake_input

    b = _bake_event()
    assert b["alarmNames"] == ["agg"] and b["serviceAlarmNames"] == ["payments-api-us-east-1-high-severity"]
    parsed = parse_bake_input(b)
    assert parsed.watched_alarm_names == ("agg", "payments-api-us-east-1-high-severity")
    with pytest.raises(ValueError, match="repeats an alarm"):
        parse_bake_input({**b, "serviceAlarmNames": ["agg"]})


def test_bake_input_requires_a_service_alarm_and_old_inputs_ask_for_a_rebuild() -> None:
    from seawall.model.release import SCHEMA_VERSION, parse_bake_input

    b = _bake_event()
    assert b["schema"] == SCHEMA_VERSION == 2
    with pytest.raises(ValueError, match="missing 'serviceAlarmNames'"):
        parse_bake_input({k: v for k, v in b.items() if k != "serviceAlarmNames"})
    with pytest.raises(ValueError, match=r"serviceAlarmNames=\[\] must name the high-severity alarm"):
        parse_bake_input({**b, "serviceAlarmNames": []})
    # A pipeline built before serviceAlarmNames was required carries schema 1: it fails with the fix.
    with pytest.raises(ValueError, match="schema=1 is not 2; rebuild the pipeline"):
        parse_bake_input({**{k: v for k, v in b.items() if k != "serviceAlarmNames"}, "schema": 1})


def test_bake_input_builder_requires_service_alarm_names() -> None:
    from datetime import timedelta

    from seawall.model import BakePolicy, Target
    from seawall.model.release import FunctionRelease, bake_input

    f = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g")
    with pytest.raises(ValueError, match="service_alarm_names must name"):
        bake_input(target=Target(region="us-east-1"), bake=BakePolicy(duration=timedelta(hours=1)),
                   alarm_names=["agg"], service_alarm_names=[], functions=[f],
                   shift_execution_arn="arn:aws:states:us-east-1:123456789012:execution:s:x", pipeline_name="p")


def test_override_values() -> None:
    from seawall.model.release import parse_override

    assert parse_override("false") is None and parse_override(" FALSE ") is None
    assert parse_override("true: incident 42") == "incident 42"
    assert parse_override("True") == parse_override("TRUE:") == "emergency override (no reason given)"
    assert parse_override("TRUE: sev1") == "sev1"
    with pytest.raises(ValueError, match="SeawallEmergencyOverride"):
        parse_override("ture")


@pytest.mark.parametrize("value", ["", "yes", "on", "1", "no", "off", "0", "none", "yes: incident", "1: x",
                                   "truee", "true incident", "#{variables.SeawallEmergencyOverride}"])
def test_only_true_and_false_are_override_values(value: str) -> None:
    from seawall.model.release import parse_override

    with pytest.raises(ValueError, match=r"must be one of 'false' \(off\) or 'true' / 'true: <reason>' \(on\)"):
        parse_override(value)


# ----------------------------------------------------------------------------- traffic hooks in the input


def test_hooks_travel_in_the_shift_input_only_and_only_when_set() -> None:
    from seawall.model import Target, TrafficPolicy
    from seawall.model.release import FunctionRelease, parse_shift_input, shift_input

    plain = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g")
    hooked = FunctionRelease(function_name="fn2", target_version="2", application="a2", deployment_group="g2",
                             pre_traffic_hook="fn2-pre", post_traffic_hook="fn2-post")
    s = shift_input(target=Target(region="us-east-1"), functions=[plain, hooked], traffic=TrafficPolicy.all_at_once(),
                    pipeline_name="p", execution_id="e", override="false")
    assert "preTrafficHook" not in s["functions"][0] and "postTrafficHook" not in s["functions"][0]
    assert s["functions"][1]["preTrafficHook"] == "fn2-pre" and s["functions"][1]["postTrafficHook"] == "fn2-post"
    parsed = parse_shift_input(s).functions[1]
    assert parsed.hooks == [{"BeforeAllowTraffic": "fn2-pre"}, {"AfterAllowTraffic": "fn2-post"}]
    assert parse_shift_input(s).functions[0].hooks == []
    with pytest.raises(ValueError, match="pre_traffic_hook=''"):
        FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                        pre_traffic_hook="")


def test_the_bake_input_leaves_hooks_out() -> None:
    from datetime import timedelta

    from seawall.model import BakePolicy, Target
    from seawall.model.release import FunctionRelease, bake_input

    f = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                        pre_traffic_hook="fn-pre")
    b = bake_input(target=Target(region="us-east-1"), bake=BakePolicy(duration=timedelta(hours=1)),
                   alarm_names=["a"], service_alarm_names=["s"], functions=[f],
                   shift_execution_arn="#{ns.ExecutionArn}", pipeline_name="p")
    assert "preTrafficHook" not in b["functions"][0]


# ----------------------------------------------------------------------------- cross-account pipeline reads

PIPELINE_ACCOUNT = "111111111111"
READER = f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/seawall-payments-pipeline-reader"


@pytest.fixture
def moto_pipeline(monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto with GetPipelineExecution stubbed (moto lacks it); records the access key each call was signed with."""
    from moto import mock_aws
    from moto.codepipeline.responses import CodePipelineResponse

    from seawall.lambdas.release import common

    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    calls: list[str] = []

    def get_pipeline_execution(self: Any) -> str:
        import json

        auth = self.headers.get("Authorization", "")
        calls.append(auth.split("Credential=")[1].split("/")[0])
        params = json.loads(self.body)
        return json.dumps({"pipelineExecution": {"pipelineName": params["pipelineName"], "status": "InProgress",
                                                 "pipelineExecutionId": params["pipelineExecutionId"],
                                                 "executionType": "ROLLBACK"}})

    monkeypatch.setattr(CodePipelineResponse, "get_pipeline_execution", get_pipeline_execution)
    common.reset_clients()
    with mock_aws():
        yield calls
    common.reset_clients()


def _gate_event(role_arn: str) -> dict[str, Any]:
    from seawall.model import Target
    from seawall.model.release import gate_input
    from seawall.model.window import TimeWindow

    g = gate_input(target=Target(region="us-east-1", account="222222222222"), window=TimeWindow.always(),
                   alarm_names=["a"], pipeline_name="payments-api", execution_id="e-1", override="false",
                   pipeline_region="eu-west-1", pipeline_role_arn=role_arn)
    return {"expect": "seawall.gate", "input": g}


def test_the_context_task_assumes_the_pipeline_reader_role_for_a_pipeline_in_another_account(moto_pipeline) -> None:
    import boto3

    from seawall.lambdas.release import common
    from seawall.lambdas.release.context import release_context

    out = release_context(_gate_event(READER))
    assert out["rollback"] is True and out["executionType"] == "ROLLBACK"
    (key,) = moto_pipeline
    # The call was signed with the reader role's session, not the Lambda's own credentials.
    assert key != os.environ["AWS_ACCESS_KEY_ID"]
    creds = common.client("codepipeline", "eu-west-1", READER)._request_signer._credentials
    assert creds.access_key == key
    who = boto3.client("sts", region_name="us-east-1", aws_access_key_id=creds.access_key,
                       aws_secret_access_key=creds.secret_key, aws_session_token=creds.token).get_caller_identity()
    assert who["Account"] == PIPELINE_ACCOUNT
    assert who["Arn"].startswith(f"arn:aws:sts::{PIPELINE_ACCOUNT}:assumed-role/seawall-payments-pipeline-reader/")


def test_the_context_task_reads_a_same_account_pipeline_directly(moto_pipeline) -> None:
    from seawall.lambdas.release.context import release_context

    release_context(_gate_event(""))
    assert moto_pipeline == [os.environ["AWS_ACCESS_KEY_ID"]]  # the Lambda's own credentials


def test_assumed_credentials_are_renewed_before_they_expire(moto_pipeline) -> None:
    from datetime import UTC, datetime, timedelta

    from seawall.lambdas.release import common
    from seawall.lambdas.release.context import release_context

    release_context(_gate_event(READER))
    key = ("codepipeline", "eu-west-1", READER)
    first, _ = common._assumed[key]
    assert common.client(*key) is first  # kept while fresh
    common._assumed[key] = (first, datetime.now(UTC) + timedelta(minutes=5))  # about to expire
    release_context(_gate_event(READER))
    assert common._assumed[key][0] is not first
    assert len(moto_pipeline) == 2 and moto_pipeline[0] != moto_pipeline[1]


def test_a_malformed_pipeline_role_fails_the_input() -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    event = _gate_event(READER)
    event["input"]["pipeline"]["roleArn"] = "arn:aws:iam::nope"
    with pytest.raises(InvalidInputError, match="not an IAM role ARN"):
        release_context(event)


def test_clients_have_short_timeouts_and_standard_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common

    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    common.reset_clients()
    try:
        config = common.client("cloudwatch", "us-east-1").meta.config
        assert (config.connect_timeout, config.read_timeout) == (5, 20)
        assert config.retries["mode"] == "standard" and config.retries["total_max_attempts"] == 3
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        assert common.client_config().retries["total_max_attempts"] == 1
    finally:
        common.reset_clients()
