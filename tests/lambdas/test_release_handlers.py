"""Release Lambdas: no CDK imports, and malformed events fail with a clear error."""

from __future__ import annotations

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
    ({"expect": "seawall.gate", "input": ["nope"]}, "must be a JSON object"),
    ({"expect": "seawall.gate", "input": "nope"}, "input is not JSON"),
    ({"expect": "seawall.gate", "input": {"kind": "seawall.gate", "schema": 9}}, "schema=9"),
])
def test_context_rejects_malformed_events(event: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    with pytest.raises(InvalidInputError, match=match):
        release_context(event)


def _gate() -> dict[str, Any]:
    from seawall.model.contracts import GateInput, PipelineRef, TargetRef

    g = GateInput(target=TargetRef(region="us-east-1"), pipeline=PipelineRef(name="p", execution_id="e")).to_json()
    g["override"] = "false"
    return g


def _team_settings(window: Any = None, **kw: Any) -> str:
    from seawall.model.contracts import TeamSettings
    from seawall.model.window import TimeWindow

    if window is None:
        window = TimeWindow.always().to_dict()
    return TeamSettings(team="payments", window=window, **kw).to_env()


@pytest.fixture(autouse=True)
def team_settings(env: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    from seawall.lambdas.release import common

    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", _team_settings())
    common.reset_clients()
    yield
    common.reset_clients()


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda g: g.update(override="maybe"), "override='maybe' is not understood"),
    (lambda g: g.update(override="#{variables.SeawallEmergencyOverride}"), "is not understood"),
    (lambda g: g["pipeline"].update(executionId="#{codepipeline.PipelineExecutionId}"), "unsubstituted"),
    (lambda g: g["target"].pop("region"), r"input.target.region=None must be a non-empty string"),
    (lambda g: g.update(schema=2), "schema=2 is not 3; rebuild the pipeline"),
])
def test_gate_window_check_rejects_malformed_input(mutate: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    g = _gate()
    mutate(g)
    g["context"] = {"startedAt": "2025-06-06T17:00:00+00:00"}
    with pytest.raises(InvalidInputError, match=match):
        check_window(g)


def test_gate_without_team_settings_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    monkeypatch.delenv("SEAWALL_TEAM_SETTINGS")
    common.reset_clients()
    g = {**_gate(), "context": {"startedAt": "2025-06-06T17:00:00+00:00"}}
    with pytest.raises(InvalidInputError, match="SEAWALL_TEAM_SETTINGS is not set .* fails closed; redeploy the team "
                                                "runtime"):
        check_window(g)


def test_team_settings_whose_window_is_not_a_time_window_fail_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from seawall.lambdas.release import common

    good = json.loads(_team_settings())
    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", json.dumps({**good, "window": {"nonsense": 1}}))
    common.reset_clients()
    with pytest.raises(RuntimeError, match=r"SEAWALL_TEAM_SETTINGS is invalid: window is not a TimeWindow.to_dict\(\)"
                                           r": window is missing timeZone.*redeploy the team runtime"):
        common.settings()


def test_team_settings_of_another_team_fail_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common
    from seawall.model.contracts import TeamSettings
    from seawall.model.window import TimeWindow

    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", TeamSettings(team="orders", window=TimeWindow.always().to_dict())
                       .to_env())
    common.reset_clients()
    with pytest.raises(RuntimeError, match="is for team 'orders', not 'payments'; redeploy the team runtime"):
        common.settings()


def test_gate_window_check_requires_context() -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    with pytest.raises(InvalidInputError, match="context task must run first"):
        check_window(_gate())


STACK = "payments-api-us-east-1-Api"
SHIFT_ARN = "arn:aws:states:us-east-1:123456789012:execution:seawall-payments-shift:x"


def test_bake_rejects_a_bad_shift_arn_and_unsubstituted_tokens() -> None:
    from datetime import timedelta

    from seawall.model import BakePolicy
    from seawall.model.contracts import BakeInput, PipelineRef, ReleaseStack, TargetRef

    b = BakeInput.of(target=TargetRef(region="us-east-1"), pipeline=PipelineRef(name="p", execution_id="e"),
                     stacks=[ReleaseStack(stack_name=STACK, token="#{Deploy.SeawallReleaseToken}")],
                     bake=BakePolicy(duration=timedelta(hours=1)), shift_execution_arn="nope",
                     override="false").to_json()
    with pytest.raises(ValueError, match="not a Step Functions execution ARN"):
        BakeInput.from_json(b)
    b["shiftExecutionArn"] = SHIFT_ARN
    with pytest.raises(ValueError, match=r"input.stacks\[0\].token=.*unsubstituted pipeline variable"):
        BakeInput.from_json(b)


