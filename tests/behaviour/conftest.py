"""Harness that executes the *synthesized* release state machines in moto 5.2.5.

Every moto internal the suite touches is patched here, and only here:

* ``LambdaSimpleBackend.invoke`` dispatches Lambda tasks by function name to
  the real handlers (the function name is the logical ID the definition's
  ``Fn::GetAtt`` names, the handler path is the template's ``Handler``).
* ``WaitFunction._wait_interval`` does not sleep: it advances the fake clock
  the Lambdas read "now" from, by exactly the seconds the Wait state asked for.
* The retrier's ``time.sleep`` is skipped (Retry intervals are compressed too).
* moto gaps, stubbed narrowly: ``DescribeAlarms`` honours ``AlarmTypes``
  (composite alarms only when asked for; composites are stored with the
  backend's own ``rule`` field since moto has no ``PutCompositeAlarm``);
  ``GetPipelineExecution`` answers with the execution type a test chose;
  ``GetDeployment`` moves a deployment Created -> InProgress -> the outcome a
  test chose (per function with ``World.deploy_outcomes``), and on success points the alias at the target version as
  CodeDeploy would; ``StopDeployment`` (missing in moto) marks a deployment
  Stopped and records the call in ``World.stopped``.
* ``DescribeStacks`` (the context task reads the target's release stacks): moto
  5.2.5's CloudFormation backend imports API Gateway's, which needs
  ``openapi-spec-validator`` (the ``moto[cloudformation]`` extra, not pinned
  here), so a ``before-call`` hook on boto3's default session answers it from
  ``World.stacks`` -- after botocore validated the request against its model --
  with the response shape of that model, and AWS's ``ValidationError`` ("Stack
  with id ... does not exist") for a missing stack.  ``World.deploy_stack``
  leaves the outputs a SafeLambdaDeployment deploy would.
* The team settings: the environment variable the synthesized template gives
  the release Lambdas; ``World.team`` replaces it for one scenario.
* Observation and faults at the backends: every ``UpdateAlias`` made by the
  code under test (not the harness's own CodeDeploy stand-in) is recorded in
  ``World.alias_updates``; ``World.inject`` makes the Nth call of a backend
  method raise a service error (AccessDenied, ResourceNotFound, ...).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import types
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ACCOUNT = "123456789012"
REGION = "us-east-1"
TEAM = "payments"
AGGREGATE = f"{TEAM}-{REGION}-aggregate"
PIPELINE = "payments-api-pipeline"


# ----------------------------------------------------------------------------- synthesis (once per session)

_APP: dict[str, Any] = {}


def release_app() -> tuple[Any, Any]:
    """The app with one ReleaseStateMachines stack, built once."""
    if not _APP:
        import aws_cdk as cdk

        from seawall.constructs.release import ReleaseStateMachines
        from seawall.model.window import TimeWindow

        app = cdk.App()
        stack = cdk.Stack(app, "PaymentsRelease", env=cdk.Environment(account=ACCOUNT, region=REGION))
        ReleaseStateMachines(stack, "Release", team=TEAM, window=TimeWindow.always(time_zone="Europe/Berlin"))
        _APP.update(app=app, stack=stack)
    return _APP["app"], _APP["stack"]


@pytest.fixture(scope="session")
def release_template() -> dict[str, Any]:
    from tests.support.lint import synth

    _, stack = release_app()
    return synth(stack)


def _resolve(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_resolve(p) for p in parts)
    if "Fn::GetAtt" in value:
        logical, attr = value["Fn::GetAtt"]
        assert attr == "Arn", value
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical}"
    if "Ref" in value:
        return {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                "AWS::URLSuffix": "amazonaws.com"}[value["Ref"]]
    raise AssertionError(f"unresolvable token in a state machine definition: {value}")


def definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state machine's definition, from the template, tokens resolved to moto ARNs, keyed gate/shift/bake."""
    out = {}
    for r in template["Resources"].values():
        if r["Type"] == "AWS::StepFunctions::StateMachine":
            name = r["Properties"]["StateMachineName"]
            out[name.rsplit("-", 1)[1]] = json.loads(_resolve(r["Properties"]["DefinitionString"]))
    return out


def handlers(template: dict[str, Any]) -> dict[str, str]:
    return {k: r["Properties"]["Handler"] for k, r in template["Resources"].items()
            if r["Type"] == "AWS::Lambda::Function"}