def _manifest(service_alarms: tuple[str, ...] = ("payments-api-us-east-1-high-severity",)) -> dict[str, Any]:
    from seawall.model.contracts import FunctionRelease, ReleaseManifest, ReleaseStack

    f = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                        deployment_config="CodeDeployDefault.LambdaAllAtOnce", pre_traffic_hook="fn-pre")
    return ReleaseManifest(stacks=(ReleaseStack(stack_name=STACK, token="2"),), functions=(f,),
                           service_alarm_names=service_alarms).to_json()


def _bake_event(manifest: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    from datetime import timedelta

    from seawall.model import BakePolicy
    from seawall.model.contracts import BakeInput, PipelineRef, ReleaseStack, TargetRef

    b = BakeInput.of(target=TargetRef(region="us-east-1"), pipeline=PipelineRef(name="p", execution_id="e"),
                     stacks=[ReleaseStack(stack_name=STACK, token="2")], bake=BakePolicy(duration=timedelta(hours=1)),
                     shift_execution_arn=SHIFT_ARN, override="false").to_json()
    return {**b, "context": {"startedAt": "2025-06-02T10:00:00+00:00", "rollback": False,
                             "manifest": manifest or _manifest()}, **extra}


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The release Lambdas' clock at 2025-06-02 10:30 UTC, half an hour after the bake events below started."""
    from datetime import UTC, datetime

    from seawall.lambdas.release import common

    class Clock:
        def __init__(self) -> None:
            self.t = datetime(2025, 6, 2, 10, 30, tzinfo=UTC)

        def now(self) -> datetime:
            return self.t

    clock = Clock()
    monkeypatch.setattr(common, "clock", clock)
    return clock


@pytest.mark.usefixtures("fixed_clock")
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


def test_bake_check_requires_a_service_alarm_from_the_stacks() -> None:
    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    baking = {"startedAt": "2025-06-02T10:00:00+00:00", "seconds": 60}
    with pytest.raises(InvalidInputError, match="name no service high-severity alarm.*aggregate alone watches nothing"):
        bake.check(_bake_event(_manifest(service_alarms=()), baking=baking))
    # An alarm the team settings already watch (the aggregate) does not count as the service's own.
    with pytest.raises(InvalidInputError, match="name no service high-severity alarm"):
        bake.check(_bake_event(_manifest(service_alarms=("payments-us-east-1-aggregate",)), baking=baking))


def test_bake_tasks_require_the_manifest_of_the_context_task() -> None:
    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    event = _bake_event()
    event["context"].pop("manifest")
    with pytest.raises(InvalidInputError, match="no context.manifest; the context task must run first"):
        bake.check(event)
    event["context"]["manifest"] = {**_manifest(), "functions": [{"functionName": "fn", "version": "#{x.V}"}]}
    with pytest.raises(InvalidInputError, match=r"context.manifest.functions\[0\].version=.*unsubstituted"):
        bake.start(event)


def test_old_inputs_ask_for_a_rebuild() -> None:
    from seawall.model.contracts import SCHEMA_VERSION, BakeInput

    b = _bake_event()
    assert b["schema"] == SCHEMA_VERSION == 3
    # A pipeline built before the constant-size inputs carries schema 2: it fails with the fix.
    with pytest.raises(ValueError, match="schema=2 is not 3; rebuild the pipeline"):
        BakeInput.from_json({**b, "schema": 2})


def test_override_values() -> None:
    from seawall.model.contracts import parse_override

    assert parse_override("false") is None and parse_override(" FALSE ") is None
    assert parse_override("true: incident 42") == "incident 42"
    assert parse_override("True") == parse_override("TRUE:") == "emergency override (no reason given)"
    assert parse_override("TRUE: sev1") == "sev1"
    with pytest.raises(ValueError, match="SeawallEmergencyOverride"):
        parse_override("ture")


@pytest.mark.parametrize("value", ["", "yes", "on", "1", "no", "off", "0", "none", "yes: incident", "1: x",
                                   "truee", "true incident", "#{variables.SeawallEmergencyOverride}"])
def test_only_true_and_false_are_override_values(value: str) -> None:
    from seawall.model.contracts import parse_override

    with pytest.raises(ValueError, match=r"must be one of 'false' \(off\) or 'true' / 'true: <reason>' \(on\)"):
        parse_override(value)


# ----------------------------------------------------------------------------- traffic hooks in the manifest


def test_hooks_travel_in_the_function_output_only_when_set() -> None:
    from seawall.model.contracts import FunctionRelease, ReleaseManifest

    plain = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                            deployment_config="c")
    hooked = FunctionRelease(function_name="fn2", target_version="2", application="a2", deployment_group="g2",
                             deployment_config="c", pre_traffic_hook="fn2-pre", post_traffic_hook="fn2-post")
    assert "preTrafficHook" not in plain.to_json() and "postTrafficHook" not in plain.to_json()
    assert hooked.to_json()["preTrafficHook"] == "fn2-pre" and hooked.to_json()["postTrafficHook"] == "fn2-post"
    m = ReleaseManifest.from_json({**_manifest(), "functions": [plain.to_json(), hooked.to_json()]})
    assert m.functions[1].hooks == [{"BeforeAllowTraffic": "fn2-pre"}, {"AfterAllowTraffic": "fn2-post"}]
    assert m.functions[0].hooks == []
    with pytest.raises(ValueError, match="pre_traffic_hook=''"):
        FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                        deployment_config="c", pre_traffic_hook="")


def test_no_input_carries_functions_or_hooks() -> None:
    b = {k: v for k, v in _bake_event().items() if k != "context"}  # the input, without the task state
    assert "functions" not in b and "preTrafficHook" not in str(b)
    assert "functions" not in _gate()


# ----------------------------------------------------------------------------- cross-account pipeline reads

PIPELINE_ACCOUNT = "111111111111"
READER = f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/seawall-payments-pipeline-reader"
#: The release machines run in the target's account; their Lambdas sign as their execution role there.
TARGET_ACCOUNT = "222222222222"
LAMBDA_ROLE = f"arn:aws:iam::{TARGET_ACCOUNT}:role/seawall-payments-release"


class Pipelines:
    """The simulation's STS and CodePipeline, reached by the release Lambdas' own boto3 clients.

    A pipeline ``payments-api`` (a source stage and a ``Release`` stage) exists in the pipeline account in
    eu-west-1, and in the target's account in eu-west-1 and us-east-1, each with a STANDARD execution and a
    ROLLBACK one (an operator's ``RollbackStage`` to it); every execution ID is unique, so a read in the wrong
    account or region finds nothing.  Only ``READER`` can be assumed (a stack of the pipeline account made it).
    """

    def __init__(self) -> None:
        from datetime import UTC, datetime

        from tests.sim.test_codepipeline_world import build, pipeline

        from seawall.sim import FakeAws
        from seawall.sim.clock import Clock, Scheduler
        from seawall.sim.codepipeline import FakeCodePipeline
        from seawall.sim.sts import FakeSts

        def unused(*args: Any) -> Any:
            raise AssertionError(f"the pipeline has no deploy or Step Functions action, yet one ran: {args}")

        # The context task judges its assumed credentials' Expiration against ``common.now()``, the wall clock in
        # these tests (no fake clock is installed), so STS's simulated clock starts at the wall clock's current second.
        self.clock = Clock(start=datetime.now(UTC).replace(microsecond=0))
        scheduler = Scheduler(self.clock)
        self.aws = FakeAws(self.clock)
        cp = FakeCodePipeline(scheduler, deploy_stack=unused, start_execution=unused, describe_execution=unused)
        self.sts = FakeSts(self.aws, role_exists=lambda arn: arn == READER)
        self.aws.register("codepipeline", cp)
        self.aws.register("sts", self.sts)
        #: (account, region) -> {"STANDARD": execution ID, "ROLLBACK": execution ID}
        self.executions: dict[tuple[str, str], dict[str, str]] = {}
        for account, region in ((PIPELINE_ACCOUNT, "eu-west-1"), (TARGET_ACCOUNT, "eu-west-1"),
                                (TARGET_ACCOUNT, "us-east-1")):
            cp.create(account=account, region=region, stack="pipeline", logical_id="Pipeline",
                      properties=pipeline(build(stage="Release"), name="payments-api"))
            (standard,) = [e for e in cp.executions if (e.account, e.region) == (account, region)]
            scheduler.run(until=self.clock.seconds + 3600)
            assert standard.status == "Succeeded", standard.summary
            rollback = cp.operator("RollbackStage", account=account, region=region, pipelineName="payments-api",
                                   stageName="Release", targetPipelineExecutionId=standard.id)["pipelineExecutionId"]
            scheduler.run(until=self.clock.seconds + 3600)
            self.executions[(account, region)] = {"STANDARD": standard.id, "ROLLBACK": rollback}
        self.session = self.aws.session(account=TARGET_ACCOUNT, region="us-east-1", role_arn=LAMBDA_ROLE)

    def reads(self) -> list[tuple[str, str, str]]:
        """(account, region, execution ID) of every GetPipelineExecution answered, in order."""
        return [(account, region, params["pipelineExecutionId"]) for account, region, _, op, params in self.aws.calls
                if op == "GetPipelineExecution"]

    def execution(self, kind: str, account: str = PIPELINE_ACCOUNT, region: str = "eu-west-1") -> str:
        return self.executions[(account, region)][kind]