def team_settings_env(template: dict[str, Any]) -> str:
    """The SEAWALL_TEAM_SETTINGS every release Lambda of the template carries (one value for all)."""
    from seawall.model.contracts import TEAM_SETTINGS_ENV

    values = {r["Properties"]["Environment"]["Variables"][TEAM_SETTINGS_ENV]
              for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"}
    (value,) = values
    return value


class _Http:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.content = b""
        self.text = ""


# ----------------------------------------------------------------------------- the world


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def now(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


class FakeContext:
    function_name = "seawall-release-test"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:seawall-release-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"


class World:
    """moto, the synthesized machines, and the knobs a scenario turns."""

    def __init__(self, template: dict[str, Any], clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
        import boto3

        self.clock = clock
        self.monkeypatch = monkeypatch
        #: (deployment ID, autoRollbackEnabled) of every StopDeployment.
        self.stopped: list[tuple[str, bool]] = []
        #: (function, alias, version) of every UpdateAlias the code under test made.
        self.alias_updates: list[tuple[str, str, str]] = []
        self.harness_moving = False
        self.executions = 0
        self.template = template
        self.handlers = handlers(template)
        self.execution_types: dict[str, str] = {}
        self.deploy_outcome = "Succeeded"
        #: Per function (the AppSpec's Name): the outcome of its deployment, instead of deploy_outcome.
        self.deploy_outcomes: dict[str, str] = {}
        self.deploy_error: dict[str, str] = {}
        self.waits: list[int] = []
        self.invocations: list[tuple[str, datetime]] = []
        #: The target's CloudFormation stacks: {stack name: {OutputKey: OutputValue}} (DescribeStacks).
        self.stacks: dict[str, dict[str, str]] = {}
        self.describe_stacks: list[str] = []
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.cw = boto3.client("cloudwatch", region_name=REGION)
        self.lam = boto3.client("lambda", region_name=REGION)
        self.cd = boto3.client("codedeploy", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        self.role = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.machines = {
            part: self.sfn.create_state_machine(name=f"seawall-{TEAM}-{part}", definition=json.dumps(d),
                                                roleArn=self.role)["stateMachineArn"]
            for part, d in definitions(template).items()
        }

    # --- alarms
    def metric_alarm(self, name: str, state: str = "OK") -> None:
        self.cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                                 Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
        self.set_alarm(name, state)

    def composite_alarm(self, name: str, state: str = "OK") -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[ACCOUNT][REGION].put_metric_alarm(
            name=name, namespace="", metric_name="", comparison_operator="", evaluation_periods=0, period=0,
            threshold=0.0, statistic="", description="team aggregate", dimensions=[], alarm_actions=[],
            rule="ALARM(member)")
        self.set_alarm(name, state)

    def set_alarm(self, name: str, state: str) -> None:
        self.cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")

    # --- service functions
    def service_function(self, name: str, versions: int = 2, live: str = "1") -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c): return e\n")
        self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=self.role, Handler="index.handler",
                                 Code={"ZipFile": buf.getvalue()})
        for i in range(versions):
            self.lam.update_function_configuration(FunctionName=name, Description=f"v{i + 1}")
            self.lam.publish_version(FunctionName=name, Description=f"v{i + 1}")
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion=live)
        self.cd.create_application(applicationName=f"{name}-app", computePlatform="Lambda")
        self.cd.create_deployment_group(applicationName=f"{name}-app", deploymentGroupName=f"{name}-dg",
                                        serviceRoleArn=self.role)

    # --- the target's stacks and the team runtime
    def deploy_stack(self, stack_name: str, functions: list[Any], token: str,
                     service_alarms: tuple[str, ...] = ()) -> None:
        """Leave in `stack_name` the outputs a deploy of SafeLambdaDeployments would (FunctionRelease each)."""
        from seawall.model.contracts import FUNCTION_OUTPUT_PREFIX, RELEASE_TOKEN_OUTPUT, SERVICE_ALARMS_OUTPUT

        outputs = {RELEASE_TOKEN_OUTPUT: token, SERVICE_ALARMS_OUTPUT: json.dumps(list(service_alarms))}
        for i, f in enumerate(functions):
            outputs[f"{FUNCTION_OUTPUT_PREFIX}Fn{i}"] = json.dumps(f.to_json(), separators=(",", ":"))
        self.stacks[stack_name] = outputs

    def team(self, **settings: Any) -> None:
        """Replace the team settings (TeamSettings.of keywords) the release Lambdas read."""
        from seawall.lambdas.release import common
        from seawall.model.contracts import TEAM_SETTINGS_ENV, TeamSettings

        self.monkeypatch.setenv(TEAM_SETTINGS_ENV, TeamSettings.of(team=TEAM, **settings).to_env())
        common.settings.cache_clear()

    def _describe_stacks(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        body = params.get("body") or {}  # botocore's request dict, serialized after validation
        name = body.get("StackName", "") if isinstance(body, dict) else ""
        self.describe_stacks.append(name)
        outputs = self.stacks.get(name)
        if outputs is None:
            return _Http(400), {"Error": {"Code": "ValidationError", "Message": f"Stack with id {name} does not exist",
                                          "Type": "Sender"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return _Http(200), {"Stacks": [{
            "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/0000", "StackName": name,
            "CreationTime": datetime(2025, 1, 1, tzinfo=UTC), "StackStatus": "UPDATE_COMPLETE",
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]}],
            "ResponseMetadata": {"HTTPStatusCode": 200}}

    def alarm_changes_on_check(self, check: int, name: str, state: str) -> dict[str, int]:
        """Set alarm `name` to `state` just before the `check`-th alarm read of the release Lambdas.

        Gate and bake both read alarms through ``common.alarm_states``; returns the read count.
        """
        from seawall.lambdas.release import bake

        common = bake.common
        real = common.alarm_states
        calls = {"n": 0}

        def alarm_states(names: Any, region: str) -> dict[str, str]:
            calls["n"] += 1
            if calls["n"] == check:
                self.set_alarm(name, state)
            return real(names, region)

        self.monkeypatch.setattr(common, "alarm_states", alarm_states)
        return calls

    def inject(self, cls: type, method: str, error: Exception, *, on_call: int = 1) -> dict[str, int]:
        """Make the `on_call`-th call of ``cls.method`` (a moto backend) raise `error`; returns the call count."""
        original = getattr(cls, method)
        calls = {"n": 0}

        def faulty(backend: Any, *args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == on_call:
                raise error
            return original(backend, *args, **kwargs)

        self.monkeypatch.setattr(cls, method, faulty)
        return calls

    def alias_version(self, name: str) -> str:
        return self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]

    def deployments(self) -> list[Any]:
        from moto.codedeploy.models import codedeploy_backends

        return list(codedeploy_backends[ACCOUNT][REGION].deployments.values())

    def invocations_metric(self, name: str, count: int, at: datetime | None = None) -> None:
        self.cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
            "MetricName": "Invocations", "Value": float(count), "Unit": "Count",
            "Timestamp": at or self.clock.now(),
            "Dimensions": [{"Name": "FunctionName", "Value": name}, {"Name": "Resource", "Value": f"{name}:live"}],
        }])

    # --- executions
    def run(self, part: str, payload: dict[str, Any], *, timeout: float = 30) -> dict[str, Any]:
        self.executions += 1
        arn = self.sfn.start_execution(stateMachineArn=self.machines[part], name=f"{part}-{self.executions}",
                                       input=json.dumps(payload))["executionArn"]
        deadline = time.monotonic() + timeout
        while True:
            d = self.sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                d["history"] = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
                return d
            if time.monotonic() > deadline:
                self.sfn.stop_execution(executionArn=arn)
                raise AssertionError(f"{part} execution still RUNNING after {timeout}s")
            time.sleep(0.02)

    def entered(self, d: dict[str, Any]) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in d["history"] if "stateEnteredEventDetails" in e]

    def task_outputs(self, d: dict[str, Any], state: str) -> list[dict[str, Any]]:
        out, current = [], None
        for e in d["history"]:
            if "stateEnteredEventDetails" in e:
                current = e["stateEnteredEventDetails"]["name"]
            if "stateExitedEventDetails" in e and e["stateExitedEventDetails"]["name"] == state:
                out.append(json.loads(e["stateExitedEventDetails"]["output"]))
        _ = current
        return out


def _invoke_patch(world_ref: dict[str, World]) -> Any:
    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any,
               response_headers: Any) -> bytes:
        world = world_ref["world"]
        logical = function_name.split("function:")[-1].split(":")[0]
        path = world.handlers[logical]
        module, attr = path.rsplit(".", 1)
        handler = getattr(importlib.import_module(module), attr)
        world.invocations.append((logical, world.clock.now()))
        event = json.loads(body) if body else {}
        try:
            return json.dumps(handler(event, FakeContext())).encode()
        except Exception as e:  # what the Lambda runtime reports for an unhandled exception
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}).encode()

    return invoke


@pytest.fixture
def world(release_template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("SEAWALL_TEAM", TEAM)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # faults reach the synthesized Retry, not botocore's

    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.codedeploy.models import CodeDeployBackend
    from moto.codedeploy.responses import CodeDeployResponse
    from moto.codepipeline.responses import CodePipelineResponse
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    from seawall.lambdas.release import common

    ref: dict[str, World] = {}
    clock = FakeClock(datetime(2025, 6, 2, 10, 0, tzinfo=UTC))
    monkeypatch.setattr(common, "clock", clock)
    common.reset_clients()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", _invoke_patch(ref))

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        ref["world"].waits.append(wait_seconds)
        clock.advance(wait_seconds)

    monkeypatch.setattr(wait_function.WaitFunction, "_wait_interval", wait_interval)
    monkeypatch.setattr(retrier_decl, "time", types.SimpleNamespace(sleep=lambda s: None, time=time.time))

    original_describe = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        types_ = self._get_param("AlarmTypes", []) or ["MetricAlarm"]
        result = original_describe(self)
        if "CompositeAlarm" not in types_:
            result.result["CompositeAlarms"] = []
        if "MetricAlarm" not in types_:
            result.result["MetricAlarms"] = []
        return result

    monkeypatch.setattr(CloudWatchResponse, "describe_alarms", describe_alarms)

    def get_pipeline_execution(self: Any) -> str:
        params = json.loads(self.body)
        eid = params["pipelineExecutionId"]
        kind = ref["world"].execution_types.get(eid, "STANDARD")
        return json.dumps({"pipelineExecution": {"pipelineName": params["pipelineName"], "pipelineExecutionId": eid,
                                                 "status": "InProgress", "executionType": kind}})

    monkeypatch.setattr(CodePipelineResponse, "get_pipeline_execution", get_pipeline_execution)

    original_get_deployment = CodeDeployBackend.get_deployment

    def get_deployment(self: Any, deployment_id: str) -> Any:
        d = original_get_deployment(self, deployment_id)
        w = ref["world"]
        if d.status == "Created":
            d.status = "InProgress"
        elif d.status == "InProgress":
            content = json.loads(d.revision["appSpecContent"]["content"])
            names = [next(iter(res.values()))["Properties"]["Name"] for res in content["Resources"]]
            d.status = next((w.deploy_outcomes[n] for n in names if n in w.deploy_outcomes), w.deploy_outcome)
            if d.status == "Succeeded":
                w.harness_moving = True
                try:
                    for res in content["Resources"]:
                        props = next(iter(res.values()))["Properties"]
                        w.lam.update_alias(FunctionName=props["Name"], Name=props["Alias"],
                                           FunctionVersion=props["TargetVersion"])
                finally:
                    w.harness_moving = False
        return d

    monkeypatch.setattr(CodeDeployBackend, "get_deployment", get_deployment)

    def stop_deployment(self: Any) -> str:  # moto 5.2.5 has no StopDeployment
        params = json.loads(self.body)
        d = self.codedeploy_backend.get_deployment(params["deploymentId"])
        d.status = "Stopped"
        ref["world"].stopped.append((params["deploymentId"], bool(params.get("autoRollbackEnabled"))))
        return json.dumps({"status": "Succeeded", "statusMessage": "stopped (moto stub)"})

    monkeypatch.setattr(CodeDeployResponse, "stop_deployment", stop_deployment, raising=False)

    original_update_alias = LambdaBackend.update_alias

    def update_alias(self: Any, name: str, function_name: str, *args: Any, **kwargs: Any) -> Any:
        alias = original_update_alias(self, name, function_name, *args, **kwargs)
        w = ref["world"]
        if not w.harness_moving:
            w.alias_updates.append((function_name, name, alias.function_version))
        return alias

    monkeypatch.setattr(LambdaBackend, "update_alias", update_alias)

    from seawall.model.contracts import TEAM_SETTINGS_ENV

    monkeypatch.setenv(TEAM_SETTINGS_ENV, team_settings_env(release_template))
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}):
        import boto3

        ref["world"] = World(release_template, clock, monkeypatch)
        common.reset_clients()
        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-call.cloudformation.DescribeStacks",
                                              lambda params, **kw: ref["world"]._describe_stacks(params, **kw))
        yield ref["world"]
    boto3.DEFAULT_SESSION = None
    common.reset_clients()