@pytest.fixture
def pipelines(monkeypatch: pytest.MonkeyPatch) -> Any:
    """:class:`Pipelines`; boto3's default session signs as the release Lambda's role in the target account."""
    import boto3

    from seawall.lambdas.release import common

    world = Pipelines()
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", world.session)
    common.reset_clients()
    yield world
    common.reset_clients()


def _gate_event(role_arn: str, execution_id: str = "e-1") -> dict[str, Any]:
    from seawall.model.contracts import GateInput, PipelineRef, TargetRef

    g = GateInput(target=TargetRef(region="us-east-1", account=TARGET_ACCOUNT), override="false",
                  pipeline=PipelineRef(name="payments-api", execution_id=execution_id, region="eu-west-1",
                                       role_arn=role_arn)).to_json()
    return {"expect": "seawall.gate", "input": g}


@pytest.mark.parametrize("kind", ["STANDARD", "ROLLBACK"])
def test_the_context_task_assumes_the_pipeline_reader_role_for_a_pipeline_in_another_account(
        pipelines: Pipelines, kind: str) -> None:
    from seawall.lambdas.release import common
    from seawall.lambdas.release.context import release_context
    from seawall.sim.botocore_bridge import Principal

    execution = pipelines.execution(kind)
    out = release_context(_gate_event(READER, execution))
    assert (out["rollback"], out["executionType"]) == (kind == "ROLLBACK", kind)
    # Read in the pipeline's account and region, signed with the reader role's session, not the Lambda's own.
    assert pipelines.reads() == [(PIPELINE_ACCOUNT, "eu-west-1", execution)]
    assert [(account, role) for _, account, role in pipelines.sts.assumed] == [(TARGET_ACCOUNT, READER)]
    creds = common.client("codepipeline", "eu-west-1", READER)._request_signer._credentials
    assert pipelines.aws.principal(creds.access_key) == Principal(PIPELINE_ACCOUNT, READER)


def test_the_context_task_reads_a_same_account_pipeline_directly(pipelines: Pipelines) -> None:
    from seawall.lambdas.release.context import release_context

    execution = pipelines.execution("ROLLBACK", TARGET_ACCOUNT)
    assert release_context(_gate_event("", execution))["executionType"] == "ROLLBACK"
    assert pipelines.reads() == [(TARGET_ACCOUNT, "eu-west-1", execution)]  # the Lambda's own account
    assert pipelines.sts.assumed == []


def test_a_reader_role_the_pipeline_account_lacks_fails_with_the_fix(pipelines: Pipelines) -> None:
    from seawall.lambdas.release.common import AwsApiError
    from seawall.lambdas.release.context import release_context

    missing = f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/seawall-orders-pipeline-reader"
    with pytest.raises(AwsApiError, match=r"STS AssumeRole .*\(AccessDenied\).*must exist there and trust this "
                                          r"account: deploy the team's foundation pipeline"):
        release_context(_gate_event(missing, pipelines.execution("STANDARD")))
    assert pipelines.reads() == []


def test_assumed_credentials_are_renewed_before_they_expire(pipelines: Pipelines) -> None:
    from datetime import UTC, datetime, timedelta

    from seawall.lambdas.release import common
    from seawall.lambdas.release.context import release_context

    event = _gate_event(READER, pipelines.execution("STANDARD"))
    release_context(event)
    key = ("codepipeline", "eu-west-1", READER)
    first, _ = common._assumed[key]
    assert common.client(*key) is first  # kept while fresh
    common._assumed[key] = (first, datetime.now(UTC) + timedelta(minutes=5))  # about to expire
    release_context(event)
    again = common._assumed[key][0]
    assert again is not first
    assert [role for _, _, role in pipelines.sts.assumed] == [READER, READER]
    keys = [c._request_signer._credentials.access_key for c in (first, again)]
    assert keys[0] != keys[1] and {pipelines.aws.principal(k).arn for k in keys} == {READER}
    assert [account for account, _, _ in pipelines.reads()] == [PIPELINE_ACCOUNT] * 2


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


# ----------------------------------------------------------------------------- bad state never yields "go" (I6)


def _override_gate(execution_id: str = "e-1", **target: str) -> dict[str, Any]:
    """A gate input with the emergency override on: the one input that skips the window and the alarms."""
    g = _gate_event("", execution_id)
    g["input"]["override"] = "true: incident 7"
    g["input"]["target"].update(target)
    return g


def test_the_context_task_honours_a_valid_override(pipelines: Pipelines) -> None:
    """The control for the refusals below: a valid input with the override on is honoured."""
    from seawall.lambdas.release.context import release_context

    g = _override_gate(pipelines.execution("ROLLBACK", TARGET_ACCOUNT, "us-east-1"))
    g["input"]["pipeline"]["region"] = ""
    out = release_context(g)
    assert (out["override"], out["overrideReason"], out["rollback"]) == (True, "incident 7", True)


def test_an_unreadable_window_with_the_override_never_opens_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from seawall.lambdas.release import common
    from seawall.lambdas.release.context import release_context

    good = json.loads(_team_settings())
    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", json.dumps({**good, "window": {**good["window"], "start": "9am"}}))
    common.reset_clients()
    with pytest.raises(RuntimeError, match=r"SEAWALL_TEAM_SETTINGS is invalid: window is not a TimeWindow.*"
                                           r"window.start='9am'"):
        release_context(_override_gate())


@pytest.mark.parametrize(("kind", "event"), [("gate", _override_gate), ("bake", lambda: {
    "expect": "seawall.bake", "input": {k: v for k, v in _bake_event().items() if k != "context"}})])
def test_a_gate_or_bake_without_team_settings_fails_before_the_override(monkeypatch: pytest.MonkeyPatch, kind: str,
                                                                        event: Any) -> None:
    from seawall.lambdas.release import common
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    monkeypatch.delenv("SEAWALL_TEAM_SETTINGS")
    common.reset_clients()
    with pytest.raises(InvalidInputError, match="SEAWALL_TEAM_SETTINGS is not set on this release Lambda"):
        release_context(event())


@pytest.mark.parametrize(("target", "match"), [
    ({"region": "eu-west-1"}, r"input.target.region='eu-west-1' is not this state machine's region 'us-east-1'"),
    ({"account": "22222222222x"}, r"input.target.account='22222222222x' must be a 12-digit AWS account ID"),
    ({"account": "２２２２２２２２２２２２"}, r"must be a 12-digit AWS account ID"),  # full-width digits
])
def test_a_target_the_machine_cannot_be_for_fails_before_the_override(target: dict[str, str], match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    with pytest.raises(InvalidInputError, match=match):
        release_context(_override_gate(**target))


def _shift_event(functions: Any) -> dict[str, Any]:
    from seawall.model.contracts import PipelineRef, ReleaseStack, ShiftInput, TargetRef

    s = ShiftInput(target=TargetRef(region="us-east-1"), pipeline=PipelineRef(name="p", execution_id="e"),
                   stacks=(ReleaseStack(stack_name=STACK, token="2"),), override="false").to_json()
    return {**s, "context": {"startedAt": "2025-06-02T10:00:00+00:00", "rollback": False, "manifest": _manifest()},
            "shift": {"functions": functions, "pending": True}}


def _record(**changes: Any) -> dict[str, Any]:
    return {"functionName": "fn", "alias": "live", "targetVersion": "2", "previousVersion": "1", "changed": True,
            "deploymentId": "d-1", **changes}


class _Deployments:
    """CodeDeploy GetDeployment answering from a table; records what was asked."""

    def __init__(self, status: str) -> None:
        self.status, self.asked = status, []

    def get_deployment(self, deploymentId: str) -> dict[str, Any]:  # noqa: N803 - boto3's parameter name
        self.asked.append(deploymentId)
        return {"deploymentInfo": {"deploymentId": deploymentId, "status": self.status}}


@pytest.mark.parametrize(("functions", "match"), [
    ([], r"shift.functions=\[\] lists no function"),
    ([_record(deploymentId="")], r"shift.functions\[0\] \(fn\) changed but has deploymentId=''"),
    ([_record(deploymentId=None)], r"changed but has deploymentId=None"),
    ([{k: v for k, v in _record().items() if k != "deploymentId"}], r"changed but has deploymentId=None"),
    ([_record(functionName="other")], r"shift.functions has no record of \['fn'\]"),
    ([_record(changed="yes")], r"shift.functions\[0\]=.* must carry functionName and a boolean changed"),
])
def test_the_shift_never_succeeds_without_a_deployment_to_follow(monkeypatch: pytest.MonkeyPatch, functions: Any,
                                                                 match: str) -> None:
    from seawall.lambdas.release import common, shift
    from seawall.lambdas.release.common import InvalidInputError

    cd = _Deployments("Succeeded")
    monkeypatch.setattr(common, "client", lambda *a, **k: cd)
    assert shift.status(_shift_event([_record()]))["state"] == "SUCCEEDED" and cd.asked == ["d-1"]  # the control
    with pytest.raises(InvalidInputError, match=match):
        shift.status(_shift_event(functions))


def test_a_deployment_created_without_an_id_fails_the_shift_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common, shift
    from seawall.lambdas.release.common import AwsApiError

    class Apis:
        def get_alias(self, **kw: Any) -> dict[str, Any]:
            return {"FunctionVersion": "1"}

        def create_deployment(self, **kw: Any) -> dict[str, Any]:
            return {"deploymentId": ""}

    monkeypatch.setattr(common, "client", lambda *a, **k: Apis())
    with pytest.raises(AwsApiError, match=r"CreateDeployment a/g returned deploymentId='': the shift cannot follow"):
        shift.start(_shift_event([]))


def _baking(seconds: Any = 3600, started: str = "2025-06-02T10:00:00+00:00") -> dict[str, Any]:
    return {"startedAt": started, "seconds": seconds, "override": False,
            "functions": [{**_record(), "deploymentId": None}]}


@pytest.fixture
def quiet_alarms(monkeypatch: pytest.MonkeyPatch, fixed_clock: Any) -> Any:
    """Every watched alarm OK and plenty of invocations: only the bake's own state decides its verdict."""
    from seawall.lambdas.release import bake, common

    monkeypatch.setattr(common, "alarm_states", lambda names, region: dict.fromkeys(names, "OK"))
    monkeypatch.setattr(bake, "data_points", lambda *a: 10_000)
    return fixed_clock


@pytest.mark.parametrize(("baking", "match"), [
    (_baking(seconds=0), r"baking.seconds=0 is not this bake's time of 3600 s \(input bake.seconds=3600, "
                         r"overrideSeconds=360, override off\)"),
    (_baking(seconds=360), r"baking.seconds=360 is not this bake's time of 3600 s"),
    (_baking(started="1970-01-01T00:00:00+00:00"), r"baking.startedAt='1970-01-01T00:00:00\+00:00' is more than 7 "
                                                   r"days before now .* longer than a CodePipeline Step Functions"),
    (_baking(started="2025-06-02T11:00:00+00:00"), r"baking.startedAt='2025-06-02T11:00:00\+00:00' is after now"),
    (_baking(started="2025-06-02T09:59:00+00:00"), r"baking.startedAt=.* is before the execution's start "
                                                   r"2025-06-02T10:00:00\+00:00"),
])
def test_the_bake_never_passes_on_a_bad_bake_time_or_start(quiet_alarms: Any, baking: dict[str, Any],
                                                            match: str) -> None:
    from datetime import timedelta

    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    quiet_alarms.t += timedelta(hours=2)  # past the hour: the control passes
    assert bake.check(_bake_event(baking=_baking()))["verdict"] == "PASS"
    quiet_alarms.t -= timedelta(hours=2)  # back to 10:30, half an hour into the bake
    with pytest.raises(InvalidInputError, match=match):
        bake.check(_bake_event(baking=baking))


def test_a_start_in_1970_never_opens_the_gate(monkeypatch: pytest.MonkeyPatch, fixed_clock: Any) -> None:
    from seawall.lambdas.release import common, gate
    from seawall.lambdas.release.common import InvalidInputError

    monkeypatch.setattr(common, "alarm_states", lambda names, region: dict.fromkeys(names, "OK"))
    assert gate.check_alarms({**_gate(), "context": {"startedAt": "2025-06-02T10:00:00+00:00"}})["verdict"] == "QUIET"
    for check in (gate.check_alarms, gate.check_window):
        with pytest.raises(InvalidInputError, match=r"context.startedAt='1970-01-01T00:00:00Z' is more than 7 days"):
            check({**_gate(), "context": {"startedAt": "1970-01-01T00:00:00Z"}})
        with pytest.raises(InvalidInputError, match=r"context.startedAt='2999-01-01T00:00:00Z' is after now"):
            check({**_gate(), "context": {"startedAt": "2999-01-01T00:00:00Z"}})


@pytest.mark.parametrize(("change", "match"), [
    ({"maxWaitSeconds": 10**9}, r"bake maxWaitSeconds=1000000000 must be positive, at least the bake time "
                                r"\(3600 s\) and at most 1 day, 16:00:00"),
    ({"maxWaitSeconds": "9" * 5000}, r"input.maxWaitSeconds='9999.* must be a whole number"),
    ({"maxWaitSeconds": 1.5e9}, r"input.maxWaitSeconds=1500000000.0 must be a whole number"),
    ({"maxWaitSeconds": None}, r"input.maxWaitSeconds=None must be a whole number"),
    ({"maxWaitSeconds": 0}, r"input.maxWaitSeconds=0 must be at least 1"),
    ({"bake": {"seconds": 3600, "overrideSeconds": 7200, "minDataPoints": 100, "metric": "Invocations"}},
     r"bake overrideSeconds=7200 is longer than the bake seconds=3600"),
])
def test_an_unbounded_bake_input_fails_every_bake_task(quiet_alarms: Any, change: dict[str, Any], match: str) -> None:
    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    for task in (bake.start, bake.check, bake.revert):
        with pytest.raises(InvalidInputError, match=match):
            task({**_bake_event(baking=_baking(), check={"alarm": "x"}), **change})


def test_a_gate_limit_past_the_action_timeout_fails_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from seawall.lambdas.release import common

    good = json.loads(_team_settings())
    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", json.dumps({**good, "gateMaxWaitSeconds": 10**9}))
    common.reset_clients()
    with pytest.raises(RuntimeError, match=r"SEAWALL_TEAM_SETTINGS is invalid: gate max_wait=11574 days.* must be "
                                           r"positive and at most 6 days, 18:00:00"):
        common.settings()


@pytest.mark.parametrize(("functions", "match"), [
    ([], r"baking.functions=\[\] must be the non-empty list"),
    (None, r"baking.functions=None must be the non-empty list"),
    ([{"functionName": "fn", "changed": True}], r"baking.functions\[0\]=.* must carry functionName, alias, "
                                                r"previousVersion, targetVersion and a boolean changed"),
])
def test_the_revert_refuses_a_record_it_cannot_act_on(functions: Any, match: str) -> None:
    from seawall.lambdas.release import bake
    from seawall.lambdas.release.common import InvalidInputError

    with pytest.raises(InvalidInputError, match=match):
        bake.revert(_bake_event(baking={**_baking(), "functions": functions}, check={"alarm": "x"}))


def test_the_revert_reverts_what_it_knows_and_fails_for_a_function_it_has_no_record_of(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import bake, common

    moved: list[dict[str, Any]] = []

    class Lambda:
        def update_alias(self, **kw: Any) -> None:
            moved.append(kw)

    monkeypatch.setattr(common, "client", lambda *a, **k: Lambda())
    other = {**_record(functionName="other"), "deploymentId": None}
    with pytest.raises(bake.RevertFailedError, match=r"fn:live: not in baking.functions, so its previous version is "
                                                      r"unknown.*reverted: \['other:live 2 -> 1'\]"):
        bake.revert(_bake_event(baking={**_baking(), "functions": [other]}, check={"alarm": "x"}))
    assert [m["FunctionName"] for m in moved] == ["other"]


def test_the_bake_reverts_on_its_functions_one_box_rollback_composite_and_no_other(
        monkeypatch: pytest.MonkeyPatch, fixed_clock: Any) -> None:
    """I10: the bake watches each function's one-box rollback composite (``oneBoxAlarm``), and only its own.

    Another function's rollback composite (another service or target in the region) in ALARM leaves this
    bake waiting; this function's own in ALARM fails the check and the revert puts the alias back.
    """
    from seawall.lambdas.release import bake, common
    from seawall.model.contracts import FunctionRelease, ReleaseManifest, ReleaseStack
    from seawall.model.naming import one_box_rollback_alarm_name

    own = one_box_rollback_alarm_name("payments", "api", "us-east-1", "fn")
    other = one_box_rollback_alarm_name("payments", "orders", "us-east-1", "fn")
    f = FunctionRelease(function_name="fn", target_version="2", application="a", deployment_group="g",
                        deployment_config="CodeDeployDefault.LambdaAllAtOnce", one_box_alarm=own)
    manifest = ReleaseManifest(stacks=(ReleaseStack(stack_name=STACK, token="2"),), functions=(f,),
                               service_alarm_names=("payments-api-us-east-1-high-severity",)).to_json()
    assert manifest["functions"][0]["oneBoxAlarm"] == own  # the key the stack output carries
    states = {other: "ALARM"}
    asked: list[str] = []

    def alarm_states(names: tuple[str, ...], region: str) -> dict[str, str]:
        asked.extend(names)
        return {n: states.get(n, "OK") for n in names}

    monkeypatch.setattr(common, "alarm_states", alarm_states)
    monkeypatch.setattr(bake, "data_points", lambda *a: 10_000)
    event = _bake_event(manifest, baking=_baking())
    result = bake.check(event)
    assert result["verdict"] == "WAIT", result  # half an hour into the hour: nothing of its own alarms
    assert own in asked and other not in asked

    states[own] = "ALARM"
    result = bake.check(event)
    assert (result["verdict"], result["alarm"]) == ("ALARM", own), result

    moved: list[dict[str, Any]] = []

    class Lambda:
        def update_alias(self, **kw: Any) -> None:
            moved.append(kw)

    monkeypatch.setattr(common, "client", lambda *a, **k: Lambda())
    bake.revert({**event, "check": result})
    assert [(m["FunctionName"], m["Name"], m["FunctionVersion"]) for m in moved] == [("fn", "live", "1")]


@pytest.mark.parametrize("hours", [1, 30])  # 30 h: more minutes than one GetMetricStatistics call returns
def test_the_bake_counts_every_request_since_it_started_in_one_data_point_per_function(
        monkeypatch: pytest.MonkeyPatch, hours: int) -> None:
    from datetime import timedelta

    from seawall.lambdas.release import bake, common
    from seawall.model.contracts import BakeInput, FunctionRelease
    from seawall.sim import FakeAws, FakeCloudWatch
    from seawall.sim.clock import Scheduler

    aws = FakeAws()
    cw = FakeCloudWatch(clock=aws.clock, scheduler=Scheduler(aws.clock))
    aws.register("cloudwatch", cw)
    client = aws.session(account="111111111111", region="us-east-1").client("cloudwatch")
    answers: list[int] = []

    def counted(**params: Any) -> Any:
        out = client.get_metric_statistics(**params)
        answers.append(len(out["Datapoints"]))
        return out

    monkeypatch.setattr(common, "client", lambda service, region=None, role_arn="": type(
        "C", (), {"get_metric_statistics": staticmethod(counted)})())
    fns = [FunctionRelease(function_name=n, alias="live", target_version="2", application="a", deployment_group="g",
                           deployment_config="CodeDeployDefault.LambdaAllAtOnce") for n in ("api", "worker")]
    started = aws.clock.now() + timedelta(seconds=30)  # mid-minute: CloudWatch rounds the start down
    minutes = hours * 60
    for m in range(minutes + 5):  # two requests a minute for api, one for worker; some after `until`
        for name, n in (("api", 2), ("worker", 1)):
            cw.record_stats("111111111111", "us-east-1", "AWS/Lambda", "Invocations",
                            {"FunctionName": name, "Resource": f"{name}:live"}, m * 60, total=n, count=n,
                            minimum=1, maximum=1, unit="Count")
    aws.clock.seconds = minutes * 60 + 4 * 60  # every minute visible
    until = started + timedelta(minutes=minutes)
    b = BakeInput.from_json(_bake_event())
    assert bake.data_points(b, fns, started, until) == 3 * (minutes + 1)  # the minute holding `until` included
    assert answers == [1, 1]
    assert bake.data_points(b, fns, until, started) == 0
